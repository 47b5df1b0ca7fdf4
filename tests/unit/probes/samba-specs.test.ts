// SHARE-001, SHARE-002, SHARE-003 and IDENT-003 judged on facts parsed from real output of the
// lab's storage image (fixtures/captured/samba), with the lab's own declaration
// (fixtures/lab/declared/shares.ts): the conformant node passes all four, and each drift fails
// exactly the specs its catalogue entry names, with lines an operator can act on.
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { findDrift } from "../../../fixtures/lab/drifts.ts";
import { sharesDeclared } from "../../../fixtures/lab/declared/shares.ts";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import { accounts } from "../../../helpers/probes/accounts.ts";
import { parseSmbSteps, SAMBA_ACCESS, SAMBA_GUEST } from "../../../helpers/probes/samba-access.ts";
import { sambaConfig } from "../../../helpers/probes/samba-config.ts";
import { parseOwners, SAMBA_OWNERS } from "../../../helpers/probes/samba-owners.ts";
import { sambaShares } from "../../../helpers/probes/samba-shares.ts";
import { evaluate, type Verdict } from "../../../helpers/spec/evaluate.ts";
import { declared } from "../catalog-support.ts";

const SPECS = ["SHARE-001", "SHARE-002", "SHARE-003", "IDENT-003"];
const read = (f: string) => readFileSync(`fixtures/captured/samba/${f}`, "utf8");

const vm102: NodeDecl = parseInventory(
  dump({ version: 1, defaults: { ssh: { agent: true } }, nodes: [{ name: "vm102", role: "storage", layer: 1, ssh: { host: "vm102" }, shares: sharesDeclared.vm102 }] }),
  "/lab/abc/inventory.yaml",
).nodes[0]!;

interface Captures {
  testparm: string;
  access: string;
  guest?: string;
  owners?: string;
  nonce?: string;
  /** The samba-shares probe (includes, registry, usershares); conformant by default. */
  sources?: string;
}

function facts(c: Captures): NodeFacts {
  const nonce = c.nonce ?? "d9279ab3";
  const record = (name: string, file: string, parse: (stdout: string) => unknown) => {
    const stdout = read(file);
    return [name, { ok: true, value: parse(stdout), evidence: { probe: name, command: "…", stdout, stderr: "", code: 0 } }] as const;
  };
  const out = (stdout: string) => ({ stdout, stderr: "", code: 0 });
  return {
    node: "vm102",
    reachable: true,
    roundTrips: 1,
    gatherMs: 1,
    facts: Object.fromEntries([
      record(sambaConfig.name, c.testparm, (s) => sambaConfig.parse(out(s))),
      record(accounts.name, "accounts-storage.txt", (s) => accounts.parse(out(s))),
      record(sambaShares.name, c.sources ?? "shares-conformant.txt", (s) => sambaShares.parse(out(s))),
      record(SAMBA_OWNERS, c.owners ?? "owners-conformant.txt", (s) => parseOwners(out(s))),
      record(SAMBA_GUEST, c.guest ?? "guest-conformant.txt", (s) => parseSmbSteps(SAMBA_GUEST, "d9279ab3", out(s))),
      record(SAMBA_ACCESS, c.access, (s) => parseSmbSteps(SAMBA_ACCESS, nonce, out(s))),
    ]),
  };
}

function judgeAll(c: Captures): Record<string, Verdict> {
  const f = facts(c);
  return Object.fromEntries(SPECS.map((id) => {
    const d = declared.find((x) => x.meta.id === id)!;
    return [id, evaluate(d.meta, d.def, vm102, f)];
  }));
}

const failed = (v: Record<string, Verdict>) => Object.entries(v).filter(([, x]) => x.status !== "passed").map(([id]) => id).sort();
const message = (v: Verdict) => (v.status === "passed" ? "" : v.message);
const expectedOf = (drift: string) => findDrift(drift).expect.map((e) => e.spec).sort();

