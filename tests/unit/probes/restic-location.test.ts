// DATA-031 and its probe. The probe's output captured on the lab's lxc230 (fixtures/captured/
// restic-location/: its /srv/restic on the container's own overlay root; vm102 resolved by the lab
// network's resolver; a documentation address, which getent gives back as is). The network
// filesystem case runs the probe's real command in this machine's /bin/sh with findmnt replaced by
// a shell function printing a canned line (no NFS, CIFS or sshfs mount can be made here).
import { execa } from "execa";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { Inventory, NodeDecl } from "../../../helpers/inventory/types.ts";
import { parseResticLocation, repositoryTarget, resticLocation, siteAddress, type ResticLocation } from "../../../helpers/probes/restic-location.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { declared, NO_SCENE, type Declared } from "../catalog-support.ts";

const read = (f: string) => readFileSync(new URL(`../../../fixtures/captured/restic-location/${f}`, import.meta.url), "utf8");
const inventory = { nodes: [{ name: "vm102", ssh: { host: "10.213.75.11" } }, { name: "lxc230" }] } as unknown as Inventory;
const loc = (repo: string, stdout: string): ResticLocation => parseResticLocation(repositoryTarget(repo), { stdout, stderr: "", code: 0 });

describe("restic repository targets, as restic reads the string", () => {
  it("paths, sftp in both forms, rest and s3 hosts, clouds, and the backends configured elsewhere", () => {
    expect(repositoryTarget("/srv/restic")).toEqual({ kind: "path", path: "/srv/restic" });
    expect(repositoryTarget("local:/srv/r")).toEqual({ kind: "path", path: "/srv/r" });
    expect(repositoryTarget("sftp:backup@vm102:/srv/restic")).toEqual({ kind: "host", backend: "sftp", host: "vm102" });
    expect(repositoryTarget("sftp:offsite.example.org:/r")).toEqual({ kind: "host", backend: "sftp", host: "offsite.example.org" });
    expect(repositoryTarget("sftp://u123@u123.your-storagebox.de:23//restic")).toEqual({ kind: "host", backend: "sftp", host: "u123.your-storagebox.de" });
    expect(repositoryTarget("rest:https://user:pw@203.0.113.7:8000/homelab")).toEqual({ kind: "host", backend: "rest", host: "203.0.113.7" });
    expect(repositoryTarget("rest:http://[fd00::5]:8000/")).toEqual({ kind: "host", backend: "rest", host: "fd00::5" });
    expect(repositoryTarget("s3:s3.amazonaws.com/bucket")).toEqual({ kind: "host", backend: "s3", host: "s3.amazonaws.com" });
    expect(repositoryTarget("s3:http://192.168.1.20:9000/restic")).toEqual({ kind: "host", backend: "s3", host: "192.168.1.20" });
    expect(repositoryTarget("b2:bucket:path")).toMatchObject({ kind: "cloud", service: "Backblaze B2" });
    expect(repositoryTarget("rclone:remote:path")).toEqual({ kind: "configured", backend: "rclone" });
  });

  it("site addresses: loopback, RFC 1918, ULA, link-local; a tailnet (100.64/10) or public address is not one", () => {
    for (const a of ["127.0.0.1", "10.1.2.3", "172.20.0.1", "192.168.1.1", "169.254.1.1", "::1", "fd7a:115c::1", "fe80::1"]) expect(siteAddress(a), a).toBeDefined();
    for (const a of ["100.100.95.89", "203.0.113.7", "172.32.0.1", "2001:db8::1", "fd7a"]) expect(siteAddress(a), a).toBeUndefined();
  });
});

