// DATA-024 (issue 21, "a file is judged as its reader opens it") on real output of the
// backup-access probe, captured on the lab's lxc230 and lxc210 (fixtures/captured/backups/
// capture-access.ts, README.md there): conformant, after each drift, as a user who may not read the
// backups, and the sticky /tmp and a dangling link.
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { describe, expect, it } from "vitest";
import { backupsDeclared } from "../../../fixtures/lab/declared/backups.ts";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import { backupAccess, parseBackupAccess, type BackupAccess } from "../../../helpers/probes/backup-access.ts";
import { judgeSecretFile, parseFileAccess } from "../../../helpers/probes/file-access.ts";
import { ProbeParseError, type ProbeOutput } from "../../../helpers/probes/types.ts";
import { evaluate, type Verdict } from "../../../helpers/spec/evaluate.ts";
import { declared, planOf } from "../catalog-support.ts";

const cap = (f: string) => readFileSync(`fixtures/captured/backups/access-${f}.txt`, "utf8");
const out = (stdout: string, code: number | null = 0, stderr = ""): ProbeOutput => ({ stdout, stderr, code });
const read = (f: string) => parseBackupAccess(out(cap(f)));

const restic = (passwordFile: string) => ({ ...(backupsDeclared.lxc230 as { restic: Record<string, unknown> }).restic, passwordFile });
const inv = parseInventory(
  dump({
    version: 1,
    defaults: { ssh: { agent: true } },
    nodes: [
      { name: "lxc210", role: "service", layer: 3, ssh: { host: "lxc210" }, backups: backupsDeclared.lxc210 },
      { name: "lxc230", role: "service", layer: 3, ssh: { host: "lxc230" }, backups: backupsDeclared.lxc230 },
      // The same backups declared without the job's user: root only.
      { name: "vw-root-only", role: "service", layer: 3, ssh: { host: "x" }, backups: { vaultwarden: { dir: "/var/backups/vaultwarden" } } },
      { name: "tmp-pw", role: "service", layer: 3, ssh: { host: "x" }, backups: { restic: restic("/tmp/restic-pw") } },
      { name: "dangling-pw", role: "service", layer: 3, ssh: { host: "x" }, backups: { restic: restic("/etc/restic/dangling") } },
      { name: "lxc200", role: "service", layer: 3, ssh: { host: "lxc200" } },
    ],
  }),
  "/lab/abc/inventory.yaml",
);
const node = (name: string) => inv.nodes.find((n) => n.name === name) as NodeDecl;

function facts(name: string, value: BackupAccess | undefined, error?: string): NodeFacts {
  const evidence = { probe: "backup-access", command: "…", stdout: "", stderr: "", code: 0 };
  const rec = value ? { ok: true, value, evidence } : { ok: false, error: error ?? "unreadable", evidence };
  return { node: name, reachable: true, roundTrips: 1, gatherMs: 1, facts: { "backup-access": rec } } as unknown as NodeFacts;
}
function judge(name: string, a: BackupAccess | undefined, error?: string): Verdict {
  const d = declared.find((x) => x.meta.id === "DATA-024")!;
  return evaluate(d.meta, d.def, node(name), facts(name, a, error));
}
const msg = (v: Verdict) => (v.status === "passed" ? "" : v.message);

