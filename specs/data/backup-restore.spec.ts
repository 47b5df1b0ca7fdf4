// §6 "Validate that backups can be restored". The newest Vaultwarden backup is checked in place,
// read-only (helpers/probes/backups.ts): the database, opened read-only and immutable, passes
// SQLite's integrity check and both keys parse. Nothing is written on the node, so it runs on every
// run, live nodes included, without an opt-in.
import { restoreTest, type RestoreStep } from "../../helpers/probes/backups.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

export default invariant(
  {
    id: "DATA-008",
    title: "The newest Vaultwarden backup restores",
    must:
      "On every node that declares `backups.vaultwarden` with `restoreTest` (default true), the newest backup MUST restore, checked in place without writing anything: its db.sqlite3, opened read-only and immutable (`sqlite3 'file:<backup>/db.sqlite3?mode=ro&immutable=1' 'PRAGMA integrity_check'`), MUST print `ok`; `openssl rsa -check -noout` MUST accept rsa_key.pem and `openssl pkey -pubin -noout` MUST parse rsa_key.pub.pem. Read-only, so it runs on every run, live nodes included.",
    fix: (f, node) => `on ${node.name}: the newest backup does not restore (${f.subject}); take a fresh backup now (sqlite3 <data>/db.sqlite3 ".backup '<dir>/<UTC time>/db.sqlite3'" and copy both rsa_key files), then check it: sqlite3 <copy>/db.sqlite3 'PRAGMA integrity_check'`,
    section: "§6",
    family: "data",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.backups?.vaultwarden?.restoreTest === true,
    reads: (node) => ({ restore: restoreTest(node.backups!.vaultwarden!.dir) }),
    check(ctx) {
      const decl = ctx.node.backups!.vaultwarden!;
      const r = ctx.facts.restore;
      if (!r.backup) return [{ subject: `Vaultwarden backups in ${decl.dir}`, expected: "a backup to restore", actual: "no timestamped backup folder" }];
      const where = `Vaultwarden backup ${decl.dir}/${r.backup}`;
      const findings: Finding[] = [];
      const failed = (s: RestoreStep | undefined) => !s || !s.ok;
      const why = (s: RestoreStep | undefined) => (!s ? "not run" : `exit ${s.code}${s.detail ? `: ${s.detail}` : ""}`);
      if (failed(r.files)) return [{ subject: where, expected: "db.sqlite3, rsa_key.pem and rsa_key.pub.pem, readable", actual: `${why(r.files)}` }];
      if (failed(r.integrity)) findings.push({ subject: `${where}/db.sqlite3`, expected: "PRAGMA integrity_check prints ok", actual: `fails its integrity check (${why(r.integrity)})` });
      if (failed(r.key)) findings.push({ subject: `${where}/rsa_key.pem`, expected: "an RSA private key `openssl rsa -check` accepts", actual: `does not parse (${why(r.key)})` });
      if (failed(r.pubkey)) findings.push({ subject: `${where}/rsa_key.pub.pem`, expected: "a public key openssl can parse", actual: `does not parse (${why(r.pubkey)})` });
      return findings;
    },
  },
);
