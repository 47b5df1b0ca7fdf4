// §2.1 "Run `snapraid sync` after large write operations (or via schedule)", §1 key metric
// "SnapRAID: last sync age", §6 weekly review. Parity only protects what was synced.
import { snapraidDiff, snapraidStatus, type SnapraidDiff } from "../../helpers/probes/snapraid.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

export default invariant(
  {
    id: "DATA-001",
    title: "SnapRAID parity is synced on schedule",
    must: "The newest block of the SnapRAID array (`snapraid status`: \"the newest N\" — the last sync that wrote parity, or a later scrub) MUST be at most `maxSyncAgeDays` days old (default 7). An array that was never synced while its disks hold files fails.",
    fix: (f, node) => `on ${node.name}: snapraid diff (review what changed), then snapraid sync; check the sync timer (DATA-009) so it keeps up`,
    section: "§2.1, §1, §6",
    family: "data",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.storage?.snapraid !== undefined,
    reads: (node) => ({ status: snapraidStatus(node.storage!.snapraid!.config), diff: snapraidDiff(node.storage!.snapraid!.config) }),
    check({ node, facts }) {
      const decl = node.storage!.snapraid!;
      const status = facts.status;
      if (status.kind === "busy") {
        return [{ subject: "SnapRAID array", expected: "`snapraid status` to answer", actual: `SnapRAID is in use (${status.message}): a sync, scrub or fix is running now; re-run when it ends` }];
      }
      const findings: Finding[] = [];
      if (status.empty) {
        // Nothing synced: a failure only if there is something to protect.
        let diff: SnapraidDiff | undefined;
        try {
          const d = facts.diff;
          if (d.kind === "diff") diff = d;
        } catch {
          /* judged by status alone */
        }
        const files = diff ? diff.counts.added + diff.counts.equal + diff.counts.updated : undefined;
        if (files !== 0) {
          findings.push({
            subject: "SnapRAID array",
            expected: `synced within the last ${decl.maxSyncAgeDays} days`,
            actual: `never synced: snapraid status says "The array is empty."${files ? ` while snapraid diff finds ${files} files to add` : ""}; no file is protected by parity until \`snapraid sync\` runs`,
          });
        }
        return findings;
      }
      if (status.syncAgeDays! > decl.maxSyncAgeDays) {
        const a = status.ages!;
        findings.push({
          subject: "last SnapRAID sync",
          expected: `at most ${decl.maxSyncAgeDays} days ago`,
          actual: `${status.syncAgeDays} days ago (snapraid status: the newest block was synced or scrubbed ${a.newestDays} days ago; oldest ${a.oldestDays}, median ${a.medianDays}): files written since are not protected; run \`snapraid sync\``,
        });
      }
      return findings;
    },
  },
);
