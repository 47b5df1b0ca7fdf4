// The backup probes on real output of the vaultwarden image (fixtures/captured/backups), and
// DATA-007 / DATA-008 judged on it with the lab's declaration (fixtures/lab/declared/backups.ts).
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { backupsDeclared } from "../../../fixtures/lab/declared/backups.ts";
import { planOf } from "../catalog-support.ts";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import { backupListing, parseListing, parseRestore, restoreTest, sqliteUri, stampTime, type BackupListing, type RestoreTest } from "../../../helpers/probes/backups.ts";
import { ProbeParseError, type ProbeOutput } from "../../../helpers/probes/types.ts";
import { evaluate, type Verdict } from "../../../helpers/spec/evaluate.ts";
import { declared } from "../catalog-support.ts";

const read = (f: string) => readFileSync(`fixtures/captured/backups/${f}`, "utf8");
const out = (stdout: string, code: number | null = 0, stderr = ""): ProbeOutput => ({ stdout, stderr, code });
const DIR = "/var/backups/vaultwarden";

describe("backupListing (find -printf on the vaultwarden image)", () => {
  it("lists timestamped backups with their files, oldest first, leaving .partial-* out", () => {
    const l = parseListing(DIR, out(read("list-two-backups.txt")));
    expect(l.exists).toBe(true);
    expect(l.backups.map((b) => b.name)).toHaveLength(2);
    const newest = l.backups.at(-1)!;
    expect(newest.files.map((f) => f.name)).toEqual(["db.sqlite3", "rsa_key.pem", "rsa_key.pub.pem"]);
    expect(newest.files.find((f) => f.name === "db.sqlite3")!.size).toBe(65536);
    expect(newest.time).toBe(stampTime(newest.name));
    expect(l.now).toBeGreaterThanOrEqual(newest.time!);
  });
  it("tells an empty folder from a missing one", () => {
    expect(parseListing(DIR, out(read("list-empty.txt")))).toMatchObject({ exists: true, backups: [] });
    expect(parseListing(DIR, out(read("list-missing.txt")))).toMatchObject({ exists: false, backups: [] });
  });
  it("refuses output it cannot read", () => {
    expect(() => parseListing(DIR, out("hello\n"))).toThrow(ProbeParseError);
    expect(() => parseListing(DIR, out("now 1\nexists\nx\td\n"))).toThrow(ProbeParseError);
    expect(() => parseListing(DIR, out("", 1, "find: boom"))).toThrow(/exited 1/);
  });
  it("quotes the folder and only reads", () => {
    expect(backupListing("/srv/my backups").command).toContain("d='/srv/my backups'");
    expect(backupListing(DIR).command).not.toMatch(/\b(rm|cp|mv|touch|mktemp)\b/);
  });
  it("reads UTC timestamps", () => {
    expect(stampTime("20261125T030000Z")).toBe(Date.UTC(2026, 10, 25, 3) / 1000);
    expect(stampTime(".partial-x")).toBeUndefined();
  });
});

