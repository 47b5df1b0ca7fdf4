// The mounts probes and specs' logic on real captures (fixtures/captured/mounts/README.md).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { mountUnitsProbe, networkMountsProbe } from "../../../helpers/probes/network-mounts.ts";
import { mountsSection } from "../../../helpers/inventory/sections/mounts.ts";
import { findUnit } from "../../../helpers/probes/systemd.ts";
import { mountsDeclared } from "../../../fixtures/lab/declared/mounts.ts";

const cap = (f: string) => ({ stdout: readFileSync(new URL(`../../../fixtures/captured/mounts/${f}`, import.meta.url), "utf8"), stderr: "", code: 0 });
const decl = (node: string) => mountsSection.normalize(mountsDeclared[node] as never, ".");

describe("network-mounts on real captures", () => {
  const vm100 = decl("vm100");
  const nm = (tag: string) => networkMountsProbe(vm100).parse(cap(`vm100-${tag}.network-mounts.txt`));
  const units = (tag: string) => {
    const f = mountUnitsProbe(vm100).parse(cap(`vm100-${tag}.units.txt`));
    if (!f.systemd) throw new Error("no systemd");
    return f.units;
  };

  it("conformant vm100: ro line, autofs + ro fuse mount, root 600 jellyfin, automount active", () => {
    const f = nm("conformant");
    expect(f.fstab.find((e) => e.target === "/mnt/media")!.options).toContain("x-systemd.automount");
    expect(f.mounts.map((m) => [m.fstype, m.optionMap.ro ?? m.optionMap.rw ? m.options[0] : ""])).toEqual([["autofs", "rw"], ["fuse.smbfuse", "ro"]]);
    expect(f.credentials["/etc/samba/credentials/media.cred"]).toMatchObject({ owner: "root", group: "root", mode: "600", usernames: ["jellyfin"] });
    expect(findUnit(units("conformant"), "mnt-media.automount")).toMatchObject({ LoadState: "loaded", ActiveState: "active" });
  });

  it("the captures never hold a password", () => {
    for (const f of ["vm100-conformant", "lxc212-conformant", "vm100-missing-automount"]) expect(cap(`${f}.network-mounts.txt`).stdout).not.toMatch(/password|lab-.*-pw/);
  });

  it("drifts show as the specs expect", () => {
    expect(nm("credentials-world-readable").credentials["/etc/samba/credentials/media.cred"]!.mode).toBe("644");
    const rw = nm("media-mounted-rw");
    expect(rw.fstab.find((e) => e.target === "/mnt/media")!.options[0]).toBe("rw");
    expect(rw.mounts.find((m) => m.fstype === "fuse.smbfuse")!.options[0]).toBe("rw");
    const plain = nm("missing-automount");
    expect(plain.mounts.map((m) => m.fstype)).toEqual(["fuse.smbfuse"]);
    expect(findUnit(units("missing-automount"), "mnt-media.automount")).toMatchObject({ LoadState: "not-found", ActiveState: "inactive" });
  });

  it("lxc212: /books mounted ro as calibre", () => {
    const f = networkMountsProbe(decl("lxc212")).parse(cap("lxc212-conformant.network-mounts.txt"));
    expect(f.mounts.at(-1)!.options[0]).toBe("ro");
    expect(f.credentials["/etc/samba/credentials/books.cred"]!.usernames).toEqual(["calibre"]);
  });
});
