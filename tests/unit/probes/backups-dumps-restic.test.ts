// The Nextcloud dump probes and the restic probes on real output (fixtures/captured/backups/nextcloud-*,
// fixtures/captured/restic/), and DATA-011..014 judged on it with the lab's declarations
// (fixtures/lab/declared/backups.ts).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump } from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { backupsDeclared } from "../../../fixtures/lab/declared/backups.ts";
import { dumpRestoreProbe, RESTORE_SCRIPT, restoreOnRunner, restoreStreamCommand, scratchDbName } from "../../../helpers/probes/nextcloud-dump.ts";
import { scratchMariadb } from "../../../helpers/probes/scratch-mariadb.ts";
import { planOf, sceneOf } from "../catalog-support.ts";
import { redact } from "../../../helpers/facts/redact.ts";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import { backupSecrets } from "../../../helpers/inventory/sections/backups.ts";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import { nextcloudDump, nextcloudRestore, parseDump, parseRestore, type DumpCheck, type DumpRestore } from "../../../helpers/probes/nextcloud-dump.ts";
import { parseCheck, parseSnapshots, resticCheck, resticSnapshots, type ResticCheck, type ResticSnapshots } from "../../../helpers/probes/restic.ts";
import { ProbeParseError, type ProbeOutput } from "../../../helpers/probes/types.ts";
import { evaluate, type Verdict } from "../../../helpers/spec/evaluate.ts";
import { declared } from "../catalog-support.ts";

const nc = (f: string) => readFileSync(`fixtures/captured/backups/nextcloud-${f}`, "utf8");
const rs = (f: string) => readFileSync(`fixtures/captured/restic/${f}`, "utf8");
const out = (stdout: string, code: number | null = 0, stderr = ""): ProbeOutput => ({ stdout, stderr, code });
const DIR = "/var/backups/nextcloud";
const T = { repository: "/srv/restic", passwordFile: "/etc/restic/password", host: "lxc230", tag: "vaultwarden" };

