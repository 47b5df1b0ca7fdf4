// §6 "Validate that backups can be restored" for Nextcloud's database (§2.3). The newest dump is
// imported into a throwaway database on the node's own MariaDB, its tables are listed, and the
// throwaway database is dropped again (always). The live database is never touched: a dump that
// names its database (USE / CREATE DATABASE) is refused before anything is imported.
import { type SqlStep } from "../../helpers/probes/nextcloud-dump.ts";
import { dumpRestoreProbe } from "../../helpers/probes/nextcloud-dump.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

export default invariant(
  {
    id: "DATA-012",
    title: "The newest Nextcloud dump restores into a throwaway database",
    must:
      "On every node that declares `backups.nextcloud` with `restoreTest` (default true), the newest dump MUST import without error into a uniquely named scratch database (hlc_restore_<time>_<pid>) on the node's MariaDB, which MUST then hold every table of `expectTables` (default oc_users) and at least `minTables` tables, and the scratch database MUST be dropped again. This writes to MariaDB: it runs on the lab, and on live nodes only with HLC_ALLOW_WRITE_PROBES=1; without it the test is not run, nothing is judged, and the evidence says so.",
    fix: (f, node) => `on ${node.name}: the newest Nextcloud dump does not restore (${f.actual}); take a fresh dump now (mysqldump --single-transaction nextcloud | gzip > <dir>/<name>.sql.gz) and find why the last one is incomplete (disk full, job killed)`,
    section: "§6",
    family: "data",
    severity: "critical",
    mutates: true,
  },
  {
    appliesTo: (node) => node.backups?.nextcloud?.restoreTest === true,
    reads: (node, { options }) => ({ restore: dumpRestoreProbe(node.backups!.nextcloud!, options.writes) }),
    check(ctx) {
      const decl = ctx.node.backups!.nextcloud!;
      const r = ctx.facts.restore;
      // Not opted in: nothing was tested, so nothing is claimed; the evidence carries the reason.
      if (!r.ran) return [];
      if (!r.dump) return [{ subject: `Nextcloud database dumps ${decl.dir}/${decl.pattern}`, expected: "a dump to restore", actual: `no file matches ${decl.pattern}` }];
      const where = `Nextcloud dump ${decl.dir}/${r.dump}`;
      if (r.refused) {
        return [{ subject: where, expected: "a dump of one database's contents (no USE / CREATE DATABASE), restorable into a scratch database", actual: `the dump names its database (${r.refused.trim()}…): restoring it would write the live database, so it was not restore-tested` }];
      }
      const why = (s: SqlStep | undefined) => (!s ? "not run" : `exit ${s.code}${s.detail ? `: ${s.detail}` : ""}`);
      const findings: Finding[] = [];
      if (!r.create?.ok) return [{ subject: `MariaDB on ${ctx.node.name}`, expected: `a scratch database ${r.db ?? ""} can be created for the restore test`, actual: `CREATE DATABASE failed (${why(r.create)})` }];
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
      if (!r.drop?.ok) findings.push({ subject: `MariaDB on ${ctx.node.name}`, expected: `scratch database ${r.db} dropped after the test`, actual: `DROP DATABASE failed (${why(r.drop)}): drop ${r.db} by hand` });
      return findings;
    },
  },
);
