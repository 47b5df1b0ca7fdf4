// The samba-shares probe (every source of smbd's shares) parsed from real output of the lab's
// storage node (fixtures/captured/samba/shares-*.txt, Samba 4.17), and the served shares with
// the source of each.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sambaConfig } from "../../../helpers/probes/samba-config.ts";
import { parseUsershares, sambaShares, servedShares } from "../../../helpers/probes/samba-shares.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";

const read = (f: string) => readFileSync(`fixtures/captured/samba/${f}`, "utf8");
const out = (stdout: string) => ({ stdout, stderr: "", code: 0 });
const sources = (f: string) => sambaShares.parse(out(read(f)));
const served = (t: string, s: string) => servedShares(sambaConfig.parse(out(read(t))), sources(s)).map((x) => `${x.name}: ${x.source}`);

describe("samba-shares probe", () => {
  it("reads smb.conf, net usershare and net conf without writing (registry only when registry.tdb exists)", () => {
    expect(sambaShares.command).toContain("net usershare info --long");
    expect(sambaShares.command).toContain(`if [ -e "$sd/registry.tdb" ]; then net conf list`);
    expect(sambaShares.command).not.toMatch(/net (usershare|conf) (add|del|set|drop|import)/);
  });

  it("conformant node: one config file, usershares disabled, an empty registry", () => {
    const s = sources("shares-conformant.txt");
    expect(s.files.map((f) => [f.path, f.exists])).toEqual([["/etc/samba/smb.conf", true]]);
    expect(s.usershares).toEqual({ disabled: true, shares: [] });
    expect(s.registry).toEqual({ absent: false, shares: [] });
    expect(served("testparm-conformant.txt", "shares-conformant.txt")).toEqual(["media", "books", "nextcloud", "backup"].map((n) => `${n}: /etc/samba/smb.conf`));
  });

  it("follows include = into the included file and names it as the source", () => {
    const s = sources("shares-books-in-include.txt");
    expect(s.files.map((f) => f.path)).toEqual(["/etc/samba/smb.conf", "/etc/samba/shares.d/books.conf"]);
    expect(served("testparm-books-in-include.txt", "shares-books-in-include.txt")).toContain("books: /etc/samba/shares.d/books.conf (included from /etc/samba/smb.conf)");
  });

  it("reads usershares (net usershare info --long) and serves them when usershare max shares > 0", () => {
    const s = sources("shares-usershare-undeclared.txt");
    expect(s.usershares.shares).toEqual([{ name: "photos", path: "/mnt/mergerfs/media", comment: "photos (usershare)", acl: "Everyone:R,", guestOk: false }]);
    expect(served("testparm-usershare-undeclared.txt", "shares-usershare-undeclared.txt")).toContain("photos: a usershare (net usershare, /var/lib/samba/usershares/photos)");
    // The same usershare with usershares off (usershare max shares = 0): smbd does not serve it.
    expect(served("testparm-conformant.txt", "shares-usershare-undeclared.txt")).not.toContain("photos: a usershare (net usershare, /var/lib/samba/usershares/photos)");
  });

  it("reads registry shares (net conf list) and names the registry for a share no file defines", () => {
    const s = sources("shares-registry-share-undeclared.txt");
    expect(s.registry.shares).toEqual([{ name: "scratch", params: { path: "/mnt/mergerfs/media", comment: "scratch (registry)", "guest ok": "no", "read only": "yes", "valid users": "jellyfin" } }]);
    expect(served("testparm-registry-share-undeclared.txt", "shares-registry-share-undeclared.txt")).toContain("scratch: the registry (net conf)");
  });

  it("the three sources at once (captures are cumulative)", () => {
    expect(served("testparm-include-share-undeclared.txt", "shares-include-share-undeclared.txt").slice(4)).toEqual([
      "public: /etc/samba/local.conf (included from /etc/samba/smb.conf)",
      "scratch: the registry (net conf)",
      "photos: a usershare (net usershare, /var/lib/samba/usershares/photos)",
    ]);
  });

  it("guest_ok of a usershare, and refuses output it cannot read", () => {
    expect(parseUsershares("[pub]\npath=/srv\ncomment=\nusershare_acl=Everyone:F,\nguest_ok=y\n")[0]!.guestOk).toBe(true);
    expect(() => sambaShares.parse(out("@@hlc-smbsrc file /etc/samba/smb.conf\n[global]\n"))).toThrow(ProbeParseError);
    expect(() => sambaShares.parse(out("garbage\n"))).toThrow(/output before the first section/);
  });
});