describe("nextcloudDump (gzip 1.12, MariaDB 10.11 dumps on the nextcloud image)", () => {
  it("reads the newest dump: size, mtime, gzip -t, header past the sandbox-mode line, trailer", () => {
    const d = parseDump(DIR, out(nc("dump-ok.txt")));
    expect(d).toMatchObject({ exists: true, count: 2, gzip: { code: 0 }, newest: { name: "nextcloud-db-20261125T192816Z.sql.gz", size: 1666 } });
    expect(d.head!.text).toMatch(/^-- MariaDB dump 10\.19 {2}Distrib 10\.11\.18-MariaDB/);
    expect(d.tail!.text).toBe("-- Dump completed on 2026-11-25 19:28:16");
    // The real dump's first line is the sandbox-mode comment, not the header.
    expect(nc("mariadb-dump-head-tail.txt").split("\n")[0]).toMatch(/^\/\*M!999999\\- enable the sandbox mode \*\//);
  });
  it("a truncated dump: gzip -t fails, the last line is reported by its length only", () => {
    const d = parseDump(DIR, out(nc("dump-truncated.txt")));
    expect(d.gzip!.code).toBe(1);
    expect(d.gzip!.detail).toContain("unexpected end of file");
    expect(d.tail).toEqual({ length: 14 });
  });
  it("a stale dump reads as 3 days old", () => {
    const d = parseDump(DIR, out(nc("dump-stale.txt")));
    expect(Math.round((d.now - d.newest!.mtime) / 86400)).toBe(3);
  });
  it("tells no dump from no folder, and refuses what it cannot read", () => {
    expect(parseDump(DIR, out(nc("dump-missing-none.txt")))).toEqual({ dir: DIR, now: expect.any(Number), exists: true, count: 0 });
    expect(parseDump(DIR, out(nc("dump-missing.txt")))).toMatchObject({ exists: false });
    expect(() => parseDump(DIR, out("hello\n"))).toThrow(ProbeParseError);
    expect(() => parseDump(DIR, out("now 1\nexists\nnewest 1\t2\tx.sql.gz\n"))).toThrow(/before gzip -t/);
    expect(() => parseDump(DIR, out("", 2, "boom"))).toThrow(/exited 2/);
  });
  it("only reads, quotes its arguments, and never prints a line that is not a dump comment", () => {
    const cmd = nextcloudDump("/srv/my dumps", "nc-*.sql.gz").command;
    expect(cmd).toContain("d='/srv/my dumps'");
    expect(cmd).toContain("-name 'nc-*.sql.gz'");
    expect(cmd).not.toMatch(/\b(rm|cp|mv|touch|mktemp|mariadb|mysql)\b/);
    expect(cmd).toContain(`'-- '*) printf '%s text %s\\n'`);
  });
});

// Captured through the real path but for SSH: restoreStreamCommand run by a local sh, its stdout
// streamed into restoreOnRunner in the scratch MariaDB 10.11 (fixtures/captured/backups/README.md).
describe("nextcloudRestore: the dump streamed from the node into a throwaway MariaDB on the runner", () => {
  it("a good dump restores into a scratch database, dropped again", () => {
    const r = parseRestore(out(nc("restore-ok.txt"))) as DumpRestore & { ran: true };
    expect(r).toMatchObject({ dump: "nextcloud-db-20261206T030000Z.sql.gz", read: { ok: true, code: 0 }, create: { ok: true }, load: { ok: true, zcat: 0 }, drop: { ok: true } });
    expect(r.db).toMatch(/^hlc_restore_lxc210_\d{14}$/);
    expect(r.tables!.names).toEqual(["oc_appconfig", "oc_filecache", "oc_storages", "oc_users"]);
    expect(r.ms).toBeGreaterThan(0);
  });
  it("a syntax error: the import fails with MariaDB's ERROR line (no statement text), oc_users is missing", () => {
    const r = parseRestore(out(nc("restore-syntax-error.txt"))) as DumpRestore & { ran: true };
    expect(r.load).toMatchObject({ ok: false, code: 1, zcat: 0, detail: "ERROR 1064 (42000) at line 124: You have an error in your SQL syntax" });
    expect(r.tables!.names).toEqual(["oc_appconfig", "oc_filecache", "oc_storages"]);
    expect(r.drop!.ok).toBe(true);
  });
  it("a truncated dump: the client took what came, but zcat failed, so the import failed", () => {
    const r = parseRestore(out(nc("restore-truncated.txt"), 0, nc("restore-truncated.stderr.txt"))) as DumpRestore & { ran: true };
    expect(r.load).toMatchObject({ ok: false, code: 0, zcat: 1 });
    expect(r.tables!.names).toEqual(["oc_appconfig"]);
  });
  it("a dump that names its database is refused: the stream stops before that statement, no table imported", () => {
    const r = parseRestore(out(nc("restore-refused-databases.txt"))) as DumpRestore & { ran: true };
    expect(r.refused).toMatch(/^CREATE DATABASE/);
    expect(r.tables!.names).toEqual([]);
  });
  it("no dump on the node: nothing to restore; no engine on the runner: not run, with why", () => {
    expect(parseRestore(out(nc("restore-none.txt")))).toEqual({ ran: true });
    expect(parseRestore(out(nc("restore-no-engine.txt")))).toEqual({ ran: false, reason: expect.stringMatching(/^no container engine is reachable on the machine running the suite/) });
  });
  it("a dump the node could not read", () => {
    const r = parseRestore(out("dump x.sql.gz\nread 1 cat: /d/x.sql.gz: Permission denied\ndb d\ncreate 0 \nload 0 \nzcat 1\ntables 0 \ndrop 0 \n")) as DumpRestore & { ran: true };
    expect(r.read).toEqual({ ok: false, code: 1, detail: "cat: /d/x.sql.gz: Permission denied" });
  });
  it("refuses output it cannot read, a scratch database without its drop line, a dump without its read status", () => {
    expect(() => parseRestore(out("what\n"))).toThrow(ProbeParseError);
    expect(() => parseRestore(out("dump x.sql.gz\nread 0 \ndb hlc_restore_1_2\ncreate 0 \n"))).toThrow(/no drop line/);
    expect(() => parseRestore(out("dump x.sql.gz\nread 0 \ndb d\ncreate 0 \nload 0 \ndrop 0 \n"))).toThrow(/no zcat status/);
    expect(() => parseRestore(out("dump x.sql.gz\ndb d\ncreate 0 \nload 0 \nzcat 0\ndrop 0 \n"))).toThrow(/no read status/);
  });
  it("on the node only picks the newest dump and cats it: no client, no database, no write", () => {
    const cmd = restoreStreamCommand({ dir: DIR, pattern: "nextcloud-db-*.sql.gz" });
    expect(cmd).toContain(`exec cat -- "$d/$n"`);
    expect(cmd).not.toMatch(/\b(mariadb|mysql|rm|cp|mv|touch|mktemp|tee|DATABASE)\b|>[^&]/);
    expect(cmd.replaceAll(DIR, "").replaceAll("nextcloud-db-*.sql.gz", "")).not.toMatch(/nextcloud/);
  });
  it("on the runner: a scratch database per node, dropped in an EXIT trap, stdin drained, no copy of the dump on disk", () => {
    expect(RESTORE_SCRIPT).toMatch(/trap '[^']*DROP DATABASE IF EXISTS \\`\$db\\`[^']*' EXIT/);
    expect(RESTORE_SCRIPT).toContain("| m \"$db\"");
    expect(RESTORE_SCRIPT).toContain("cat >/dev/null");
    // The only files written are zcat's status and the refused line, in a private folder.
    expect([...RESTORE_SCRIPT.matchAll(/>"?\$t\/(\w+)/g)].map((m) => m[1])).toEqual(["z"]);
    expect(RESTORE_SCRIPT).toContain("umask 077; t=$(mktemp -d)");
    expect(scratchDbName("lxc-210.lan", new Date("2026-12-06T03:00:00Z"))).toBe("hlc_restore_lxc_210_lan_20261206030000");
  });
  it("is a runner-side probe on the shared throwaway MariaDB, the same on the lab and live", () => {
    const decl = { dir: DIR, pattern: "*.sql.gz", maxAgeHours: 26, restoreTest: true, expectTables: [], minTables: 1 };
    const p = dumpRestoreProbe(decl);
    expect(p.runner).toBe(restoreOnRunner);
    expect(p.runner!.resource).toBe(scratchMariadb);
    expect(p.slow).toBeUndefined();
  });
});

describe("resticSnapshots / resticCheck (restic 0.14.0, Debian bookworm)", () => {
  it("reads the newest snapshot with its time", () => {
    const s = parseSnapshots(out(rs("snapshots-fresh.txt")));
    expect(s).toMatchObject({ setup: { ok: true }, code: 0, snapshots: [{ id: "c94fabe0", hostname: "lxc230", paths: ["/var/backups/vaultwarden"], tags: ["vaultwarden"] }] });
    expect(s.snapshots[0]!.time).toBe(Math.floor(Date.parse("2026-11-25T19:28:31.269Z") / 1000));
  });
  it("a snapshot taken with --time 10 days ago reads as 10 days old", () => {
    const s = parseSnapshots(out(rs("snapshots-stale.txt")));
    expect(Math.round((s.now - s.snapshots[0]!.time) / 86400)).toBe(10);
  });
  it("an empty repository, a wrong password, no repository, an unreadable password file", () => {
    expect(parseSnapshots(out(rs("snapshots-empty.txt")))).toMatchObject({ code: 0, snapshots: [] });
    expect(parseSnapshots(out(rs("snapshots-wrong-password.txt"), 0, rs("snapshots-wrong-password.stderr.txt")))).toMatchObject({ code: 1, error: "Fatal: wrong password or no key found", snapshots: [] });
    expect(parseSnapshots(out(rs("snapshots-no-repository.txt"), 0, rs("snapshots-no-repository.stderr.txt"))).error).toContain("unable to open config file");
    expect(parseSnapshots(out(rs("snapshots-password-unreadable.txt")))).toMatchObject({ setup: { ok: false, why: "password file /etc/restic/password is not readable by vaultwarden" } });
  });
  it("reads the whole --json list too (newest first)", () => {
    const all = `now 1795634911\nsetup ok\n${rs("restic-snapshots-all.json")}\nrc 0\n`;
    expect(parseSnapshots(out(all)).snapshots.map((s) => s.id)).toEqual(["c94fabe0", "a9967145"]);
  });
  it("check: clean, a missing pack, restic not installed", () => {
    expect(parseCheck(out(rs("check-ok.txt")))).toEqual({ setup: { ok: true }, code: 0, clean: true, errors: [], errorCount: 0 });
    const bad = parseCheck(out(rs("check-missing-pack.txt")));
    expect(bad).toMatchObject({ code: 1, clean: false, errorCount: 2 });
    expect(bad.errors).toEqual([expect.stringMatching(/^pack [0-9a-f]{64}: does not exist$/), "Fatal: repository contains errors"]);
    expect(parseCheck(out(rs("check-not-installed.txt")))).toMatchObject({ setup: { ok: false, why: "restic is not installed" } });
  });
  it("refuses output it cannot read", () => {
    expect(() => parseSnapshots(out("now 1\nsetup ok\n[{\n"))).toThrow(/no exit status/);
    expect(() => parseSnapshots(out("now 1\nsetup ok\n{oops\nrc 0\n"))).toThrow(/not JSON/);
    expect(() => parseCheck(out("setup ok\nclean\n"))).toThrow(/no exit status/);
    expect(() => parseCheck(out("what\n"))).toThrow(ProbeParseError);
  });
  it("reads only (--no-lock --no-cache), passes the password FILE, never reads the password", () => {
    for (const cmd of [resticSnapshots(T).command, resticCheck(T).command]) {
      expect(cmd).toContain("--password-file /etc/restic/password --no-lock --no-cache");
      expect(cmd).not.toMatch(/\bcat\b|RESTIC_PASSWORD|--read-data|\b(forget|prune|backup|unlock|init)\b/);
    }
    expect(resticSnapshots(T).command).toContain("snapshots --json --latest 1 --host lxc230 --tag vaultwarden");
  });
});

const inv = parseInventory(
  dump({
    version: 1,
    defaults: { ssh: { agent: true } },
    nodes: [
      { name: "lxc210", role: "service", layer: 3, ssh: { host: "lxc210" }, backups: backupsDeclared.lxc210 },
      { name: "lxc230", role: "service", layer: 3, ssh: { host: "lxc230" }, backups: backupsDeclared.lxc230 },
      { name: "lxc200", role: "service", layer: 3, ssh: { host: "lxc200" } },
    ],
  }),
  "/lab/abc/inventory.yaml",
);
const [lxc210, lxc230] = inv.nodes as [NodeDecl, NodeDecl];

function facts(node: string, values: Record<string, unknown>): NodeFacts {
  const rec = (name: string, value: unknown) => [name, { ok: true, value, evidence: { probe: name, command: "…", stdout: "", stderr: "", code: 0 } }] as const;
  return { node, reachable: true, roundTrips: 1, gatherMs: 1, facts: Object.fromEntries(Object.entries(values).map(([k, v]) => rec(k, v))) } as NodeFacts;
}
function judge(id: string, node: NodeDecl, f: NodeFacts): Verdict {
  const d = declared.find((x) => x.meta.id === id)!;
  return evaluate(d.meta, d.def, node, f);
}
const msg = (v: Verdict) => (v.status === "passed" ? "" : v.message);
const planned = (id: string, node: NodeDecl) => declared.find((x) => x.meta.id === id)!.def.planned?.(node, sceneOf(inv));

beforeAll(async () => {
});

describe("DATA-011 / DATA-012 on lxc210's declaration", () => {
  const ok = parseDump(DIR, out(nc("dump-ok.txt")));
  const restored = parseRestore(out(nc("restore-ok.txt")));
  const f = (d: DumpCheck, r: DumpRestore) => facts("lxc210", { "nextcloud-dump": d, "nextcloud-restore": r });

  it("normalizes with the declared tables and plans both probes", () => {
    expect(lxc210.backups!.nextcloud).toMatchObject({ dir: DIR, pattern: "nextcloud-db-*.sql.gz", restoreTest: true, minTables: 4 });
    expect(planOf("lxc210", inv).map((p) => p.name)).toEqual(expect.arrayContaining(["nextcloud-dump", "nextcloud-restore"]));
  });
  it("both pass on a fresh, complete, restorable dump", () => {
    expect(judge("DATA-011", lxc210, f(ok, restored)).status).toBe("passed");
    expect(judge("DATA-012", lxc210, f(ok, restored)).status).toBe("passed");
  });
  it("DATA-011 fails a stale dump, naming its age", () => {
    const v = judge("DATA-011", lxc210, f(parseDump(DIR, out(nc("dump-stale.txt"))), restored));
    expect(msg(v)).toContain("DATA-011 [lxc210] The Nextcloud database dump is fresh and complete (§2.3)");
    expect(msg(v)).toMatch(/expected newest dump at most 26 h old; actual newest dump nextcloud-db-\S+ is 3\.0 days old/);
  });
  it("DATA-011 fails a truncated dump: gzip -t and the missing trailer", () => {
    const m = msg(judge("DATA-011", lxc210, f(parseDump(DIR, out(nc("dump-truncated.txt"))), restored)));
    expect(m).toContain("expected gzip -t passes (the archive decompresses); actual gzip -t exits 1: gzip: /var/backups/nextcloud/nextcloud-db-20261125T192816Z.sql.gz: unexpected end of file (833 bytes: cut short?)");
    expect(m).toContain("actual ends with a 14-byte line that is not a dump comment: the dump is incomplete");
  });
  it("the unrestorable dump passes DATA-011 (fresh and complete) but fails DATA-012", () => {
    const d = parseDump(DIR, out(nc("dump-unrestorable.txt")));
    expect(judge("DATA-011", lxc210, f(d, restored)).status).toBe("passed");
    const m = msg(judge("DATA-012", lxc210, f(d, parseRestore(out(nc("restore-syntax-error.txt"))))));
    expect(m).toMatch(/imports without error into scratch database hlc_restore_\S+; actual the import failed \(exit 1: ERROR 1064 \(42000\) at line 124: You have an error in your SQL syntax\)/);
    expect(m).toContain("3 table(s) restored, missing oc_users");
  });
  it("DATA-012 fails a truncated dump: zcat's exit says the archive is cut short", () => {
    const m = msg(judge("DATA-012", lxc210, f(ok, parseRestore(out(nc("restore-truncated.txt"))))));
    expect(m).toMatch(/expected imports without error into scratch database hlc_restore_lxc210_\d{14}; actual the import failed \(exit 0; zcat exited 1: the archive is cut short\)/);
    expect(m).toContain("1 table(s) restored, missing oc_filecache, oc_storages, oc_users (oc_appconfig)");
  });
  it("DATA-012 fails a refused dump", () => {
    expect(msg(judge("DATA-012", lxc210, f(ok, parseRestore(out(nc("restore-refused-databases.txt"))))))).toContain("the dump names its database (CREATE DATABASE");
  });
  it("DATA-012 fails a dump the node could not read, and no dump at all", () => {
    const unread = parseRestore(out("dump x.sql.gz\nread 1 cat: x: Permission denied\ndb d\ncreate 0 \nload 0 \nzcat 1\ntables 0 \ndrop 0 \n"));
    expect(msg(judge("DATA-012", lxc210, f(ok, unread)))).toContain("expected the dump can be read on the node and streamed to the machine running the suite; actual reading it failed (exit 1: cat: x: Permission denied)");
    expect(msg(judge("DATA-012", lxc210, f(ok, parseRestore(out(nc("restore-none.txt"))))))).toContain("expected a dump to restore; actual no file matches nextcloud-db-*.sql.gz");
  });
  it("DATA-012 with no container engine on the runner is SKIPPED (not hostable) with the reason, never passed (issue 21)", () => {
    const r = parseRestore(out(nc("restore-no-engine.txt"))) as Extract<DumpRestore, { ran: false }>;
    const v = judge("DATA-012", lxc210, f(ok, r));
    expect(v.status).toBe("skipped");
    expect(v).toMatchObject({ reason: "not-hostable" });
    expect(msg(v)).toBe(`DATA-012 [lxc210] not run: ${r.reason}`);
  });
});

describe("DATA-013 / DATA-014 on lxc230's declaration", () => {
  const fresh = parseSnapshots(out(rs("snapshots-fresh.txt")));
  const clean = parseCheck(out(rs("check-ok.txt")));
  const f = (s: ResticSnapshots, c: ResticCheck) => facts("lxc230", { "restic-snapshots": s, "restic-check": c });

  it("pass on a fresh snapshot and a clean check", () => {
    expect(judge("DATA-013", lxc230, f(fresh, clean)).status).toBe("passed");
    expect(judge("DATA-014", lxc230, f(fresh, clean)).status).toBe("passed");
  });
  it("DATA-013 fails a 10-day-old snapshot, a wrong password, an empty repository", () => {
    expect(msg(judge("DATA-013", lxc230, f(parseSnapshots(out(rs("snapshots-stale.txt"))), clean)))).toMatch(
      /restic repository \/srv\/restic \(host lxc230, tag vaultwarden\): expected a snapshot at most 26 h old; actual newest snapshot 4b8f7810 \(\/var\/backups\/vaultwarden\) taken 2026-11-15T19:28:33\.000Z is 10\.0 days old/,
    );
    expect(msg(judge("DATA-013", lxc230, f(parseSnapshots(out(rs("snapshots-wrong-password.txt"), 0, rs("snapshots-wrong-password.stderr.txt"))), clean)))).toContain("restic snapshots exited 1: Fatal: wrong password or no key found");
    expect(msg(judge("DATA-013", lxc230, f(parseSnapshots(out(rs("snapshots-empty.txt"))), clean)))).toContain("no snapshot of host lxc230, tag vaultwarden in the repository");
  });
  it("DATA-014 fails a missing pack, DATA-013 still passes on that repository", () => {
    const bad = parseCheck(out(rs("check-missing-pack.txt")));
    expect(msg(judge("DATA-014", lxc230, f(fresh, bad)))).toMatch(/expected restic check exits 0: no errors were found; actual restic check exited 1: pack [0-9a-f]{64}: does not exist \| Fatal: repository contains errors/);
    expect(judge("DATA-013", lxc230, f(parseSnapshots(out(rs("snapshots-after-missing-pack.txt"))), bad)).status).toBe("passed");
  });
  it("DATA-014 fails a check that restic had to give up on (a missing tree pack: restic retries with back-off)", () => {
    const slow = parseCheck(out(rs("check-timeout-missing-tree-pack.txt")));
    expect(slow).toMatchObject({ code: 124, clean: false, errorCount: 1 });
    expect(msg(judge("DATA-014", lxc230, f(fresh, slow)))).toMatch(/actual restic check did not finish within 20 s: restic was retrying packs it cannot load .*: pack [0-9a-f]{64}: does not exist/);
  });
  it("a node with backups but no restic target is planned (skipped with the reason); one without backups is not", () => {
    expect(planned("DATA-013", lxc210)).toBe("planned in §2.4/§7: no off-site/immutable target declared (declare backups.restic)");
    expect(planned("DATA-014", lxc210)).toBe(planned("DATA-013", lxc210));
    expect(planned("DATA-013", inv.nodes[2]!)).toBeUndefined();
  });
});

describe("the restic password is a known secret when the inventory lets the suite read it", () => {
  it("maskPassword (relative to the inventory) is read and masks the password in evidence", () => {
    const dir = mkdtempSync(join(tmpdir(), "hlc-restic-"));
    writeFileSync(join(dir, "restic.pw"), "s3cret-restic-pw\n", { mode: 0o600 });
    const i = parseInventory(
      dump({ version: 1, defaults: { ssh: { agent: true } }, nodes: [{ name: "n", role: "service", layer: 3, ssh: { host: "n" }, backups: { restic: { repository: "/srv/restic", passwordFile: "/etc/restic/password", maskPassword: { file: "restic.pw" } } } }] }),
      join(dir, "inventory.yaml"),
    );
    expect(i.nodes[0]!.backups!.restic).toMatchObject({ maxAgeHours: 26, check: true, maskPassword: { file: join(dir, "restic.pw") } });
    const secrets = backupSecrets(i);
    expect(secrets).toEqual(["s3cret-restic-pw"]);
    expect(redact("restic said s3cret-restic-pw", secrets)).toBe("restic said [redacted]");
  });
});
