// §2.4 planned "restic + append-only repo": a backup repository that does not pass its own check
// may not restore. `restic check` (structure: index, packs, snapshots, trees; not --read-data) runs
// read-only: --no-lock writes no lock file into the repository, --no-cache no cache on the node.
import { RESTIC_TIMEOUT_SEC } from "../../helpers/probes/restic.ts";
import { resticCheck } from "../../helpers/probes/restic.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import { RESTIC_PLANNED } from "../../helpers/spec/backup-text.ts";

export default invariant(
  {
    id: "DATA-014",
    title: "The restic repository passes restic check",
    must:
      "On every node that declares `backups.restic` with `check` (default true), `restic check --no-lock --no-cache` with the declared password file MUST exit 0 and report `no errors were found` within 20 s.",
    fix: (f, node) => `on ${node.name}: restic -r <repository> --password-file <file> check shows the errors; repair with restic repair index && restic repair snapshots --forget, then run restic check again`,
    section: "§2.4",
    family: "data",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.backups?.restic?.check === true,
    planned: (node) => (node.backups && !node.backups.restic ? RESTIC_PLANNED : undefined),
    reads: (node) => ({ check: resticCheck(node.backups!.restic!) }),
    check(ctx) {
      const decl = ctx.node.backups!.restic!;
      const c = ctx.facts.check;
      const subject = `restic repository ${decl.repository}`;
      const expected = "restic check exits 0: no errors were found";
      if (!c.setup.ok) return [{ subject, expected, actual: `restic not run: ${c.setup.why}` }];
      if (c.code === 0 && c.clean) return [];
      if (c.code === 124) {
        return [{ subject, expected, actual: `restic check did not finish within ${RESTIC_TIMEOUT_SEC} s: restic was retrying packs it cannot load (a missing or unreadable pack file), so the repository is damaged or unreachable${c.errors.length ? `: ${c.errors.slice(0, 2).join(" | ")}` : ""}` }];
      }
      const shown = c.errors.slice(0, 3).join(" | ");
      const more = c.errorCount > 3 ? ` (+${c.errorCount - 3} more lines)` : "";
      return [{ subject, expected, actual: `restic check exited ${c.code}${shown ? `: ${shown}${more}` : ""}` }];
    },
  },
);
