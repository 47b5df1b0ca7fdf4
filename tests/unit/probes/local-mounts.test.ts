// BOOT-011 and its probe on REAL output (fixtures/captured/local-mounts/, see its README):
// - bookworm-ext4-*: the probe's command run in a Debian bookworm container (util-linux 2.38, no
//   systemd) with four real ext4 filesystems (mke2fs) on this machine's loop devices, mounted
//   there; /etc/fstab is the file next to the capture (by UUID/LABEL, or drifted: a kernel name, a
//   commented-out line with the disk mounted by hand, noauto, a line whose disk is not mounted, an
//   appended duplicate);
// - lab-*: the probe run on the lab's vm102 and vm100 (systemd, tmpfs disks, the mergerfs pool).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import { localMounts, parseLocalMounts } from "../../../helpers/probes/local-mounts.ts";
import { snapraidConfig } from "../../../helpers/probes/snapraid.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { evaluate } from "../../../helpers/spec/evaluate.ts";
import { judgeLocalMounts, sourceKind, wantedMounts } from "../../../specs/boot/local-mounts.spec.ts";
import { byId } from "../catalog-support.ts";
import { factsOf } from "../support.ts";

const dir = new URL("../../../fixtures/captured/local-mounts/", import.meta.url);
const read = (f: string) => readFileSync(new URL(f, dir), "utf8");
const ok = (stdout: string) => ({ stdout, stderr: "", code: 0 });
const labConf = readFileSync(new URL("../../../fixtures/images/storage/snapraid.conf", import.meta.url), "utf8");
// The ext4 captures have two data disks and one parity disk: the lab's snapraid.conf without d3.
const ext4Conf = labConf.replace(/^data d3 .*$/m, "");

const UUID1 = "aab6532b-4b2a-475b-a081-3e661a6fb665";

describe("local-mounts probe", () => {
  it("reads fstab, the mount table with the filesystems' UUIDs, the /dev names resolved and blkid's devices (no systemd)", () => {
    const f = parseLocalMounts(read("bookworm-ext4-conformant.local-mounts.txt"));
    expect(f.systemd).toBe(false);
    expect(f.fstab!.map((e) => `${e.source} ${e.target} ${e.fstype}`)).toEqual([
      `UUID=${UUID1} /mnt/disk1 ext4`,
      "LABEL=disk2 /mnt/disk2 ext4",
      "UUID=1f96b392-44a2-4dd6-afb3-c8ac57bd62b6 /mnt/parity ext4",
      "UUID=c701d573-7df3-4298-8951-5f52b8b89570 /mnt/vm-data ext4",
    ]);
    expect(f.mounts.find((m) => m.target === "/mnt/disk1")).toMatchObject({ source: "/dev/loop0", fstype: "ext4", uuid: UUID1, label: "disk1" });
    expect(f.resolved["/dev/loop0"]).toBe("/dev/loop0");
    expect(f.devices.find((d) => d.path === "/dev/loop3")).toMatchObject({ uuid: "c701d573-7df3-4298-8951-5f52b8b89570", label: "vmdata", fstype: "ext4" });
  });

  it("refuses output that is not the probe's", () => {
    expect(() => parseLocalMounts("")).toThrow(ProbeParseError);
    expect(() => parseLocalMounts("hello\n")).toThrow(/before the first section/);
    expect(() => parseLocalMounts(read("bookworm-ext4-conformant.local-mounts.txt").replace(/@@hlc-localmount end\n?$/, ""))).toThrow(/truncated/);
    expect(() => localMounts.parse({ stdout: "", stderr: "findmnt: boom", code: 4 })).toThrow(/exited 4/);
  });

  it("names: tags and udev/device-mapper links are stable, kernel names are not, tmpfs has no device", () => {
    expect(["UUID=ab", "LABEL=x", "PARTUUID=1", "PARTLABEL=y", "/dev/disk/by-uuid/ab", "/dev/disk/by-id/ata-X", "/dev/mapper/vg-data", "/dev/vg0/data", "/dev/md/array"].map(sourceKind)).toEqual(Array(9).fill(expect.stringMatching(/^(tag|link)$/)));
    expect(["/dev/sdb1", "/dev/vdb", "/dev/nvme0n1p2", "/dev/md0", "/dev/dm-3", "/dev/loop0", "/dev/mmcblk0p1", "/dev/xvdf"].map(sourceKind)).toEqual(Array(8).fill("kernel"));
    expect(sourceKind("/dev/weird")).toBe("unknown-dev");
    expect(["tmpfs", "/mnt/disk1:/mnt/disk2", "/srv/data"].map(sourceKind)).toEqual(["none", "none", "none"]);
  });
});

