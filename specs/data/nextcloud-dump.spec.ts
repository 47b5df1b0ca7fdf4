// §2.3 "Nextcloud: automated DB dumps + integrity verification", §6. Judged on the dump folder
// itself: the newest dump (by mtime) against the node's clock, `gzip -t`, and the dump's first
// comment line and last line (header and `-- Dump completed` trailer). Read-only.
import { DUMP_HEADER, DUMP_TRAILER, type DumpLine } from "../../helpers/probes/nextcloud-dump.ts";
import { nextcloudDump } from "../../helpers/probes/nextcloud-dump.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";
import { ageText } from "../../helpers/spec/backup-text.ts";

const lineText = (l: DumpLine | undefined) => (!l ? "nothing (empty stream)" : l.text !== undefined ? JSON.stringify(l.text) : `a ${l.length}-byte line that is not a dump comment`);

export default invariant(
  {
    id: "DATA-011",
    title: "The Nextcloud database dump is fresh and complete",
    must:
      "On every node that declares `backups.nextcloud`, the newest file matching `pattern` in `dir` MUST be at most `maxAgeHours` old (default 26) by its mtime and the node's clock, MUST pass `gzip -t`, and its decompressed stream MUST start with a mysqldump/mariadb-dump header (`-- MariaDB dump …` / `-- MySQL dump …` within the first 5 lines) and end with the `-- Dump completed on …` trailer.",
    fix: (f, node) => `on ${node.name}: run the Nextcloud dump job now (mysqldump --single-transaction nextcloud | gzip > <dir>/<name>.sql.gz) and check its timer; the dump must pass gzip -t and end with "-- Dump completed" (wanted: ${f.expected})`,
    section: "§2.3",
    family: "data",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.backups?.nextcloud !== undefined,
    reads: (node) => ({ dump: nextcloudDump(node.backups!.nextcloud!.dir, node.backups!.nextcloud!.pattern) }),
    check(ctx) {
      const decl = ctx.node.backups!.nextcloud!;
      const d = ctx.facts.dump;
      const subject = `Nextcloud database dumps ${decl.dir}/${decl.pattern}`;
      if (!d.exists) return [{ subject, expected: `a dump at most ${decl.maxAgeHours} h old`, actual: `${decl.dir} does not exist` }];
      const n = d.newest;
      if (!n) return [{ subject, expected: `a dump at most ${decl.maxAgeHours} h old`, actual: `no file matches ${decl.pattern}` }];
      const where = `Nextcloud dump ${decl.dir}/${n.name}`;
      const findings: Finding[] = [];
      const age = d.now - n.mtime;
      if (age > decl.maxAgeHours * 3600) {
        findings.push({ subject, expected: `newest dump at most ${decl.maxAgeHours} h old`, actual: `newest dump ${n.name} is ${ageText(age)} (is the dump timer enabled and running?)` });
      }
      if (!d.gzip || d.gzip.code !== 0) {
        findings.push({ subject: where, expected: "gzip -t passes (the archive decompresses)", actual: `gzip -t exits ${d.gzip?.code ?? "?"}${d.gzip?.detail ? `: ${d.gzip.detail.replace(/^\|+|\|+$/g, "")}` : ""} (${n.size} bytes: cut short?)` });
      }
      if (!d.head?.text || !DUMP_HEADER.test(d.head.text)) {
        findings.push({ subject: where, expected: "starts with a dump header (-- MariaDB dump … / -- MySQL dump …)", actual: `starts with ${lineText(d.head)}` });
      }
      if (!d.tail?.text || !DUMP_TRAILER.test(d.tail.text)) {
        findings.push({ subject: where, expected: "ends with the trailer -- Dump completed on …", actual: `ends with ${lineText(d.tail)}: the dump is incomplete` });
      }
      return findings;
    },
  },
);
