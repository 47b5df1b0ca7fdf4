// The live SMB access matrix and guest probes: the script the planner writes (what it runs, what
// it never does, where passwords go), and its parser on real smbclient 4.17 output captured in
// the lab's storage image (fixtures/captured/samba/access-*.txt, guest-*.txt).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { gatherNode } from "../../../helpers/facts/gather.ts";
import { accessPlan } from "../../../helpers/probes/samba-access.ts";
import { writeSwitch } from "../../../helpers/run/options.ts";
import { planOf } from "../catalog-support.ts";
import { sharesSection, type SharesDecl } from "../../../helpers/inventory/sections/shares.ts";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import {
  classify,
  findNote,
  findStep,
  parseSmbSteps,
  sambaAccess,
  sambaGuest,
  SAMBA_ACCESS,
  SAMBA_GUEST,
  type AccessPlan,
} from "../../../helpers/probes/samba-access.ts";
import type { Transport } from "../../../helpers/transport/types.ts";

const read = (f: string) => readFileSync(`fixtures/captured/samba/${f}`, "utf8");
const NONCE = "d9279ab3"; // the nonce of the captured runs (README.md there)
const access = (f: string, nonce = NONCE) => parseSmbSteps(SAMBA_ACCESS, nonce, { stdout: read(f), stderr: "", code: 0 });
const guest = (f: string) => parseSmbSteps(SAMBA_GUEST, NONCE, { stdout: read(f), stderr: "", code: 0 });

const SECRET = "planted-S3cret'with\"quotes;$(reboot)";
const plan = (over: Partial<AccessPlan> = {}): AccessPlan => ({
  host: "localhost",
  nonce: "n0nce",
  writes: true,
  shares: [
    {
      name: "media",
      identities: [
        { name: "jellyfin", expect: "ro", password: { ok: true, value: SECRET } },
        { name: "nextcloud", expect: "none", password: { ok: true, value: "nextcloud-pw" } },
        { name: "calibre", expect: "none", password: { ok: false, why: "environment variable HLC_SMB_PW_CALIBRE is not set" } },
      ],
    },
    { name: "nextcloud", identities: [{ name: "nextcloud", expect: "rw", password: { ok: true, value: "nextcloud-pw" } }] },
  ],
  ...over,
});