describe("BOOT-011 on real ext4 mounts", () => {
  const spec = byId("BOOT-011");
  const node = { name: "vm102", role: "storage", layer: 1, services: [], ssh: {}, storage: { snapraid: { config: "/etc/snapraid.conf" } }, localMounts: [{ path: "/mnt/vm-data", purpose: "data disk" }] } as unknown as NodeDecl;
  const judge = (file: string) => evaluate(spec.meta, spec.def, node, factsOf("vm102", [[localMounts, ok(read(file))], [snapraidConfig("/etc/snapraid.conf"), ok(ext4Conf)]])) as { status: string; message?: string };

  it("every disk from its fstab line by UUID or LABEL and mounted from that filesystem: passes", () => {
    expect(judge("bookworm-ext4-conformant.local-mounts.txt")).toMatchObject({ status: "passed" });
  });

  it("a kernel name (fix names the UUID), a duplicate, a hand mount, noauto and a disk not mounted each fail", () => {
    const v = judge("bookworm-ext4-drifted.local-mounts.txt");
    expect(v.status).toBe("failed");
    const lines = v.message!.split("\n").slice(1, 6);
    expect(lines).toEqual([
      `  - /mnt/disk1 (SnapRAID data disk d1) /etc/fstab duplicate line: expected one /etc/fstab line for the mount point; actual systemd uses the first line "/dev/loop0 /mnt/disk1 ext4 defaults,nofail 0 2" and ignores "UUID=${UUID1} /mnt/disk1 ext4 defaults,nofail 0 2" ("Duplicate entry in /etc/fstab?"): the later line is not in force`,
      `  - /mnt/disk1 (SnapRAID data disk d1) /etc/fstab line source /dev/loop0: expected UUID=${UUID1} (the filesystem's UUID, as blkid reads it); actual /dev/loop0 is a kernel name, handed out in probe order: after a reboot or a disk change it may be another disk ("/dev/loop0 /mnt/disk1 ext4 defaults,nofail 0 2")`,
      "  - /mnt/disk2 (SnapRAID data disk d2) definition: expected an /etc/fstab line (or an enabled .mount unit) for the mount point; actual no /etc/fstab line and no .mount unit file (systemd is not running: units not read); mounted now from /dev/loop1 (ext4): mounted by hand, gone after the next reboot",
      `  - /mnt/parity (SnapRAID parity) /etc/fstab options: expected mounted at boot (no noauto); actual noauto: systemd's fstab generator does not pull it into local-fs.target, so it is not mounted at boot ("UUID=1f96b392-44a2-4dd6-afb3-c8ac57bd62b6 /mnt/parity ext4 defaults,noauto 0 2"); mounted now from /dev/loop2 (ext4)`,
      "  - /mnt/vm-data (data disk) mounted now: expected mounted from UUID=c701d573-7df3-4298-8951-5f52b8b89570; actual not mounted (defined by /etc/fstab, but not in the mount table)",
    ]);
  });

  it("the fix line of a kernel name pastes the UUID blkid read", () => {
    const f = { subject: "/mnt/disk1 (SnapRAID data disk d1) /etc/fstab line source /dev/loop0", expected: `UUID=${UUID1} (the filesystem's UUID, as blkid reads it)`, actual: "" };
    expect(spec.meta.fix!(f, node)).toBe(`on vm102: in /etc/fstab (or the unit's What=) replace /dev/loop0 with UUID=${UUID1} on the /mnt/disk1 line; then: systemctl daemon-reload`);
  });

  it("a UUID line whose mount point holds another filesystem fails; an unreadable UUID is not taken as a match", () => {
    const f = parseLocalMounts(read("bookworm-ext4-conformant.local-mounts.txt"));
    const swapped = { ...f, mounts: f.mounts.map((m) => (m.target === "/mnt/vm-data" ? { ...m, uuid: "8a4dd175-7bec-48e6-aa22-c819e568c1b8" } : m)) };
    expect(judgeLocalMounts([{ path: "/mnt/vm-data", what: ["data disk"] }], swapped)[0]!.actual).toContain("its UUID is 8a4dd175-7bec-48e6-aa22-c819e568c1b8, not c701d573-7df3-4298-8951-5f52b8b89570: another filesystem");
    const unread = { ...f, devices: [], mounts: f.mounts.map((m) => { const { uuid: _u, ...rest } = m; return rest; }) };
    expect(judgeLocalMounts([{ path: "/mnt/vm-data", what: ["data disk"] }], unread)[0]!.actual).toContain("its UUID could not be read");
  });

  it("the disks are found from snapraid.conf: a data directory and a parity file map to their mount points", () => {
    const f = parseLocalMounts(read("bookworm-ext4-conformant.local-mounts.txt"));
    const conf = snapraidConfig("/etc/snapraid.conf").parse(ok(ext4Conf));
    expect(wantedMounts(node, conf).map((w) => w.path)).toEqual(["/mnt/disk1/", "/mnt/disk2/", "/mnt/parity/snapraid.parity", "/mnt/vm-data"]);
    expect(judgeLocalMounts(wantedMounts(node, conf), f)).toEqual([]);
  });
});

