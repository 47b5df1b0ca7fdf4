// §6 "Validate that backups can be restored". The newest Vaultwarden backup is copied to a scratch
// folder on the node and checked there: the database passes SQLite's integrity check and both
// keys parse. The copy is removed again; the live data and the backup are never written.
import { type RestoreStep } from "../../helpers/probes/backups.ts";
import { restoreProbe } from "../../helpers/probes/backups.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

export default invariant(
  {
    id: "DATA-008",
    title: "The newest Vaultwarden backup restores",
    must:
      "On every node that declares `backups.vaultwarden` with `restoreTest` (default true), a scratch copy of the newest backup MUST restore: `sqlite3 <copy>/db.sqlite3 'PRAGMA integrity_check'` MUST print `ok`, and `openssl pkey` MUST parse rsa_key.pem and rsa_key.pub.pem. The copy is a write (a scratch folder, removed again): it runs on the lab, and on live nodes only with HLC_ALLOW_WRITE_PROBES=1; without it the test is not run, nothing is judged, and the evidence says so.",
    fix: (f, node) => `on ${node.name}: the newest backup does not restore (${f.subject}); take a fresh backup now (sqlite3 <data>/db.sqlite3 ".backup '<dir>/<UTC time>/db.sqlite3'" and copy both rsa_key files), then check it: sqlite3 <copy>/db.sqlite3 'PRAGMA integrity_check'`,
    section: "§6",
    family: "data",
    severity: "critical",
    mutates: true,
  },
  {
    appliesTo: (node) => node.backups?.vaultwarden?.restoreTest === true,
    reads: (node, { options }) => ({ restore: restoreProbe(node.backups!.vaultwarden!.dir, options.writes) }),
    check(ctx) {
      const decl = ctx.node.backups!.vaultwarden!;
      const r = ctx.facts.restore;
      // Not opted in: nothing was tested, so nothing is claimed; the evidence carries the reason.
      if (!r.ran) return [];
      if (!r.backup) return [{ subject: `Vaultwarden backups in ${decl.dir}`, expected: "a backup to restore", actual: "no timestamped backup folder" }];
      const where = `Vaultwarden backup ${decl.dir}/${r.backup}`;
      const findings: Finding[] = [];
      const failed = (s: RestoreStep | undefined) => !s || !s.ok;
      const why = (s: RestoreStep | undefined) => (!s ? "not run" : `exit ${s.code}${s.detail ? `: ${s.detail}` : ""}`);
      if (failed(r.copy)) findings.push({ subject: where, expected: "db.sqlite3, rsa_key.pem, rsa_key.pub.pem copy to a scratch folder", actual: `copy failed (${why(r.copy)})` });
      if (failed(r.integrity)) findings.push({ subject: `${where}/db.sqlite3`, expected: "PRAGMA integrity_check prints ok", actual: `the copy fails its integrity check (${why(r.integrity)})` });
      if (failed(r.key)) findings.push({ subject: `${where}/rsa_key.pem`, expected: "a private key openssl can parse", actual: `does not parse (${why(r.key)})` });
      if (failed(r.pubkey)) findings.push({ subject: `${where}/rsa_key.pub.pem`, expected: "a public key openssl can parse", actual: `does not parse (${why(r.pubkey)})` });
      return findings;
    },
  },
);