describe("samba-access probe: the script", () => {
  const cmd = sambaAccess(plan()).command;

  it("hands each password over once, on stdin, never in the script (an argv on the node) nor an argument", () => {
    const probe = sambaAccess(plan());
    expect(cmd).not.toContain(SECRET);
    expect(cmd).not.toContain("nextcloud-pw");
    expect(probe.input).toBe(`${SECRET}\nnextcloud-pw\n`);
    expect(cmd).toContain("IFS= read -r W_1 || :\nIFS= read -r W_2 || :");
    expect(cmd).toContain(`PASSWD="$W" smbclient`);
    expect(cmd).not.toMatch(/-U\s*\S*%/);
    expect(cmd).not.toMatch(/\s-A\s/);
  });

  it("cleans up on any exit: a trap removes the temp dir and every probe name under every share path", () => {
    expect(cmd).toContain("trap cleanup EXIT");
    expect(cmd).toMatch(/cleanup\(\) \{ cat "\$T"\/p\.\*.*rm -rf -- "\$d\/\$N"\*.*rm -rf -- "\$T"; \}/);
    expect(cmd).toContain("umask 077");
  });

  it("tries a read-only identity's writes (and removes what it made at once), only lists as an unlisted identity", () => {
    expect(cmd).toContain(`smb media jellyfin put "put \\"$T/probe\\" \\"$N-1\\""; made media jellyfin put "$N-1"`);
    expect(cmd).toContain(`smb media jellyfin mkdir "mkdir \\"$N-1.d\\""; made media jellyfin mkdir "$N-1.d"`);
    expect(cmd).toContain(`smb media jellyfin rename "rename \\"$f\\" \\"$f\\""`);
    expect(cmd).toContain(`smb media jellyfin delete "rmdir \\"\${f%/*}\\""`);
    expect(cmd).toContain("smb media nextcloud list 'ls'");
    expect(cmd).not.toMatch(/smb media nextcloud (put|mkdir|rename|delete|read)/);
    expect(cmd).toContain("note media calibre all skipped 'no password: environment variable HLC_SMB_PW_CALIBRE is not set'");
    // A read-only identity never deletes an existing file: delete is an rmdir of a non-empty folder.
    expect(cmd).not.toMatch(/jellyfin \w+ "del /);
  });

  it("writes as a read-write identity only when write probes are on, and says so when they are off", () => {
    expect(cmd).toContain(`smb nextcloud nextcloud put "put \\"$T/probe\\" \\"$N-2\\""`);
    expect(cmd).toContain(`smb nextcloud nextcloud delete "del \\"$N-2.renamed\\""`);
    const off = sambaAccess(plan({ writes: false, writesOff: "write probes are off" })).command;
    expect(off).not.toMatch(/smb nextcloud nextcloud (put|rename|delete)/);
    expect(off).toContain("note nextcloud nextcloud write skipped 'write probes are off'");
  });

  it("without write probes, no identity attempts a put, mkdir, rename or delete, and nothing under a share is removed (issue 21)", () => {
    const off = sambaAccess(plan({ writes: false, writesOff: "write probes are off" })).command;
    // Every smbclient command of the matrix: only ls and get remain.
    const ops = [...off.matchAll(/^\s*(?:if .*then )?smb \S+ \S+ (\w+) ["'](\w+)/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(new Set(ops)).toEqual(new Set(["list:ls", "read:get"]));
    expect(off).not.toMatch(/smb \S+ \S+ (put|mkdir|rename|delete)/);
    expect(off).toContain("note media jellyfin write skipped 'write probes are off'");
    // No share path is noted for the cleanup, so its rm never reaches a share; made() is never called.
    expect(off).not.toContain('>>"$T/p.');
    expect(off).not.toMatch(/; made /);
  });

  it("lets the guest probe look at every share of the effective config, declared or not", () => {
    const g = sambaGuest("localhost", "n0nce").command;
    expect(g).toContain("testparm -s 2>/dev/null | sed -n");
    expect(g).toContain(`smb "$s" - anonymous 'ls'`);
    expect(g).toContain(`smb "$s" 'hlc-no-such-user-n0nce' unknown-user 'ls'`);
  });
});

describe("samba-access probe: parsing real smbclient output", () => {
  it("reads the conformant matrix: RO writes denied, RW writes done and cleaned up, others refused at the tree connect", () => {
    const m = access("access-conformant.txt");
    expect(findNote(m, "media", "-", "share", "sample")).toBe("audiobooks/Arthur Conan Doyle/The Hound of the Baskervilles/cover.jpg");
    expect(findStep(m, "media", "jellyfin", "list")).toMatchObject({ ok: true, rc: 0 });
    expect(findStep(m, "media", "jellyfin", "read")).toMatchObject({ ok: true });
    // put exits 1, mkdir exits 0: both judged by the NT_STATUS text only.
    expect(findStep(m, "media", "jellyfin", "put")).toMatchObject({ ok: false, status: "NT_STATUS_ACCESS_DENIED", at: "operation", rc: 1, notes: { created: "no" } });
    expect(findStep(m, "media", "jellyfin", "mkdir")).toMatchObject({ ok: false, status: "NT_STATUS_ACCESS_DENIED", rc: 0 });
    expect(findStep(m, "media", "jellyfin", "delete")).toMatchObject({ status: "NT_STATUS_ACCESS_DENIED" });
    expect(findStep(m, "media", "calibre", "list")).toMatchObject({ ok: false, status: "NT_STATUS_ACCESS_DENIED", at: "tree connect" });
    expect(findStep(m, "nextcloud", "nextcloud", "put")).toMatchObject({ ok: true, notes: { created: "yes" } });
    expect(findStep(m, "nextcloud", "nextcloud", "delete")).toMatchObject({ ok: true, notes: { gone: "yes" } });
    expect(findNote(m, "nextcloud", "nextcloud", "write", "left")).toBe("no");
    // media: 2 RO × 6 steps + 3 unlisted; books: 6 + 4; nextcloud, backup: RW 5 steps + 4 unlisted.
    expect(m.steps).toHaveLength(15 + 10 + 9 + 9);
  });

  it("sees a read-only identity write when it is in the write list, and that the probe removed what it made", () => {
    const m = access("access-ro-identity-in-write-list.txt");
    expect(findStep(m, "media", "jellyfin", "put")).toMatchObject({ ok: true, notes: { created: "yes", removed: "yes" } });
    expect(findStep(m, "media", "jellyfin", "mkdir")).toMatchObject({ ok: true, notes: { created: "yes", removed: "yes" } });
    expect(findStep(m, "media", "jellyfin", "rename")).toMatchObject({ ok: true });
    expect(findStep(m, "media", "jellyfin", "delete")).toMatchObject({ ok: false, status: "NT_STATUS_DIRECTORY_NOT_EMPTY" });
    expect(findStep(m, "media", "audiobookshelf", "put")).toMatchObject({ status: "NT_STATUS_ACCESS_DENIED" });
  });

  it("tells a wrong password and a stopped smbd apart from a denial", () => {
    expect(findStep(access("access-wrong-password.txt"), "media", "jellyfin", "list")).toMatchObject({ status: "NT_STATUS_LOGON_FAILURE", at: "login" });
    expect(findStep(access("access-smbd-stopped.txt"), "media", "jellyfin", "list")).toMatchObject({ status: "NT_STATUS_CONNECTION_REFUSED", at: "connect" });
  });

  it("reads the guest probe: refused on the conformant node, let in after drift guest-access", () => {
    const ok = guest("guest-conformant.txt");
    expect(ok.steps.map((s) => `${s.share}/${s.step}/${s.at}`)).toEqual([
      "media/anonymous/tree connect", "media/unknown-user/login", "books/anonymous/tree connect", "books/unknown-user/login",
      "nextcloud/anonymous/tree connect", "nextcloud/unknown-user/login", "backup/anonymous/tree connect", "backup/unknown-user/login",
    ]);
    const drifted = guest("guest-guest-access.txt");
    expect(drifted.steps.filter((s) => s.ok).map((s) => `${s.share}/${s.step}`)).toEqual(["media/anonymous", "media/unknown-user"]);
  });

  it("refuses output with no results, keeps a step the probe never finished, rejects a damaged marker", () => {
    expect(() => parseSmbSteps(SAMBA_ACCESS, NONCE, { stdout: "", stderr: "smbclient is not installed on this node", code: 127 })).toThrow(/no smbclient results \(exit 127\): smbclient is not installed/);
    const cut = read("access-conformant.txt").split("@@smb-d9279ab3\trc\t0").slice(0, 1).join("");
    const m = parseSmbSteps(SAMBA_ACCESS, NONCE, { stdout: cut, stderr: "", code: null });
    expect(m.steps.at(-1)).toMatchObject({ share: "media", identity: "jellyfin", step: "list", rc: null });
    expect(() => parseSmbSteps(SAMBA_ACCESS, NONCE, { stdout: "@@smb-d9279ab3\tbogus\n", stderr: "", code: 0 })).toThrow(/unreadable marker/);
  });

  it("classifies by where smbclient stopped", () => {
    expect(classify("Anonymous login successful\ntree connect failed: NT_STATUS_ACCESS_DENIED")).toEqual({ ok: false, status: "NT_STATUS_ACCESS_DENIED", at: "tree connect" });
    expect(classify("putting file /tmp/x as \\y (1 kb/s)")).toEqual({ ok: true });
  });
});

describe("the shares section's probes", () => {
  const decl: SharesDecl = sharesSection.normalize(
    {
      identities: [
        { name: "jellyfin", password: { env: "HLC_TEST_PW_JELLYFIN" } },
        { name: "nextcloud", password: { file: "secrets/nope.pw" } },
      ],
      exports: [
        { name: "media", path: "/mnt/mergerfs/media", ro: ["jellyfin"], forceUser: "media", forceGroup: "media" },
        { name: "nextcloud", path: "/mnt/mergerfs/nextcloud", rw: ["nextcloud"] },
      ],
    },
    "/nonexistent-inventory-dir",
  );

  it("turns write probes on for the lab, off for live nodes unless the run has --allow-writes", () => {
    expect(writeSwitch("lab", undefined).allowed).toBe(true);
    expect(writeSwitch("live", undefined).allowed).toBe(false);
    expect(writeSwitch("live", "1").allowed).toBe(true);
    expect(writeSwitch("lab", "0").allowed).toBe(false);
  });

  it("probes every declared share with every declared identity; an unreadable password is a skip, not a crash", () => {
    const p = accessPlan(decl, "n", writeSwitch("live", undefined), { HLC_TEST_PW_JELLYFIN: "pw-from-env" });
    expect(p.writes).toBe(false);
    expect(p.writesOff).toMatch(/--allow-writes/);
    expect(p.shares.map((s) => [s.name, s.identities.map((i) => `${i.name}:${i.expect}:${i.password.ok}`)])).toEqual([
      ["media", ["jellyfin:ro:true", "nextcloud:none:false"]],
      ["nextcloud", ["nextcloud:rw:false", "jellyfin:none:true"]],
    ]);
    expect(p.shares[1]!.identities[0]!.password).toEqual({ ok: false, why: "cannot read file /nonexistent-inventory-dir/secrets/nope.pw: ENOENT" });
  });

  it("plans config, share sources, accounts, owners, guest and access probes only on a node declaring shares", () => {
    const node = (over: Partial<NodeDecl>) => ({ name: "vm102", role: "storage", layer: 1, services: [], ...over }) as NodeDecl;
    const names = (n: NodeDecl) => planOf("vm102", { file: "", version: 1, nodes: [n] }).map((p) => p.name);
    const SHARES = ["samba-config", "samba-shares", "accounts", "samba-share-owners", "samba-guest", "samba-access"];
    for (const p of SHARES) expect(names(node({}))).not.toContain(p);
    expect(names(node({ shares: decl }))).toEqual(expect.arrayContaining(SHARES));
  });
});

describe("passwords never reach the evidence", () => {
  it("gatherNode masks a known secret in the recorded command, output and errors", async () => {
    const probe = sambaAccess(plan());
    const transport: Transport = {
      node: "vm102",
      // A node that echoes everything back, the secret included, and whose output cannot be parsed.
      exec: async (script) => ({ command: script, stdout: script, stderr: script, code: 0, durationMs: 1 }),
      close: async () => {},
    };
    const facts = await gatherNode(transport, [probe], [SECRET, "nextcloud-pw"]);
    const text = JSON.stringify(facts);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("nextcloud-pw");
    expect(facts.facts[SAMBA_ACCESS]!.evidence.command).not.toContain(SECRET);
  });
});
