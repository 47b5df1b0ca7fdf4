// §1 key metric "SnapRAID: detected errors", §4.1/§4.2 "Validate integrity and re-sync parity":
// SnapRAID remembers every block a scrub or sync found bad until it is fixed, and every sync it
// did not finish.
import { snapraidStatus } from "../../helpers/probes/snapraid.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

const blocks = (b: number[], first?: number, last?: number) =>
  b.length ? `block${b.length > 1 ? "s" : ""} ${b.slice(0, 10).join(", ")}${b.length > 10 ? `, … (${b.length - 10} more)` : ""}` : first !== undefined ? `blocks ${first} to ${last}` : "blocks not listed";

export default invariant(
  {
    id: "DATA-003",
    title: "SnapRAID reports no errors and no unfinished sync",
    must: "`snapraid status` MUST say \"No error detected.\" (any \"DANGER! In the array there are N errors!\" fails, with the count and the blocks) and \"No sync is in progress.\" (an interrupted sync leaves part of the parity stale: \"You have a sync in progress at N%.\").",
    fix: (f, node) => /sync/i.test(`${f.subject} ${f.actual}`) ? `on ${node.name}: snapraid sync (finishes the interrupted sync)` : `on ${node.name}: snapraid -e fix && snapraid -p bad scrub (repairs the blocks with errors, then re-checks them)`,
    section: "§1, §2.1, §4.1, §4.2",
    family: "data",
    severity: "blocker",
  },
  {
    appliesTo: (node) => node.storage?.snapraid !== undefined,
    reads: (node) => ({ status: snapraidStatus(node.storage!.snapraid!.config) }),
    check({ node, facts }) {
      const status = facts.status;
      if (status.kind === "busy") {
        return [{ subject: "SnapRAID array", expected: "`snapraid status` to answer", actual: `SnapRAID is in use (${status.message}): a sync, scrub or fix is running now; re-run when it ends` }];
      }
      const findings: Finding[] = [];
      const e = status.errors;
      if (e.count > 0) {
        findings.push({
          subject: "SnapRAID array",
          expected: 'no errors ("No error detected.")',
          actual: `${e.count} error${e.count > 1 ? "s" : ""} at ${blocks(e.blocks, e.firstBlock, e.lastBlock)} ("DANGER! In the array there are ${e.count} errors!"): data or parity is damaged; run \`snapraid -e fix\`, then \`snapraid -p bad scrub\``,
        });
      }
      if (status.syncInProgressPercent !== undefined) {
        findings.push({
          subject: "SnapRAID sync",
          expected: 'no unfinished sync ("No sync is in progress.")',
          actual: `a sync was interrupted at ${status.syncInProgressPercent}% ("You have a sync in progress at ${status.syncInProgressPercent}%."): the rest of the parity is stale; run \`snapraid sync\` to finish it`,
        });
      }
      return findings;
    },
  },
);
