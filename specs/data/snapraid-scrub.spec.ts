// §2.1 "Run `snapraid scrub` on a defined cadence", §6 weekly "check scrub age", monthly scrub.
// A scrub re-reads data and parity and compares hashes: silent corruption is found only there.
import { snapraidStatus } from "../../helpers/probes/snapraid.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

export default invariant(
  {
    id: "DATA-002",
    title: "SnapRAID scrubs the whole array on schedule",
    must: "The oldest block of the SnapRAID array (`snapraid status`: \"The oldest block was scrubbed N days ago\") MUST be at most `maxScrubAgeDays` days old (default 45), and at most `maxUnscrubbedPercent` percent of the array (default 20) MAY be synced but not yet scrubbed (\"The N% of the array is not scrubbed.\").",
    fix: (f, node) => /unscrubbed/.test(f.subject) ? `on ${node.name}: snapraid scrub -p new (scrubs what the last sync wrote)` : `on ${node.name}: snapraid scrub -p 100 -o 0 now, and check the scrub timer (DATA-009) so it keeps up`,
    section: "§2.1, §6",
    family: "data",
    severity: "normal",
  },
  {
    appliesTo: (node) => node.storage?.snapraid !== undefined,
    reads: (node) => ({ status: snapraidStatus(node.storage!.snapraid!.config) }),
    check({ node, facts }) {
      const decl = node.storage!.snapraid!;
      const status = facts.status;
      if (status.kind === "busy") {
        return [{ subject: "SnapRAID array", expected: "`snapraid status` to answer", actual: `SnapRAID is in use (${status.message}): a sync, scrub or fix is running now; re-run when it ends` }];
      }
      // An empty (never synced) array has nothing to scrub yet: DATA-001 reports it.
      if (status.empty) return [];
      const findings: Finding[] = [];
      const a = status.ages!;
      if (status.scrubAgeDays! > decl.maxScrubAgeDays) {
        findings.push({
          subject: "oldest SnapRAID scrub",
          expected: `at most ${decl.maxScrubAgeDays} days ago`,
          actual: `${a.oldestDays} days ago (snapraid status: oldest ${a.oldestDays}, median ${a.medianDays}, newest ${a.newestDays}): part of the array has not been verified since; run \`snapraid scrub\` (the default plan verifies the oldest 8% each run)`,
        });
      }
      if (status.unscrubbedPercent > decl.maxUnscrubbedPercent) {
        findings.push({
          subject: "unscrubbed part of the array",
          expected: `at most ${decl.maxUnscrubbedPercent}% of the array synced but never scrubbed`,
          actual: `${status.unscrubbedPercent}% (snapraid status: "The ${status.unscrubbedPercent}% of the array is not scrubbed."); run \`snapraid scrub -p new\``,
        });
      }
      return findings;
    },
  },
);
