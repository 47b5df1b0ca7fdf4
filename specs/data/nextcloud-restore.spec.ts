// §6 "Validate that backups can be restored" for Nextcloud's database (§2.3). The newest dump is
// streamed, read-only, from its node over the node's SSH connection to the machine running the
// suite and imported there into a throwaway MariaDB (a container removed at the end of the run),
// its tables are listed. Nothing is written on the node, so it runs on every run, live nodes
// included. A dump that names its database (USE / CREATE DATABASE) is refused. No container
// engine on the runner: SKIPPED with the reason, never passed.
import { dumpRestoreProbe, type SqlStep } from "../../helpers/probes/nextcloud-dump.ts";
import { NotRun } from "../../helpers/spec/evaluate.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

export default invariant(
  {
    id: "DATA-012",
    title: "The newest Nextcloud dump restores into a throwaway database",
    must:
      "On every node that declares `backups.nextcloud` with `restoreTest` (default true), the newest dump MUST import without error (zcat and the client both exit 0, no statement naming a database) into a scratch database of a throwaway MariaDB on the machine running the suite, which MUST then hold every table of `expectTables` (default oc_users) and at least `minTables` tables. The dump is streamed read-only from the node (`cat` of the newest file, over its SSH connection) and kept nowhere but in that container, which is removed at the end of the run. Nothing is written on the node, so it runs on every run, live nodes included; where the machine running the suite has no container engine, the result is skipped with that reason, never passed.",
    fix: (f, node) => `on ${node.name}: the newest Nextcloud dump does not restore (${f.actual}); take a fresh dump now (mysqldump --single-transaction nextcloud | gzip > <dir>/<name>.sql.gz) and find why the last one is incomplete (disk full, job killed)`,
    section: "§6",
    family: "data",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.backups?.nextcloud?.restoreTest === true,
    reads: (node) => ({ restore: dumpRestoreProbe(node.backups!.nextcloud!) }),
    check(ctx) {
      const decl = ctx.node.backups!.nextcloud!;
      const r = ctx.facts.restore;
      // No throwaway MariaDB on the runner: nothing was tested, so SKIPPED with the reason, never passed.
      if (!r.ran) throw new NotRun(r.reason, "not-hostable");
      if (!r.dump) return [{ subject: `Nextcloud database dumps ${decl.dir}/${decl.pattern}`, expected: "a dump to restore", actual: `no file matches ${decl.pattern}` }];
      const where = `Nextcloud dump ${decl.dir}/${r.dump}`;
      if (r.read && !r.read.ok) {
        return [{ subject: where, expected: "the dump can be read on the node and streamed to the machine running the suite", actual: `reading it failed (exit ${r.read.code ?? "killed"}${r.read.detail ? `: ${r.read.detail}` : ""})` }];
      }
      if (r.refused) {
        return [{ subject: where, expected: "a dump of one database's contents (no USE / CREATE DATABASE), restorable into a scratch database", actual: `the dump names its database (${r.refused.trim()}…): restored as it is, it would write that database (the live one on its own server), not a scratch one, so it was not restore-tested` }];
      }
      const why = (s: SqlStep | undefined) => (!s ? "not run" : `exit ${s.code}${s.detail ? `: ${s.detail}` : ""}`);
      const findings: Finding[] = [];
      const scratch = "the throwaway MariaDB on the machine running the suite";
      if (!r.create?.ok) return [{ subject: scratch, expected: `a scratch database ${r.db ?? ""} can be created for the restore test`, actual: `CREATE DATABASE failed (${why(r.create)})` }];
      if (!r.load?.ok) {
        const zcat = r.load && r.load.zcat !== 0 ? `; zcat exited ${r.load.zcat}: the archive is cut short` : "";
        findings.push({ subject: where, expected: `imports without error into scratch database ${r.db}`, actual: `the import failed (${why(r.load)}${zcat})` });
      }
      const names = r.tables?.names ?? [];
      const missing = decl.expectTables.filter((t) => !names.includes(t));
      if (!r.tables?.ok) findings.push({ subject: where, expected: "the restored tables can be listed", actual: `listing failed (${why(r.tables)})` });
      else if (missing.length || names.length < decl.minTables) {
        findings.push({
          subject: where,
          expected: `restored tables include ${decl.expectTables.join(", ")} (at least ${decl.minTables} tables)`,
          actual: `${names.length} table(s) restored${missing.length ? `, missing ${missing.join(", ")}` : ""}${names.length ? ` (${names.slice(0, 8).join(", ")}${names.length > 8 ? ", …" : ""})` : ""}`,
        });
      }
      // The container goes with the run whatever happens; a failed DROP still says the server misbehaved.
      if (!r.drop?.ok) findings.push({ subject: scratch, expected: `scratch database ${r.db} dropped after the test`, actual: `DROP DATABASE failed (${why(r.drop)})` });
      return findings;
    },
  },
);