describe("backup-access probe (coreutils 9.1 stat/readlink, findutils 4.9 find on the lab's Debian 12)", () => {
  it("reads every declared secret and every backup file on conformant lxc230, through the snippet of file-access.ts", () => {
    const a = read("lxc230-conformant");
    expect(a.entries["/etc/restic/password"]).toMatchObject({ of: "restic-password", exists: true, owner: "root", mode: "600", kind: "regular file" });
    expect(a.entries["/etc/restic/password"]!.dirs!.map((d) => d.path)).toEqual(["/etc/restic", "/etc", "/"]);
    expect(a.entries["/var/backups/vaultwarden"]).toMatchObject({ of: "vaultwarden", owner: "vaultwarden", mode: "700", kind: "directory" });
    const files = Object.keys(a.entries).filter((p) => p.startsWith("/var/backups/vaultwarden/"));
    expect(files.some((p) => /\/\d{8}T\d{6}Z\/db\.sqlite3$/.test(p))).toBe(true);
    expect(files.some((p) => /\/\d{8}T\d{6}Z\/rsa_key\.pem$/.test(p))).toBe(true);
    // The public key is public: never judged.
    expect(files.some((p) => p.endsWith("rsa_key.pub.pem"))).toBe(false);
    expect(a.listings.every((l) => l.ok)).toBe(true);
    expect(a.listings[0]).toEqual({ of: "vaultwarden", dir: "/var/backups/vaultwarden", ok: true });
  });
  it("reads the dump folder and every dump on conformant lxc210", () => {
    const a = read("lxc210-conformant");
    expect(a.entries["/var/backups/nextcloud"]).toMatchObject({ of: "nextcloud", owner: "root", mode: "700", kind: "directory" });
    const dumps = Object.values(a.entries).filter((e) => /nextcloud-db-\d{8}T\d{6}Z\.sql\.gz$/.test(e.path));
    expect(dumps.length).toBeGreaterThan(0);
    for (const d of dumps) expect(d).toMatchObject({ owner: "root", mode: "600" });
  });
  it("follows the drifted link to the file restic really opens", () => {
    const e = read("lxc230-restic-password-symlink").entries["/etc/restic/password"]!;
    expect(e).toMatchObject({ real: "/etc/restic.password", owner: "root", mode: "644", kind: "regular file" });
    expect(e.dirs!.map((d) => d.path)).toEqual(["/etc", "/"]);
  });
  it("says the folders it could not list, never an empty folder (run as nobody)", () => {
    const a = read("lxc230-as-nobody");
    // /etc/restic is root 0700: the file is not "missing", it cannot be looked at.
    expect(a.entries["/etc/restic/password"]).toMatchObject({ exists: false, error: "cannot be looked at by the probe's user: stat: cannot statx '/etc/restic/password': Permission denied" });
    expect(a.listings).toEqual([{ of: "vaultwarden", dir: "/var/backups/vaultwarden", ok: false, why: expect.stringMatching(/Permission denied/) }]);
  });
  it("refuses output it cannot read: truncated, before the first block, an exit code", () => {
    const full = cap("lxc230-conformant");
    expect(() => parseBackupAccess(out(full.slice(0, full.indexOf("@@hlc-access end"))))).toThrow(/truncated/);
    expect(() => parseBackupAccess(out("hello\n" + full))).toThrow(ProbeParseError);
    expect(() => parseBackupAccess(out(full, 2, "boom"))).toThrow(/exited 2/);
    expect(() => parseBackupAccess(out("@@hlc-access other /x\n@@hlc-access end\n"))).toThrow(/unknown group/);
    // A block whose lines are not the snippet's is kept, with its error (judged as not read).
    expect(parseBackupAccess(out("@@hlc-access restic-password /etc/restic/password\ngarbage\n@@hlc-access end\n")).entries["/etc/restic/password"]!.error).toMatch(/no stat line/);
  });
  it("only reads (stat, readlink, find), quotes what the inventory says, and never prints a file's content", () => {
    const cmd = backupAccess({ restic: { repository: "/r", passwordFile: "/etc/my pw'x", maxAgeHours: 1, check: true }, nextcloud: { dir: "/srv/d", pattern: "*.sql.gz", maxAgeHours: 1, restoreTest: true, expectTables: [], minTables: 1, defaultsFile: "/root/.nc-db.cnf" } }).command;
    expect(cmd).toContain(`p='/etc/my pw'\\''x'`);
    expect(cmd).toContain(`p=/root/.nc-db.cnf; echo "@@hlc-access mariadb-defaults $p"`);
    expect(cmd).toContain(`-name '*.sql.gz'`);
    expect(cmd.replace(/@@hlc-access [a-z-]+/g, "")).not.toMatch(/\b(rm|cp|mv|touch|chmod|chown|cat|sed|head -c|mariadb|mysql|restic)\b/);
    expect(planOf("lxc230", inv).map((p) => p.name)).toContain("backup-access");
    expect(planOf("lxc200", inv).map((p) => p.name)).not.toContain("backup-access");
  });
});

