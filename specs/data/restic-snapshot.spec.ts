// §2.4 planned "Off-site backup … restic + append-only repo", §7 "Off-site backups for critical
// datasets". When the inventory declares the restic target, its newest snapshot (of the declared
// host/tag) is judged against the node's clock. A node with backups but no restic target is
// reported as skipped with the reason: the document plans it, the inventory does not declare it.
import { resticSnapshots } from "../../helpers/probes/restic.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import { ageText, RESTIC_PLANNED } from "../../helpers/spec/backup-text.ts";

export default invariant(
  {
    id: "DATA-013",
    title: "The off-site restic snapshot is fresh",
    must:
      "On every node that declares `backups.restic`, `restic snapshots --latest 1` (read-only: --no-lock --no-cache; filtered by `host`/`tag` when declared) MUST succeed with the declared password file and list a snapshot at most `maxAgeHours` old (default 26) by the node's clock.",
    fix: (f, node) => `on ${node.name}: run the off-site backup now (restic -r <repository> --password-file <file> backup <paths>) and check the timer that runs it (wanted: ${f.expected})`,
    section: "§2.4",
    family: "data",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.backups?.restic !== undefined,
    planned: (node) => (node.backups && !node.backups.restic ? RESTIC_PLANNED : undefined),
    reads: (node) => ({ snapshots: resticSnapshots(node.backups!.restic!) }),
    check(ctx) {
      const decl = ctx.node.backups!.restic!;
      const s = ctx.facts.snapshots;
      const filter = [decl.host ? `host ${decl.host}` : "", decl.tag ? `tag ${decl.tag}` : ""].filter(Boolean).join(", ");
      const subject = `restic repository ${decl.repository}${filter ? ` (${filter})` : ""}`;
      const expected = `a snapshot at most ${decl.maxAgeHours} h old`;
      if (!s.setup.ok) return [{ subject, expected, actual: `restic not run: ${s.setup.why}` }];
      if (s.code !== 0) return [{ subject, expected, actual: `restic snapshots exited ${s.code}: ${s.error}` }];
      const newest = s.snapshots[0];
      if (!newest) return [{ subject, expected, actual: `no snapshot${filter ? ` of ${filter}` : ""} in the repository` }];
      const age = s.now - newest.time;
      if (age > decl.maxAgeHours * 3600) {
        return [{ subject, expected, actual: `newest snapshot ${newest.id} (${newest.paths.join(", ")}) taken ${new Date(newest.time * 1000).toISOString()} is ${ageText(age)}` }];
      }
      return [];
    },
  },
);
