// `testparm -sv` parsed from real Samba 4.17 output (fixtures/captured/samba/testparm-*.txt), and
// the access Samba's config gives an identity, following smbd's own precedence.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Accounts } from "../../../helpers/probes/accounts.ts";
import { configAccess, isYes, parseTestparm, parseUserList, sambaConfig, shareParam, type SambaConfig } from "../../../helpers/probes/samba-config.ts";

const read = (f: string) => readFileSync(`fixtures/captured/samba/${f}`, "utf8");
const cfg = (f: string): SambaConfig => sambaConfig.parse({ stdout: read(f), stderr: "", code: 0 });

describe("samba-config probe (testparm -sv)", () => {
  it("asks testparm for the effective config with every default (-v), read-only", () => {
    expect(sambaConfig.command).toBe("testparm -sv");
  });

  it("reads [global] with its defaults and each share's own parameters, in file order", () => {
    const c = cfg("testparm-conformant.txt");
    expect(c.shares.map((s) => s.name)).toEqual(["media", "books", "nextcloud", "backup"]);
    expect(c.global["map to guest"]).toBe("Never");
    expect(c.global["admin users"]).toBe("");
    expect(c.global["idmap config * : backend"]).toBe("tdb");
    expect(c.shares[0]!.params).toEqual({
      comment: "Movies and audiobooks (read-only consumers)",
      "force group": "media",
      "force user": "media",
      path: "/mnt/mergerfs/media",
      "valid users": "jellyfin audiobookshelf",
    });
  });

  it("gives a share [global]'s value for what it does not set (read only = Yes is never printed under a share)", () => {
    const c = cfg("testparm-conformant.txt");
    expect(shareParam(c, "media", "read only")).toBe("Yes");
    expect(shareParam(c, "nextcloud", "read only")).toBe("No");
    expect(shareParam(c, "media", "guest ok")).toBe("No");
    expect(shareParam(c, "media", "write list")).toBe("");
    expect(shareParam(c, "nosuch", "path")).toBeUndefined();
  });

  it("sees synonyms under their canonical names and share-level defaults set in [global]", () => {
    const c = cfg("testparm-synonyms.txt");
    // writeable = yes then write ok = no: read only = Yes, the default, so not printed under photos.
    expect(shareParam(c, "photos", "read only")).toBe("Yes");
    // guest ok = yes in [global] is every share's default; photos turned it off with public = no.
    expect(shareParam(c, "photos", "guest ok")).toBe("No");
    expect(shareParam(c, "homes", "guest ok")).toBe("Yes");
    expect(c.global["map to guest"]).toBe("Bad User");
    expect(shareParam(c, "photos", "path")).toBe("/srv/photos/");
    expect(parseUserList(shareParam(c, "photos", "valid users"))).toEqual(["@media-readers", "svc photo", "+family", "&netg"]);
  });

  it("refuses a config testparm cannot load, and a missing testparm, instead of reporting no shares", () => {
    const broken = { stdout: read("testparm-broken.txt"), stderr: read("testparm-broken.stderr.txt"), code: Number(read("testparm-broken.rc.txt")) };
    expect(() => sambaConfig.parse(broken)).toThrow(/testparm exited 1: .*Error loading services/);
    expect(() => sambaConfig.parse({ stdout: "", stderr: "sh: 1: testparm: not found", code: 127 })).toThrow(/not installed/);
    expect(() => parseTestparm({ stdout: "[global]\n\tworkgroup = WORKGROUP\n", stderr: "", code: 0 })).toThrow(/-v/);
    expect(() => parseTestparm({ stdout: "garbage\n", stderr: "", code: 0 })).toThrow(/unrecognized line/);
  });

  it("reads booleans and user lists as Samba writes them", () => {
    expect([isYes("Yes"), isYes("no"), isYes(undefined)]).toEqual([true, false, false]);
    expect(parseUserList('jellyfin, audiobookshelf  "svc photo",@g')).toEqual(["jellyfin", "audiobookshelf", "svc photo", "@g"]);
    expect(parseUserList("")).toEqual([]);
  });
});

describe("access the effective config gives an identity", () => {
  const conformant = cfg("testparm-conformant.txt");

  it("matches the declaration on the conformant node", () => {
    expect(configAccess(conformant, "media", "jellyfin")).toMatchObject({ access: "ro" });
    expect(configAccess(conformant, "nextcloud", "nextcloud")).toMatchObject({ access: "rw" });
    expect(configAccess(conformant, "media", "calibre")).toEqual({ access: "none", because: "valid users = jellyfin audiobookshelf does not name calibre" });
    expect(configAccess(conformant, "nosuch", "jellyfin").access).toBe("none");
  });

  it("names the write list that makes a read-only identity read-write (drift ro-identity-in-write-list)", () => {
    expect(configAccess(cfg("testparm-ro-identity-in-write-list.txt"), "media", "jellyfin")).toEqual({ access: "rw", because: "write list has jellyfin" });
  });

  it("follows smbd's precedence: invalid users, valid users, admin users, write list over read list, then read only", () => {
    const c: SambaConfig = {
      global: { "read only": "Yes", "valid users": "", "invalid users": "", "admin users": "", "write list": "", "read list": "" },
      shares: [
        { name: "a", params: { "read only": "No", "valid users": "x y z w", "read list": "x y", "write list": "y", "invalid users": "w", "admin users": "z" } },
        { name: "open", params: {} },
      ],
    };
    expect(configAccess(c, "a", "x").access).toBe("ro");
    expect(configAccess(c, "a", "y").access).toBe("rw");
    expect(configAccess(c, "a", "z")).toMatchObject({ access: "rw", because: expect.stringContaining("admin users") });
    expect(configAccess(c, "a", "w")).toMatchObject({ access: "none", because: "invalid users has w" });
    expect(configAccess(c, "open", "anyone")).toEqual({ access: "ro", because: "read only = Yes" });
  });

  it("resolves @group and +group entries through the accounts fact (primary and supplementary members)", () => {
    const c = cfg("testparm-synonyms.txt");
    const accounts: Accounts = {
      users: [
        { name: "jellyfin", uid: 1100, gid: 1100, home: "/", shell: "/bin/false" },
        { name: "nextcloud", uid: 1001, gid: 2000, home: "/", shell: "/bin/false" },
      ],
      groups: [
        { name: "media-readers", gid: 3000, members: ["jellyfin"] },
        { name: "family", gid: 2000, members: [] },
      ],
    };
    expect(configAccess(c, "photos", "jellyfin", accounts)).toEqual({ access: "ro", because: "read list has jellyfin" });
    expect(configAccess(c, "photos", "nextcloud", accounts)).toEqual({ access: "rw", because: "write list has nextcloud" });
    expect(configAccess(c, "photos", "jellyfin").access).toBe("none"); // without accounts no group can be resolved
    expect(configAccess(c, "homes", "homes").access).toBe("ro"); // valid users = %S
  });
});