describe("restic-location probe on real output", () => {
  it("a path: the filesystem holding it", () => {
    const l = loc("/srv/restic", read("lxc230-srv-restic.stdout.txt"));
    expect(l.mount).toEqual({ source: "overlay", fstype: "overlay", target: "/" });
    expect(l.addresses).toEqual([]);
  });

  it("a host: its addresses as the node resolves them", () => {
    expect(loc("sftp:backup@vm102:/srv/restic", read("lxc230-sftp-vm102.stdout.txt")).addresses).toEqual(["10.213.75.11"]);
    expect(loc("rest:https://203.0.113.7:8000/r", read("lxc230-rest-public.stdout.txt")).addresses).toEqual(["203.0.113.7"]);
  });

  it("a network filesystem: the server its source names (real /bin/sh, findmnt canned)", async () => {
    const run = async (line: string) => {
      const p = resticLocation("/mnt/offsite/restic");
      const r = await execa("/bin/sh", ["-c", `findmnt() { echo ${JSON.stringify(line)}; }; getent() { :; }\n${p.command}`], { reject: false });
      return p.parse({ stdout: r.stdout, stderr: r.stderr, code: r.exitCode ?? null });
    };
    expect((await run("nas.example.net:/export/restic nfs4 /mnt/offsite")).mountHost).toBe("nas.example.net");
    expect((await run("//192.168.1.5/backup cifs /mnt/offsite")).mountHost).toBe("192.168.1.5");
    expect((await run("backup@offsite.example.org:/restic fuse.sshfs /mnt/offsite")).mountHost).toBe("offsite.example.org");
    expect((await run("/dev/sdb1 ext4 /mnt/offsite")).mountHost).toBeUndefined();
  });

  it("unreadable output is the probe's error, never a verdict", () => {
    expect(() => loc("/srv/restic", "mount \n")).toThrow(ProbeParseError);
    expect(() => loc("/srv/restic", "garbage\n")).toThrow(ProbeParseError);
    expect(() => loc("/mnt/x", "mount 10.0.0.5:/x nfs /mnt/x\n")).toThrow(/no server host/);
  });
});

describe("DATA-031", () => {
  let onSite: (l: ResticLocation, inv: Inventory) => string | undefined;
  let spec: Declared;
  beforeAll(async () => {
    onSite = (await import("../../../specs/data/restic-offsite.spec.ts")).onSite;
    spec = declared.find((d) => d.meta.id === "DATA-031")!;
  });

  it("applies once offsite is declared; planned before (restic without offsite, or no restic)", () => {
    const node = (restic?: object) => ({ name: "lxc230", backups: restic ? { restic } : {} }) as unknown as NodeDecl;
    expect(spec.def.appliesTo(node({ repository: "/srv/restic", offsite: true }), NO_SCENE)).toBe(true);
    expect(spec.def.appliesTo(node({ repository: "/srv/restic" }), NO_SCENE)).toBe(false);
    expect(spec.def.planned!(node({ repository: "/srv/restic" }), NO_SCENE)).toMatch(/declare backups.restic.offsite: true/);
    expect(spec.def.planned!(node(), NO_SCENE)).toMatch(/declare backups.restic/);
    expect(spec.def.planned!({ name: "x" } as NodeDecl, NO_SCENE)).toBeUndefined();
  });

  it("fails the lab's repository on the node's own disk, a homelab node, and a LAN address; passes a public host and a cloud", () => {
    expect(onSite(loc("/srv/restic", read("lxc230-srv-restic.stdout.txt")), inventory)).toMatch(/a disk of the node itself/);
    expect(onSite(loc("sftp:backup@vm102:/srv/restic", read("lxc230-sftp-vm102.stdout.txt")), inventory)).toBe("vm102 is the homelab's own node vm102");
    // Edited from the capture: a name the node resolves to a private address.
    expect(onSite(loc("sftp:nas.lan:/r", "addr 192.168.1.20\n"), inventory)).toBe("nas.lan resolves to 192.168.1.20 (a private (RFC 1918) address) on the node");
    expect(onSite(loc("s3:http://192.168.1.20:9000/restic", ""), inventory)).toMatch(/is a private \(RFC 1918\) address/);
    expect(onSite(loc("sftp:u@offsite.invalid:/x", ""), inventory)).toMatch(/cannot resolve offsite.invalid/);
    expect(onSite(loc("rest:https://203.0.113.7:8000/r", read("lxc230-rest-public.stdout.txt")), inventory)).toBeUndefined();
    expect(onSite(loc("b2:bucket:homelab", ""), inventory)).toBeUndefined();
    expect(onSite(loc("rclone:remote:x", ""), inventory)).toMatch(/own configuration/);
  });
});
