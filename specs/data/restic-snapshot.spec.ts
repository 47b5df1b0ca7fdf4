// §2.4 planned "Off-site backup … restic + append-only repo", §7 "Off-site backups for critical
// datasets". When the inventory declares the restic target, its newest snapshot (of the declared
// host/tag) is judged against the node's clock. A node with backups but no restic target is
// reported as skipped with the reason: the document plans it, the inventory does not declare it.
import { resticSnapshots, type ResticSnapshot } from "../../helpers/probes/restic.ts";
import type { Finding } from "../../helpers/spec/message.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import { ageText, RESTIC_PLANNED } from "../../helpers/spec/backup-text.ts";

/**
 * Is `path` held by a fresh snapshot? `restic snapshots --latest 1` answers the newest snapshot of
 * each group, and restic groups by host and paths (cmd_snapshots.go: --group-by default
 * "host,paths"), so a backup job that snapshots several path sets shows each set's newest. A
 * snapshot holds a path when one of its paths is that path or a folder above it (restic stores
 * the named path and everything below it, `restic backup` man page).
 */
export function coverage(path: string, snapshots: ResticSnapshot[], now: number, maxAgeHours: number, subject: string): Finding[] {
  const holds = (s: ResticSnapshot) => s.paths.some((p) => path === p || path.startsWith(p.endsWith("/") ? p : `${p}/`));
  const holding = snapshots.filter(holds).sort((a, b) => b.time - a.time);
  const expected = `${path} held by a snapshot at most ${maxAgeHours} h old`;
  if (!holding.length) {
    const sets = [...new Set(snapshots.map((s) => s.paths.join(", ")))].join("; ");
    return [{ subject, expected, actual: `no snapshot holds ${path} (the newest snapshots hold: ${sets || "nothing"}): the critical path is not backed up off-site` }];
  }
  const best = holding[0]!;
  return now - best.time > maxAgeHours * 3600
    ? [{ subject, expected, actual: `the newest snapshot holding ${path} is ${best.id} (${best.paths.join(", ")}), ${ageText(now - best.time)}` }]
    : [];
}

export default invariant(
  {
    id: "DATA-013",
    title: "The off-site restic snapshot is fresh",
    must:
      "On every node that declares `backups.restic`, `restic snapshots --latest 1` (read-only: --no-lock --no-cache; filtered by `host`/`tag` when declared) MUST succeed with the declared password file and list a snapshot at most `maxAgeHours` old (default 26) by the node's clock; and each critical path the node declares in `covers` MUST be held (itself or a folder above it) by one of the newest snapshots (restic's newest per host and path set) that is at most `maxAgeHours` old.",
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
      return (decl.covers ?? []).flatMap((path) => coverage(path, s.snapshots, s.now, decl.maxAgeHours, subject));
    },
  },
);