describe("DATA-024 on the lab's declarations", () => {
  it("passes the conformant lxc230 (backups owned by the job's user vaultwarden) and lxc210", () => {
    expect(msg(judge("lxc230", read("lxc230-conformant")))).toBe("");
    expect(msg(judge("lxc210", read("lxc210-conformant")))).toBe("");
  });
  it("fails the restic password behind a symlink: the file really read is 0644, the link's bits are not judged", () => {
    const v = judge("lxc230", read("lxc230-restic-password-symlink"));
    expect(v.status).toBe("failed");
    expect(msg(v)).toContain("DATA-024 [lxc230] Backups and their secrets are readable by root only, as their reader opens them");
    expect(msg(v)).toContain("restic password file /etc/restic/password mode: expected 0600 (no group/other bits); actual 0644 (the file read through the symlink: /etc/restic.password)");
    expect(v.status === "failed" && v.findings.map((f) => f.subject)).toEqual(["restic password file /etc/restic/password mode"]);
    expect(v.status === "failed" && v.findings[0]!.fix).toBe("on lxc230: chmod 600 /etc/restic/password (chmod follows a symlink to the file really read)");
  });
  it("fails 0600 dumps in a world-writable folder: the folder, and each dump through it", () => {
    const v = judge("lxc210", read("lxc210-nextcloud-dumps-world-writable"));
    expect(v.status).toBe("failed");
    const subjects = v.status === "failed" ? v.findings.map((f) => f.subject) : [];
    expect(subjects[0]).toBe("Nextcloud dump folder /var/backups/nextcloud mode");
    expect(subjects.slice(1).length).toBeGreaterThan(0);
    for (const s of subjects.slice(1)) expect(s).toMatch(/^Nextcloud dump \/var\/backups\/nextcloud\/nextcloud-db-\d{8}T\d{6}Z\.sql\.gz directory \/var\/backups\/nextcloud$/);
    expect(msg(v)).toContain("actual root:root 0777: writable by everyone");
    expect(v.status === "failed" && v.findings[1]!.fix).toBe("on lxc210: chown root:root /var/backups/nextcloud && chmod go-w /var/backups/nextcloud (or move the file to a folder only root writes)");
  });
  it("fails a folder above the backups owned by another user (Debian's `backup`): only root may own it", () => {
    const v = judge("lxc230", read("lxc230-backups-parent-not-root"));
    expect(v.status).toBe("failed");
    const fs = v.status === "failed" ? v.findings : [];
    expect(fs.length).toBeGreaterThan(2);
    for (const f of fs) {
      expect(f.subject).toMatch(/ directory \/var\/backups$/);
      expect(f.actual).toMatch(/^backup:root 0755: owned by backup$/);
    }
  });
  it("the job's user may own the backups only when declared: root only otherwise", () => {
    const v = judge("vw-root-only", read("lxc230-conformant"));
    expect(msg(v)).toContain("Vaultwarden backup folder /var/backups/vaultwarden owner: expected root; actual vaultwarden:vaultwarden");
    expect(msg(v)).toMatch(/db\.sqlite3 directory \/var\/backups\/vaultwarden: expected owned by root, writable by root only/);
  });
  it("a folder it could not list fails (not read is never a pass)", () => {
    const v = judge("lxc230", read("lxc230-as-nobody"));
    expect(v.status).toBe("failed");
    expect(msg(v)).toMatch(/Vaultwarden backup folder \/var\/backups\/vaultwarden listing: expected its entries listed \(each is judged\); actual could not be listed: .*Permission denied/);
    expect(msg(v)).toContain("restic password file /etc/restic/password: expected read by the probe (owner, mode, real path); actual not read: cannot be looked at by the probe's user: stat: cannot statx '/etc/restic/password': Permission denied");
    expect(msg(v)).not.toContain("missing");
  });
  it("a fact that could not be read, or a declared file the node printed nothing for, fails", () => {
    expect(judge("lxc230", undefined, "output is truncated (no end marker)").status).toBe("failed");
    const v = judge("lxc230", { entries: {}, listings: [] });
    expect(msg(v)).toContain("restic password file /etc/restic/password: expected read by the probe (owner, mode, real path); actual not read: the node printed nothing for it");
    expect(msg(v)).toContain("Vaultwarden backup folder /var/backups/vaultwarden: expected read by the probe");
  });
  it("a root 0600 file in the sticky /tmp passes (nobody else may replace it); a dangling link is a missing file", () => {
    expect(msg(judge("tmp-pw", read("lxc230-sticky-tmp")))).toBe("");
    const v = judge("dangling-pw", read("lxc230-dangling"));
    expect(msg(v)).toContain("restic password file /etc/restic/dangling: expected a file; actual missing (a dangling symlink to /etc/restic/gone)");
  });
});

describe("judgeSecretFile's sticky-bit rule", () => {
  const fa = (lines: string[]) => parseFileAccess("/tmp/x/pw", lines).access;
  it("a sticky world-writable folder is no finding when the entry below it is root's; it is when that entry is another user's", () => {
    expect(judgeSecretFile("pw", fa(["S root root 600 regular file", "D root root 700 /tmp/x", "D root root 1777 /tmp", "D root root 755 /"]))).toEqual([]);
    const f = judgeSecretFile("pw", fa(["S root root 600 regular file", "D alice alice 700 /tmp/x", "D root root 1777 /tmp", "D root root 755 /"]));
    expect(f.map((x) => x.subject)).toEqual(["pw directory /tmp/x", "pw directory /tmp"]);
    expect(f[1]!.actual).toBe("root:root 01777: writable by everyone");
  });
  it("without the sticky bit a world-writable folder is a finding whoever owns the entry", () => {
    expect(judgeSecretFile("pw", fa(["S root root 600 regular file", "D root root 777 /tmp/x", "D root root 755 /"])).map((x) => x.subject)).toEqual(["pw directory /tmp/x"]);
  });
  it("a declared owner may hold the service's own folder, never a folder above it", () => {
    const a = fa(["S vw vw 600 regular file", "D vw vw 700 /tmp/x", "D vw root 755 /tmp", "D root root 755 /"]);
    expect(judgeSecretFile("pw", a, { owner: "vw", ownedBelow: "/tmp/x" }).map((x) => x.subject)).toEqual(["pw directory /tmp"]);
  });
});
