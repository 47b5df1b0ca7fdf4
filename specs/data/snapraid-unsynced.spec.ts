// §2.1 "Run `snapraid sync` after large write operations", risk profile "less optimal for highly
// dynamic datasets unless sync/scrub is frequent", §2.4 "does not protect against accidental
// deletion if synced after deletion": unsynced changes are unprotected, and unsynced deletions
// are one sync away from permanent.
import { mounts } from "../../helpers/probes/mounts.ts";
import { missingDataDisks } from "../../helpers/probes/snapraid-array.ts";
import { snapraidConfig, snapraidDiff, snapraidStatus, type SnapraidDiff } from "../../helpers/probes/snapraid.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

const examples = (diff: SnapraidDiff, op: string) => {
  const paths = diff.changes.filter((c) => c.op === op).map((c) => c.path);
  return paths.length ? `: ${paths.slice(0, 3).join(", ")}${paths.length > 3 ? `, … (${paths.length - 3} more)` : ""}` : "";
};

export default invariant(
  {
    id: "DATA-004",
    title: "Unsynced changes stay within bounds, deletions above all",
    must: "`snapraid diff` MUST count at most `maxUnsynced.added` added (default 50), `maxUnsynced.updated` updated (default 50) and `maxUnsynced.removed` removed files (default 0: a sync after an accidental deletion makes it permanent) since the last sync. Files of a data disk that is missing are not counted as deletions here: DATA-005 reports the disk.",
    fix: (f, node) => /deleted/.test(f.subject) ? `on ${node.name}: do NOT sync yet; snapraid diff lists them; restore unintended deletions with snapraid -m fix, then snapraid sync` : `on ${node.name}: snapraid diff (review), then snapraid sync`,
    section: "§2.1, §2.4",
    family: "data",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.storage?.snapraid !== undefined,
    reads: (node) => { const c = node.storage!.snapraid!.config; return { diff: snapraidDiff(c), status: snapraidStatus(c), conf: snapraidConfig(c), mounts }; },
    check({ node, facts }) {
      const decl = node.storage!.snapraid!;
      const diff = facts.diff;
      if (diff.kind === "busy") {
        return [{ subject: "SnapRAID array", expected: "`snapraid diff` to answer", actual: `SnapRAID is in use (${diff.message}): a sync, scrub or fix is running now; re-run when it ends` }];
      }
      // A missing disk makes every file SnapRAID knew on it look deleted. That is not a deletion to
      // review but a disk to put back (and a sync now would throw its parity away): DATA-005 owns
      // it, and its files (as many as the last sync recorded on it, per `snapraid status`) are
      // left out of the count here; deletions on the other disks are still judged. Status, conf and
      // mounts only refine that count: when one is unreadable, SnapRAID's own missing-disk warning
      // in the diff still tells, and if the missing disk's file count is unknown, deletions are
      // not judged at all until it is back.
      const optional = <T,>(get: () => T): T | undefined => {
        try {
          return get();
        } catch {
          return undefined;
        }
      };
      const status = optional(() => facts.status);
      const conf = optional(() => facts.conf);
      const table = optional(() => facts.mounts);
      const st = status?.kind === "status" ? status : undefined;
      const missing =
        conf && table
          ? missingDataDisks(conf, table, diff, st)
          : diff.missingDisks.map((d) => ({ name: d.disk, dir: d.dir, files: st?.disks.find((x) => x.name === d.disk)?.files, reason: "SnapRAID reports all its files missing" }));
      const onMissing = missing.reduce((n, d) => n + (d.files ?? 0), 0);
      const removed = Math.max(0, diff.counts.removed - onMissing);
      const unknownMissing = missing.some((d) => d.files === undefined);

      const findings: Finding[] = [];
      const { added, updated } = diff.counts;
      const b = decl.maxUnsynced;
      if (added > b.added) {
        findings.push({ subject: "files added since the last sync", expected: `at most ${b.added}`, actual: `${added} added, not protected by parity until \`snapraid sync\`${examples(diff, "add")}` });
      }
      if (updated > b.updated) {
        findings.push({ subject: "files modified since the last sync", expected: `at most ${b.updated}`, actual: `${updated} updated, their parity is stale until \`snapraid sync\`${examples(diff, "update")}` });
      }
      if (removed > b.removed && !unknownMissing) {
        const note = onMissing ? ` (not counting the ${onMissing} files of missing disk${missing.length > 1 ? "s" : ""} ${missing.map((d) => d.name).join(", ")})` : "";
        findings.push({
          subject: "files deleted since the last sync",
          expected: `at most ${b.removed} (§2.4: a sync after an accidental deletion makes it permanent)`,
          actual: `${removed} removed${note}${onMissing ? "" : examples(diff, "remove")}; check they were meant to go before the next sync (\`snapraid fix -m\` restores deleted files)`,
        });
      }
      return findings;
    },
  },
);
