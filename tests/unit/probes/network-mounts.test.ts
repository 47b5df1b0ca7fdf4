import { describe, expect, it } from "vitest";
import { escapePath, mountsSection } from "../../../helpers/inventory/sections/mounts.ts";
import { mountUnits, mountUnitsProbe, networkMountsProbe } from "../../../helpers/probes/network-mounts.ts";
import { networkMounts, option, parseFstab, timeSpanSec, NETWORK_MOUNTS } from "../../../helpers/probes/network-mounts.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { out } from "./capture.ts";

const MEDIA = "//vm102/media /mnt/media smbfuse ro,credentials=/etc/samba/credentials/media.cred,x-systemd.automount,x-systemd.mount-timeout=10s,_netdev,nofail 0 0";
const FINDMNT = JSON.stringify({
  filesystems: [
    { target: "/", source: "overlay", fstype: "overlay", options: "rw,relatime" },
    { target: "/mnt/media", source: "systemd-1", fstype: "autofs", options: "rw,relatime,fd=36,direct" },
    { target: "/mnt/media", source: "//vm102/media", fstype: "fuse.smbfuse", options: "ro,nosuid,nodev,relatime,user_id=0,group_id=0,allow_other" },
  ],
});
const M = "@@hlc-netmount";
const synthetic = (cred: string) =>
  [`${M} fstab`, "# comment", "", MEDIA, `${M} findmnt`, FINDMNT, `${M} cred '/etc/samba/credentials/media.cred'`.replace(/'/g, ""), cred, `${M} end`, ""].join("\n");

describe("networkMounts probe", () => {
  const probe = networkMounts(["/mnt/media"], ["/etc/samba/credentials/media.cred"]);

  it("has a fixed name and never prints the password", () => {
    expect(probe.name).toBe(NETWORK_MOUNTS);
    expect(probe.command).toContain("ls -- '/mnt/media/'");
    expect(probe.command).toContain("stat -L -c 'S %U %G %a %F'"); // the file read, through links
    expect(probe.command).not.toMatch(/cat [^;]*cred/);
    expect(probe.command).toContain("s/%.*/%<hidden>/"); // username=user%password keeps only the user
    expect(probe.command.indexOf("ls --")).toBeLessThan(probe.command.indexOf("findmnt")); // trigger first
  });

  it("parses a capture of the older probe (owner group mode, username= values)", () => {
    expect(probe.parse(out(synthetic("root root 600\njellyfin"))).credentials["/etc/samba/credentials/media.cred"]).toMatchObject({ owner: "root", mode: "600", usernames: ["jellyfin"], user: "jellyfin", legacy: true });
  });

  it("parses fstab, the live mounts at the paths and the credentials file", () => {
    const f = probe.parse(out(synthetic("S root root 600 regular file\nD root root 700 /etc/samba/credentials\nD root root 755 /etc/samba\nD root root 755 /etc\nD root root 755 /\nU username=jellyfin$")));
    expect(f.fstab).toHaveLength(1);
    expect(f.fstab[0]).toMatchObject({ source: "//vm102/media", target: "/mnt/media", fstype: "smbfuse" });
    expect(f.mounts.map((m) => m.fstype)).toEqual(["autofs", "fuse.smbfuse"]);
    expect(f.credentials["/etc/samba/credentials/media.cred"]).toEqual({
      path: "/etc/samba/credentials/media.cred", exists: true, owner: "root", group: "root", mode: "600", kind: "regular file",
      dirs: [{ path: "/etc/samba/credentials", owner: "root", group: "root", mode: "700" }, { path: "/etc/samba", owner: "root", group: "root", mode: "755" }, { path: "/etc", owner: "root", group: "root", mode: "755" }, { path: "/", owner: "root", group: "root", mode: "755" }],
      userLines: [{ key: "username", value: "jellyfin" }], usernames: ["jellyfin"], user: "jellyfin",
    });
  });

  it("reads user lines as mount.cifs does: any key starting with user, any case, value verbatim, the last wins", () => {
    // The probe's own sed (CRED_USER_SED) run by GNU sed 4.9 on a file with `username=jellyfin`,
    // `password=…`, `  USER=nextcloud` + CRLF, `# user=commented`, `user = spaced `, `userfoo=x%pw`,
    // `domain=WG`, `user` (no '='), `<TAB>Username=tab`: its output, verbatim.
    const sedOut = ["U username=jellyfin$", "U USER=nextcloud\\r$", "U user = spaced $", "U userfoo=x%<hidden>$", "U Username=tab$"].join("\n");
    const c = probe.parse(out(synthetic(`S root root 600 regular file\n${sedOut}`))).credentials["/etc/samba/credentials/media.cred"]!;
    expect(c.userLines).toEqual([
      { key: "username", value: "jellyfin" },
      { key: "USER", value: "nextcloud\r" },
      { key: "user ", value: " spaced " },
      { key: "userfoo", value: "x%<hidden>" },
      { key: "Username", value: "tab" },
    ]);
    expect(c.user).toBe("tab");
  });

  it("reports a missing credentials file and no username line", () => {
    expect(probe.parse(out(synthetic("missing"))).credentials["/etc/samba/credentials/media.cred"]!.exists).toBe(false);
    expect(probe.parse(out(synthetic("S root root 644 regular file"))).credentials["/etc/samba/credentials/media.cred"]!.usernames).toEqual([]);
  });

  it("throws on truncated or garbled output", () => {
    expect(() => probe.parse(out(synthetic("S root root 600 regular file").replace(`${M} end`, "")))).toThrow(ProbeParseError);
    expect(() => probe.parse(out(synthetic("rootroot")))).toThrow(/stat line/);
    expect(() => probe.parse(out("junk\n"))).toThrow(ProbeParseError);
    expect(() => probe.parse(out("", 1, "boom"))).toThrow(/exited 1/);
  });
});

describe("fstab and option helpers", () => {
  it("decodes octal escapes and defaults options", () => {
    expect(parseFstab("t", ["//h/s /mnt/my\\040share smbfuse"])[0]).toMatchObject({ target: "/mnt/my share", options: ["defaults"] });
    expect(() => parseFstab("t", ["onlyone"])).toThrow(ProbeParseError);
  });
  it("reads options, last one winning", () => {
    const o = MEDIA.split(" ")[3]!.split(",");
    expect(option(o, "nofail")).toBe(true);
    expect(option(o, "x-systemd.mount-timeout")).toBe("10s");
    expect(option(o, "noauto")).toBeUndefined();
    expect(option(["a=1", "a=2"], "a")).toBe("2");
  });
  it("converts systemd time spans", () => {
    expect(timeSpanSec("10s")).toBe(10);
    expect(timeSpanSec("90")).toBe(90);
    expect(timeSpanSec("1min 30s")).toBe(90);
    expect(timeSpanSec("2m")).toBe(120);
    expect(timeSpanSec("infinity")).toBe(Infinity);
    expect(timeSpanSec("soon")).toBeUndefined();
  });
});

describe("mounts section and planner", () => {
  const decl = mountsSection.normalize([{ path: "/mnt/media", source: "//vm102/media", identity: "jellyfin", access: "ro", credentials: "/etc/samba/credentials/media.cred" }], ".");
  it("applies the default mount timeout", () => expect(decl[0]!.maxMountTimeoutSec).toBe(30));
  it("escapes paths as systemd-escape --path does", () => {
    expect(escapePath("/mnt/media")).toBe("mnt-media");
    expect(escapePath("/books")).toBe("books");
    expect(escapePath("/mnt/my-share/x")).toBe("mnt-my\\x2dshare-x");
    expect(escapePath("/")).toBe("-");
    expect(mountUnits(decl)).toEqual(["mnt-media.automount", "mnt-media.mount"]);
  });
  it("names units as systemd 252's systemd-escape -p does (the tool's own output)", () => {
    // `systemd-escape -p -- PATH` on Debian 12 (systemd 252), captured 2026-12-07.
    const real: Array<[string, string]> = [
      ["/mnt/.hidden", "mnt-.hidden"],
      ["/.dot", "\\x2edot"],
      ["/mnt/a.b", "mnt-a.b"],
      ["/mnt/a-b", "mnt-a\\x2db"],
      ["/mnt/a b", "mnt-a\\x20b"],
      ["/mnt/é", "mnt-\\xc3\\xa9"],
      ["/mnt//x/", "mnt-x"],
      ["/mnt/./x", "mnt-x"],
      ["/mnt/x:y", "mnt-x:y"],
      ["/mnt/_u", "mnt-_u"],
      ["/.", "-"],
      ["/./.a", "\\x2ea"],
      ["/mnt/.a/.b", "mnt-.a-.b"],
      ["/mnt/x\\y", "mnt-x\\x5cy"],
    ];
    for (const [path, unit] of real) expect([path, escapePath(path)]).toEqual([path, unit]);
  });
  it("names its probes once per node", () => {
    expect(networkMountsProbe(decl).name).toBe("network-mounts");
    expect(mountUnitsProbe(decl).name).toBe("network-mount-units");
    expect(mountUnitsProbe(decl).command).toContain("'mnt-media.automount' 'mnt-media.mount'");
  });
});