beforeAll(async () => {
});

describe("the shares specs on the storage image's real output", () => {
  it("all pass on the conformant node", () => {
    const v = judgeAll({ testparm: "testparm-conformant.txt", access: "access-conformant.txt" });
    expect(failed(v), Object.values(v).map(message).join("\n")).toEqual([]);
  });

  it("drift ro-identity-in-write-list fails exactly its catalogue's specs: jellyfin writes to media", () => {
    const v = judgeAll({ testparm: "testparm-ro-identity-in-write-list.txt", access: "access-ro-identity-in-write-list.txt" });
    expect(failed(v)).toEqual(expectedOf("ro-identity-in-write-list"));
    expect(message(v["SHARE-001"]!)).toBe(
      "SHARE-001 [vm102] Each identity can do exactly what it is declared for on each share (§0, §5.3)\n" +
        "  - share media, identity jellyfin: expected read-only; actual put succeeded (probe file created and removed); " +
        "mkdir succeeded (probe folder created and removed); " +
        "rename of audiobooks/Arthur Conan Doyle/The Hound of the Baskervilles/cover.jpg (to its own name: nothing changed) succeeded; " +
        "rmdir of audiobooks/Arthur Conan Doyle/The Hound of the Baskervilles was allowed (refused only because the folder is not empty: NT_STATUS_DIRECTORY_NOT_EMPTY)",
    );
    expect(message(v["SHARE-002"]!)).toBe(
      "SHARE-002 [vm102] Effective Samba config matches the declaration (§0, §5.3)\n" +
        "  - share media, identity jellyfin: expected read-only; actual read-write (write list has jellyfin)",
    );
  });

  it("drift guest-access fails exactly its catalogue's specs: anonymous and unknown users list media", () => {
    const v = judgeAll({ testparm: "testparm-guest-access.txt", access: "access-guest-access.txt", guest: "guest-guest-access.txt" });
    expect(failed(v)).toEqual(expectedOf("guest-access"));
    expect(message(v["SHARE-003"]!)).toBe(
      "SHARE-003 [vm102] Guest access is off (§0, §5.3)\n" +
        "  - [global] map to guest: expected Never (a failed login is refused, never turned into the guest); actual map to guest = Bad User\n" +
        "  - share media: expected guest ok = No; actual guest ok = Yes\n" +
        "  - share media, anonymous login (smbclient -N): expected refused; actual connected and listed the share as the guest\n" +
        "  - share media, login as an unknown user (map to guest would make it the guest): expected refused; actual connected and listed the share as the guest",
    );
    expect(message(v["SHARE-002"]!)).toBe(
      "SHARE-002 [vm102] Effective Samba config matches the declaration (§0, §5.3)\n" +
        "  - share media: expected guest ok = No; actual guest ok = Yes\n" +
        "  - share media: expected valid users = jellyfin audiobookshelf; actual valid users = jellyfin audiobookshelf nobody: also admits nobody",
    );
  });

  it("drift smb-force-user-wrong fails exactly its catalogue's specs: the wrong owner, and nextcloud can no longer write", () => {
    const v = judgeAll({ testparm: "testparm-smb-force-user-wrong.txt", access: "access-smb-force-user-wrong.txt" });
    expect(failed(v)).toEqual(expectedOf("smb-force-user-wrong"));
    expect(message(v["IDENT-003"]!)).toBe(
      "IDENT-003 [vm102] Each share forces the declared owner (§5.3)\n" +
        "  - share nextcloud: expected force user = nextcloud (the share's declared owner); actual force user = media",
    );
    expect(message(v["SHARE-002"]!)).toContain("  - share nextcloud: expected force user = nextcloud; actual force user = media");
    expect(message(v["SHARE-001"]!)).toContain(
      "  - share nextcloud, identity nextcloud: expected read-write; actual put of a probe file failed (NT_STATUS_ACCESS_DENIED)",
    );
  });

  it("without write probes judges read-write access from the effective config, and says that it did", () => {
    const ok = judgeAll({ testparm: "testparm-conformant.txt", access: "access-writes-off-conformant.txt", nonce: "13d79fb4" });
    expect(failed(ok)).toEqual([]);
    expect(ok["SHARE-001"]!.evidence.find((e) => e.probe === SAMBA_ACCESS)!.stdout).toContain("write probes are off on live nodes (run with --allow-writes to try them)");
    // A config that makes nextcloud read-only fails SHARE-001 even without write probes.
    const roConfig = read("testparm-conformant.txt").replace(/(\[nextcloud\][\s\S]*?)\tread only = No\n/, "$1");
    const f = facts({ testparm: "testparm-conformant.txt", access: "access-writes-off-conformant.txt", nonce: "13d79fb4" });
    f.facts[sambaConfig.name]!.value = sambaConfig.parse({ stdout: roConfig, stderr: "", code: 0 });
    const d = declared.find((x) => x.meta.id === "SHARE-001")!;
    expect(message(evaluate(d.meta, d.def, vm102, f))).toContain(
      "share nextcloud, identity nextcloud: expected read-write; actual the effective config gives read-only access (read only = Yes); write probes are off on live nodes",
    );
  });

  it("IDENT-003 names the first files not owned by the forced owner", () => {
    const v = judgeAll({ testparm: "testparm-conformant.txt", access: "access-conformant.txt", owners: "owners-offenders.txt" });
    expect(failed(v)).toEqual(["IDENT-003"]);
    expect(message(v["IDENT-003"]!)).toContain(
      "  - share media, files under /mnt/mergerfs/media: expected owned by media:media; actual 2 of 25 sampled entries are not: " +
        "/mnt/mergerfs/media/movies/Sintel (2010)/Sintel (2010).en.srt (4242:media), /mnt/mergerfs/media/movies/root-owned.nfo (root:root)",
    );
  });

  it("SHARE-001 tells a wrong password and a stopped smbd from a permission problem", () => {
    const wrong = judgeAll({ testparm: "testparm-conformant.txt", access: "access-wrong-password.txt" });
    expect(message(wrong["SHARE-001"]!)).toContain(
      "  - share media, identity jellyfin: expected read-only; actual cannot list the share: login refused (NT_STATUS_LOGON_FAILURE) — check the password in file /lab/abc/secrets/smb-jellyfin.pw",
    );
    expect(message(wrong["SHARE-001"]!)).toContain(
      "  - share books, identity jellyfin: expected refused at the tree connect (not declared on this share); actual cannot tell: login refused (NT_STATUS_LOGON_FAILURE)",
    );
    const down = judgeAll({ testparm: "testparm-conformant.txt", access: "access-smbd-stopped.txt", guest: "guest-smbd-stopped.txt" });
    expect(message(down["SHARE-001"]!)).toContain("share media, identity jellyfin: expected read-only; actual cannot list the share: cannot connect to smbd (NT_STATUS_CONNECTION_REFUSED)");
    expect(message(down["SHARE-003"]!)).toContain("share media, anonymous login (smbclient -N): expected refused; actual cannot tell: cannot connect to smbd (NT_STATUS_CONNECTION_REFUSED)");
  });

  it("SHARE-002 flags a share smbd exports that the inventory does not declare", () => {
    const f = facts({ testparm: "testparm-synonyms.txt", access: "access-conformant.txt" });
    const d = declared.find((x) => x.meta.id === "SHARE-002")!;
    const m = message(evaluate(d.meta, d.def, vm102, f));
    expect(m).toContain("  - share media: expected exported with path = /mnt/mergerfs/media; actual not in the effective config");
    expect(m).toContain("  - share photos: expected not exported (the inventory does not declare it); actual exported, path = /srv/photos/");
  });

  // Shares smbd serves from sources other than smb.conf (issue 16), on real captures of the lab's
  // storage node after each drift (cumulative: usershare, then registry, then include).
  it.each([
    ["usershare-undeclared", "  - share photos: expected not exported (the inventory does not declare it); actual exported, path = /mnt/mergerfs/media, defined in a usershare (net usershare, /var/lib/samba/usershares/photos)"],
    ["registry-share-undeclared", "  - share scratch: expected not exported (the inventory does not declare it); actual exported, path = /mnt/mergerfs/media, defined in the registry (net conf)"],
    ["include-share-undeclared", "  - share public: expected not exported (the inventory does not declare it); actual exported, path = /mnt/mergerfs/media, defined in /etc/samba/local.conf (included from /etc/samba/smb.conf)"],
  ])("drift %s: SHARE-002 names the undeclared share and where it is defined", (drift, line) => {
    const v = judgeAll({ testparm: `testparm-${drift}.txt`, sources: `shares-${drift}.txt`, access: "access-conformant.txt" });
    expect(failed(v)).toEqual(expectedOf(drift));
    expect(message(v["SHARE-002"]!)).toContain(line);
  });

  it("testparm does not show the usershare smbd serves: only the samba-shares source does", () => {
    const v = judgeAll({ testparm: "testparm-usershare-undeclared.txt", sources: "shares-conformant.txt", access: "access-conformant.txt" });
    expect(failed(v)).toEqual([]);
  });

  it.each(["media-read-list", "books-in-include"])("legitimate variant %s passes every shares spec", (variant) => {
    const v = judgeAll({ testparm: `testparm-${variant}.txt`, sources: `shares-${variant}.txt`, access: "access-conformant.txt" });
    expect(failed(v), Object.values(v).map(message).join("\n")).toEqual([]);
  });

  it("a declared read-only share with read only = No and no valid users fails SHARE-002", () => {
    const t = read("testparm-media-read-list.txt").replace("\tvalid users = jellyfin audiobookshelf\n\n\n[books]", "\n\n[books]");
    const f = facts({ testparm: "testparm-media-read-list.txt", access: "access-conformant.txt", sources: "shares-media-read-list.txt" });
    f.facts[sambaConfig.name] = { ...f.facts[sambaConfig.name]!, value: sambaConfig.parse({ stdout: t, stderr: "", code: 0 }) } as never;
    const d = declared.find((x) => x.meta.id === "SHARE-002")!;
    expect(message(evaluate(d.meta, d.def, vm102, f))).toContain("  - share media: expected read only = Yes; actual read only = No, and valid users is empty: every account may write");
  });

  it("a declared share served only as a usershare fails SHARE-002 naming that source", () => {
    const t = read("testparm-usershare-undeclared.txt").replace(/\n\[books\]\n[\s\S]*?(?=\n\[nextcloud\])/, "\n");
    const src = read("shares-usershare-undeclared.txt").replace("[photos]", "[books]");
    const f = facts({ testparm: "testparm-usershare-undeclared.txt", access: "access-conformant.txt", sources: "shares-usershare-undeclared.txt" });
    f.facts[sambaConfig.name] = { ...f.facts[sambaConfig.name]!, value: sambaConfig.parse({ stdout: t, stderr: "", code: 0 }) } as never;
    f.facts[sambaShares.name] = { ...f.facts[sambaShares.name]!, value: sambaShares.parse({ stdout: src, stderr: "", code: 0 }) } as never;
    const d = declared.find((x) => x.meta.id === "SHARE-002")!;
    expect(message(evaluate(d.meta, d.def, vm102, f))).toContain(
      "  - share books: expected defined in smb.conf (or an included file) with path = /mnt/mergerfs/books; actual served from a usershare (net usershare, /var/lib/samba/usershares/books), path = /mnt/mergerfs/media: force user, valid users and the access lists cannot be set there",
    );
  });
});