describe("restoreTest: in place, read-only (sqlite3 3.40 + OpenSSL 3.0, Debian 12)", () => {
  it("a good backup restores", () => {
    expect(parseRestore(out(read("restore-ok.txt")))).toMatchObject({ files: { ok: true }, integrity: { ok: true, detail: "ok" }, key: { ok: true, detail: "RSA key ok" }, pubkey: { ok: true } });
  });
  it("a corrupt database fails the integrity check with sqlite's message", () => {
    const r = parseRestore(out(read("restore-corrupt-db.txt")));
    expect(r.integrity).toMatchObject({ ok: false, code: 11 });
    expect(r.integrity!.detail).toContain("btreeInitPage() returns error code 11");
    expect(r.key!.ok).toBe(true);
  });
  it("a key that does not parse fails, and no key material is printed", () => {
    const text = read("restore-bad-key.txt");
    expect(parseRestore(out(text))).toMatchObject({ key: { ok: false, code: 1 }, integrity: { ok: true } });
    expect(read("restore-ok.txt") + text).not.toMatch(/BEGIN|PRIVATE KEY|MII/);
  });
  it("a missing file, and no backup", () => {
    expect(parseRestore(out(read("restore-missing-file.txt")))).toMatchObject({ files: { ok: false, detail: "missing or unreadable: rsa_key.pub.pem" }, pubkey: { ok: false } });
    expect(parseRestore(out(read("restore-no-backup.txt")))).toEqual({});
  });
  it("refuses a test that stopped early", () => {
    expect(() => parseRestore(out("backup 20261125T030000Z\nfiles 0 \n"))).toThrow(/stopped before/);
    expect(() => parseRestore(out("what\n"))).toThrow(ProbeParseError);
  });
  it("opens the database read-only and immutable, copies, creates and removes nothing (issue 21)", () => {
    const cmd = restoreTest(DIR).command;
    expect(cmd).toContain(`u=file:/var/backups/vaultwarden`);
    expect(cmd).toContain(`sqlite3 "$u/$newest/db.sqlite3?mode=ro&immutable=1" 'PRAGMA integrity_check;'`);
    expect(cmd).toContain(`openssl rsa -check -noout -in "$b/rsa_key.pem"`);
    expect(cmd).toContain(`openssl pkey -pubin -in "$b/rsa_key.pub.pem" -noout`);
    expect(cmd).not.toMatch(/\b(cp|mv|rm|mktemp|touch|tee|dd|install)\b|>\s*"?\$|\.backup|VACUUM/);
    expect(restoreTest("/srv/my backups").command).toContain("d='/srv/my backups'; u='file:/srv/my backups'");
  });
  it("escapes what an SQLite URI path cannot carry as is", () => {
    expect(sqliteUri("/srv/a%b?c#d/")).toBe("file:/srv/a%25b%3fc%23d/");
  });
  it("is planned on every run, live nodes included, without an opt-in", () => {
    expect(planOf("lxc230", { file: "", version: 1, nodes: [lxc230] }, false).find((p) => p.name === "vaultwarden-restore")!.command).toBe(restoreTest(DIR).command);
  });
});

const lxc230: NodeDecl = parseInventory(
  dump({ version: 1, defaults: { ssh: { agent: true } }, nodes: [{ name: "lxc230", role: "service", layer: 3, ssh: { host: "lxc230" }, backups: backupsDeclared.lxc230 }] }),
  "/lab/abc/inventory.yaml",
).nodes[0]!;

function facts(listing: BackupListing, restore: RestoreTest): NodeFacts {
  const rec = (name: string, value: unknown) => [name, { ok: true, value, evidence: { probe: name, command: "…", stdout: "", stderr: "", code: 0 } }] as const;
  return { node: "lxc230", reachable: true, roundTrips: 1, gatherMs: 1, facts: Object.fromEntries([rec("vaultwarden-backups", listing), rec("vaultwarden-restore", restore)]) } as NodeFacts;
}
function judge(id: string, f: NodeFacts): Verdict {
  const d = declared.find((x) => x.meta.id === id)!;
  return evaluate(d.meta, d.def, lxc230, f);
}
const msg = (v: Verdict) => (v.status === "passed" ? "" : v.message);

beforeAll(async () => {
});

describe("DATA-007 / DATA-008 on the lab's declaration", () => {
  const fresh = parseListing(DIR, out(read("list-two-backups.txt")));
  const ok = parseRestore(out(read("restore-ok.txt")));

  it("the section normalizes with defaults and plans both probes", () => {
    expect(lxc230.backups!.vaultwarden).toEqual({ dir: DIR, maxAgeHours: 26, restoreTest: true, schedule: { timer: "vaultwarden-backup.timer" }, owner: "vaultwarden" });
    // lxc230 also declares its restic target (tests/unit/probes/backups-dumps-restic.test.ts).
    expect(planOf("lxc230", { file: "", version: 1, nodes: [lxc230] }).map((p) => p.name)).toEqual(expect.arrayContaining(["vaultwarden-backups", "vaultwarden-restore", "restic-snapshots", "restic-check", "freshness-timers"]));
  });
  it("both pass on a fresh, good backup", () => {
    expect(judge("DATA-007", facts(fresh, ok)).status).toBe("passed");
    expect(judge("DATA-008", facts(fresh, ok)).status).toBe("passed");
  });
  it("DATA-007 fails a backup 10 days old, naming its age", () => {
    const stale = { ...fresh, now: fresh.now + 10 * 86400 };
    const v = judge("DATA-007", facts(stale, ok));
    expect(msg(v)).toContain("DATA-007 [lxc230] The Vaultwarden backup is fresh (§2.3)");
    expect(msg(v)).toMatch(/expected newest backup at most 26 h old; actual newest backup \d{8}T\d{6}Z is 10\.0 days old/);
  });
  it("DATA-007 fails a missing folder, no backup, and a missing key", () => {
    expect(msg(judge("DATA-007", facts(parseListing(DIR, out(read("list-missing.txt"))), ok)))).toContain("/var/backups/vaultwarden does not exist");
    expect(msg(judge("DATA-007", facts(parseListing(DIR, out(read("list-empty.txt"))), ok)))).toContain("no timestamped backup folder");
    const noKey = structuredClone(fresh);
    noKey.backups.at(-1)!.files = noKey.backups.at(-1)!.files.filter((f) => f.name !== "rsa_key.pem");
    expect(msg(judge("DATA-007", facts(noKey, ok)))).toContain("rsa_key.pem missing");
  });
  it("DATA-008 fails a corrupt database, a broken key and a missing file", () => {
    const v = judge("DATA-008", facts(fresh, parseRestore(out(read("restore-corrupt-db.txt")))));
    expect(msg(v)).toMatch(/db\.sqlite3: expected PRAGMA integrity_check prints ok; actual fails its integrity check \(exit 11: .*btreeInitPage/);
    expect(msg(judge("DATA-008", facts(fresh, parseRestore(out(read("restore-bad-key.txt"))))))).toContain("rsa_key.pem: expected an RSA private key `openssl rsa -check` accepts; actual does not parse (exit 1");
    expect(msg(judge("DATA-008", facts(fresh, parseRestore(out(read("restore-missing-file.txt"))))))).toContain("expected db.sqlite3, rsa_key.pem and rsa_key.pub.pem, readable; actual exit 1: missing or unreadable: rsa_key.pub.pem");
  });
  it("DATA-008 never passes on a restore test it has no answer of (issue 21)", () => {
    const d = declared.find((x) => x.meta.id === "DATA-008")!;
    const f = facts(fresh, parseRestore(out(read("restore-ok.txt"))));
    delete f.facts["vaultwarden-restore"];
    expect(evaluate(d.meta, d.def, lxc230, f).status).toBe("failed");
  });
});