describe("BOOT-011 on the lab (systemd; tmpfs disks, the mergerfs pool, vm100's /mnt/vm-data)", () => {
  const spec = byId("BOOT-011");
  const vm102 = { name: "vm102", role: "storage", layer: 1, services: [], ssh: {}, storage: { snapraid: { config: "/etc/snapraid.conf" }, mergerfs: { mountpoint: "/mnt/mergerfs", branches: ["/mnt/disk1", "/mnt/disk2", "/mnt/disk3"] } } } as unknown as NodeDecl;
  const vm100 = { name: "vm100", role: "compute", layer: 2, services: [], ssh: {}, localMounts: [{ path: "/mnt/vm-data", purpose: "VM100's data disk" }] } as unknown as NodeDecl;
  const on102 = (tag: string) => evaluate(spec.meta, spec.def, vm102, factsOf("vm102", [[localMounts, ok(read(`lab-vm102-${tag}.local-mounts.txt`))], [snapraidConfig("/etc/snapraid.conf"), ok(labConf)]])) as { status: string; message?: string };
  const findings = (tag: string) => on102(tag).message!.split("\n").filter((l) => l.startsWith("  - "));

  it("reads the fstab generator's units: SourcePath /etc/fstab, FragmentPath under /run/systemd/generator, started at boot", () => {
    const f = parseLocalMounts(read("lab-vm102-conformant.local-mounts.txt"));
    expect(f.systemd).toBe(true);
    expect(f.units["mnt-disk1.mount"]).toMatchObject({ SourcePath: "/etc/fstab", FragmentPath: "/run/systemd/generator/mnt-disk1.mount", UnitFileState: "generated", What: "tmpfs", Where: "/mnt/disk1", ActiveState: "active" });
    expect(f.mounts.find((m) => m.target === "/mnt/mergerfs")).toMatchObject({ source: "mergerfs", fstype: "fuse.mergerfs" });
  });

  it("the conformant vm102 and vm100 pass, and so does disk 3 from an enabled explicit unit (variant)", () => {
    expect(on102("conformant").status).toBe("passed");
    expect(on102("conformant-after").status).toBe("passed");
    expect(on102("local-mount-explicit-unit").status).toBe("passed");
    const v = evaluate(spec.meta, spec.def, vm100, factsOf("vm100", [[localMounts, ok(read("lab-vm100-conformant.local-mounts.txt"))]])) as { status: string };
    expect(v.status).toBe("passed");
  });

  it("drift local-mount-pool-by-hand: the pool is mounted, with no definition for the next boot", () => {
    expect(findings("local-mount-pool-by-hand")).toEqual([
      "  - /mnt/mergerfs (MergerFS pool) definition: expected an /etc/fstab line (or an enabled .mount unit) for the mount point; actual no /etc/fstab line and no .mount unit file; mounted now from mergerfs (fuse.mergerfs): mounted by hand, gone after the next reboot",
    ]);
  });

  it("drift local-mount-disk-noauto, the explicit unit disabled, and missing-disk each fail on their disk only", () => {
    expect(findings("local-mount-disk-noauto")).toEqual([
      `  - /mnt/disk3 (SnapRAID data disk d3, MergerFS branch) /etc/fstab options: expected mounted at boot (no noauto); actual noauto: systemd's fstab generator does not pull it into local-fs.target, so it is not mounted at boot ("tmpfs  /mnt/disk3   tmpfs  noauto,size=64m,mode=0755  0  0"); mounted now from tmpfs (tmpfs)`,
    ]);
    expect(findings("local-mount-explicit-unit-disabled")).toEqual([
      "  - /mnt/disk3 (SnapRAID data disk d3, MergerFS branch) mnt-disk3.mount: expected started at boot: [Install] WantedBy=local-fs.target and enabled (systemd.mount(5)); actual disabled: not started at boot (systemctl enable mnt-disk3.mount)",
    ]);
    expect(findings("missing-disk")).toEqual([
      "  - /mnt/disk2 (SnapRAID data disk d2, MergerFS branch) definition: expected an /etc/fstab line (or an enabled .mount unit) for the mount point; actual no /etc/fstab line and no .mount unit file; not mounted now either",
    ]);
  });
});
