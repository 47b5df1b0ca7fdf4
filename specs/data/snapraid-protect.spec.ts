// §2.1 "SnapRAID: parity-based protection", §1 "single source of truth" for the media library:
// what must have parity has it. Judged from what SnapRAID itself reports (`snapraid list` on a
// sample of the files under each declared path, on every data disk), with the rule of
// snapraid.conf that leaves a file out named from SnapRAID's own filter order.
import { filterVerdict, protectPath, snapraidProtect } from "../../helpers/probes/snapraid-protect.ts";
import { snapraidConfig, snapraidDiff } from "../../helpers/probes/snapraid.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

export default invariant(
  {
    id: "DATA-015",
    title: "SnapRAID protects every declared path",
    must: "Every path declared under `storage.snapraid.protect` MUST be inside the array: it MUST exist on a SnapRAID data disk, no file under it may sit on a MergerFS branch that is no SnapRAID data disk, and every sampled file under it (up to 200 per disk) MUST be listed by `snapraid list` (under parity since the last sync) or be waiting for the next sync in `snapraid diff`, and no rule of snapraid.conf may leave a listed one out at the next sync. A file left out names the rule of snapraid.conf that leaves it out (`exclude`, `include`, `nohidden`).",
    fix: (f, node) => `on ${node.name}: remove or narrow the snapraid.conf rule that leaves it out (${f.actual}), move the files onto a SnapRAID data disk if they are elsewhere, then: snapraid sync`,
    section: "§2.1, §1",
    family: "data",
    severity: "critical",
  },
  {
    appliesTo: (node) => (node.storage?.snapraid?.protect?.length ?? 0) > 0,
    planned: (node) =>
      node.storage?.snapraid && !node.storage.snapraid.protect?.length
        ? "declare storage.snapraid.protect (the paths that must have parity, e.g. [media]) to check what SnapRAID really protects"
        : undefined,
    reads: (node) => { const s = node.storage!; const c = s.snapraid!.config; return { protect: snapraidProtect(c, s.snapraid!.protect!, s.mergerfs?.branches ?? []), conf: snapraidConfig(c), diff: snapraidDiff(c) }; },
    check({ node, facts }) {
      const decl = node.storage!.snapraid!;
      const f = facts.protect;
      if (f.kind === "busy") {
        return [{ subject: "SnapRAID array", expected: "`snapraid list` to answer", actual: `SnapRAID is in use (${f.message}): a sync, scrub or fix is running now; re-run when it ends` }];
      }
      const conf = facts.conf;
      const diff = facts.diff;
      const pending = new Set(diff.kind === "diff" ? diff.changes.filter((c) => c.op === "add" || c.op === "update" || c.op === "move" || c.op === "copy").map((c) => c.path) : []);
      const findings: Finding[] = [];
      for (const p of decl.protect!.map(protectPath)) {
        const subject = `protected path ${p}`;
        const mine = f.samples.filter((s) => s.protect === p);
        const onData = mine.filter((s) => s.disk !== "-");
        if (onData.length === 0) {
          const absent = f.absent.filter((a) => a.startsWith(`${p} (`)).length === conf.data.length;
          findings.push({ subject, expected: "files under parity on the data disks", actual: absent ? "no data disk has it (a typo in the declaration, or the data is elsewhere)" : "no file under it on any data disk" });
        }
        const offArray = mine.filter((s) => s.disk === "-");
        if (offArray.length) {
          const branches = [...new Set(offArray.map((s) => s.dir))];
          findings.push({ subject, expected: "only on SnapRAID data disks", actual: `${offArray.length} file(s) on ${branches.join(", ")}, a MergerFS branch that is no data disk of snapraid.conf (no parity at all): ${offArray.slice(0, 2).map((s) => s.path).join(", ")}` });
        }
        // A rule of the conf that will drop listed files at the next sync (DATA-004 sees them as removals).
        const listed = new Set(f.listed);
        const leaving = new Map<string, string[]>();
        for (const s of onData.filter((x) => listed.has(x.path))) {
          const v = filterVerdict(conf, s.disk, s.path);
          if (v.excluded) leaving.set(v.by!, [...(leaving.get(v.by!) ?? []), s.path]);
        }
        for (const [why, paths] of leaving) {
          findings.push({ subject, expected: "every file kept under parity", actual: `${paths.length} of ${onData.length} sampled file(s) leave the array at the next sync, left out by ${why}: ${paths.slice(0, 3).join(", ")}${paths.length > 3 ? ", …" : ""}` });
        }
        // SnapRAID's own answer: neither listed nor waiting for the next sync = left out.
        const out = onData.filter((s) => !listed.has(s.path) && !pending.has(s.path));
        if (out.length === 0) continue;
        const byRule = new Map<string, string[]>();
        for (const s of out) {
          const v = filterVerdict(conf, s.disk, s.path);
          const why = v.excluded ? v.by! : "no rule of snapraid.conf explains it (was the last sync interrupted, or the disk filtered with -d?)";
          byRule.set(why, [...(byRule.get(why) ?? []), s.path]);
        }
        for (const [why, paths] of byRule) {
          findings.push({
            subject,
            expected: "every file under parity (listed by `snapraid list`)",
            actual: `${paths.length} of ${onData.length} sampled file(s) not in the array, left out by ${why}: ${paths.slice(0, 3).join(", ")}${paths.length > 3 ? ", …" : ""}`,
          });
        }
      }
      return findings;
    },
  },
);
