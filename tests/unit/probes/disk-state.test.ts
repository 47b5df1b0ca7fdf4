// DATA-021 and its probe on REAL output (fixtures/captured/disks/): the probe's command run on this
// machine (kernel 6.18, util-linux 2.38) against real ext4 filesystems on loop devices made with
// mke2fs: one mounted errors=remount-ro and given a real ext4 error through
// /sys/fs/ext4/<dev>/trigger_fs_error (the kernel logged it, counted it and went read-only), one
// remounted ro by hand. The lab's disks are tmpfs, with no ext4 to fail: its drift remounts one ro.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import { diskState, parseDiskState, readOnlyBecause } from "../../../helpers/probes/disk-state.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { evaluate } from "../../../helpers/spec/evaluate.ts";
import { declared, type Declared } from "../catalog-support.ts";
import { factsOf } from "../support.ts";

const dir = new URL("../../../fixtures/captured/disks/", import.meta.url);
const read = (f: string) => readFileSync(new URL(f, dir), "utf8");
const ok = (stdout: string) => ({ stdout, stderr: "", code: 0 });

describe("disk-state probe", () => {
  it("a real ext4 error: emergency_ro in the filesystem's options while the VFS still says rw, errors_count 1, the kernel's lines", () => {
    const f = parseDiskState(ok(read("host-ext4-error.stdout.txt")));
    expect(f.entries.map((e) => [e.role, e.path, e.mount?.target, e.mount?.majMin])).toEqual([
      ["root", "/", "/", "254:0"],
      ["parity", "/mnt/hlc-parity/snapraid.parity", "/mnt/hlc-parity", "7:1"],
      ["data", "/mnt/hlc-disk1/", "/mnt/hlc-disk1", "7:0"],
    ]);
    const disk1 = f.entries[2]!.mount!;
    expect(disk1.options).toEqual(["rw", "relatime", "errors=remount-ro", "emergency_ro"]);
    expect(readOnlyBecause(disk1)).toMatch(/^emergency_ro/);
    expect(readOnlyBecause(f.entries[1]!.mount!)).toBeUndefined();
    expect(f.ext4).toEqual([
      { device: "loop0", majMin: "7:0", errors: 1, firstErrorTime: 1796530205, lastErrorTime: 1796530205 },
      { device: "loop1", majMin: "7:1", errors: 0, firstErrorTime: 0, lastErrorTime: 0 },
      { device: "vda", majMin: "254:0", errors: 0, firstErrorTime: 0, lastErrorTime: 0 },
    ]);
    expect(f.kernel).toMatchObject({ readable: true });
    expect(f.kernel.readable && f.kernel.lines.at(-1)).toBe("[  929.428685] EXT4-fs (loop0): Remounting filesystem read-only");
  });

  it("the same /proc/self/mountinfo line shows why `ro` alone is not enough", () => {
    // Field 6 (VFS options) rw, super options after " - ext4 /dev/loop0 ".
    expect(read("ext4-emergency-ro.mountinfo.txt")).toMatch(/ \/tmp\/e4m rw,relatime - ext4 \/dev\/loop0 rw,errors=remount-ro,emergency_ro/);
  });

  it("a remount ro by hand", () => {
    const f = parseDiskState(ok(read("host-remount-ro.stdout.txt")));
    expect(readOnlyBecause(f.entries[1]!.mount!)).toBe("mounted ro");
  });

  it("dmesg refused (a container without CAP_SYSLOG) is a reason, not a crash; broken output is refused", () => {
    const f = parseDiskState(ok('@@hlc-disk path root /\n{"filesystems": [{"target": "/", "source": "overlay", "fstype": "overlay", "options": "rw,relatime", "maj:min": "0:52"}]}\n@@hlc-disk ext4\n@@hlc-disk kernel\n@@hlc-disk-unreadable dmesg: read kernel buffer failed: Operation not permitted\n'));
    expect(f.kernel).toEqual({ readable: false, reason: "dmesg: read kernel buffer failed: Operation not permitted" });
    expect(() => parseDiskState(ok("@@hlc-disk path root /\n{}\n@@hlc-disk ext4\n"))).toThrow(ProbeParseError);
    expect(() => parseDiskState(ok("@@hlc-disk path root /\n@@hlc-disk ext4\nloop0 x 1 0 0\n@@hlc-disk kernel\n"))).toThrow(/not an ext4 error line/);
    expect(() => parseDiskState(ok("@@hlc-disk ext4\n@@hlc-disk kernel\n"))).toThrow(/no root/);
    expect(() => parseDiskState({ stdout: "", stderr: "x", code: 1 })).toThrow(/exited 1/);
    expect(diskState({ pool: "/mnt/mergerfs" }).command).toContain("findmnt -J -T \"$q\" -o TARGET,SOURCE,FSTYPE,OPTIONS,MAJ:MIN");
  });
});

describe("DATA-021 on the captures", () => {
  let spec: Declared;
  beforeAll(async () => {
    spec = declared.find((d) => d.meta.id === "DATA-021")!;
  });
  const node = { name: "vm102", role: "storage", layer: 1, services: [], ssh: {} } as unknown as NodeDecl;
  const judge = (file: string) => evaluate(spec.meta, spec.def, node, factsOf("vm102", [[diskState({}), ok(read(file))]])) as { status: string; message?: string };

  it("the failing ext4 data disk fails twice (read-only, error counted) and the kernel's last line is quoted", () => {
    const v = judge("host-ext4-error.stdout.txt");
    expect(v.status).toBe("failed");
    expect(v.message!.split("\n").slice(1, 4)).toEqual([
      "  - /mnt/hlc-disk1/ (SnapRAID data disk) on /mnt/hlc-disk1 (ext4 on /dev/loop0): expected mounted read-write; actual read-only: emergency_ro: the filesystem hit an error and went read-only (errors=remount-ro), though the VFS still says rw (options rw,relatime,errors=remount-ro,emergency_ro); §4.1: check the disk (smartctl, the kernel log) before remounting",
      "  - ext4 on /dev/loop0 (/mnt/hlc-disk1): expected errors_count 0; actual 1 filesystem error(s) recorded, first 2026-12-06T04:10:05Z, last 2026-12-06T04:10:05Z: run e2fsck on it unmounted (§4.1)",
      "  - kernel log since boot: expected no disk or filesystem errors; actual 6 line(s), last: [  929.428685] EXT4-fs (loop0): Remounting filesystem read-only",
    ]);
  });

  it("a parity disk remounted ro fails; a clean node passes", () => {
    expect(judge("host-remount-ro.stdout.txt").message).toContain("/mnt/hlc-parity/snapraid.parity (SnapRAID parity) on /mnt/hlc-parity (ext4 on /dev/loop1): expected mounted read-write; actual read-only: mounted ro");
    const clean = read("host-ext4-error.stdout.txt").replace("errors=remount-ro,emergency_ro", "errors=remount-ro").replace("loop0 7:0 1 1796530205 1796530205", "loop0 7:0 0 0 0");
    expect((evaluate(spec.meta, spec.def, node, factsOf("vm102", [[diskState({}), ok(clean)]])) as { status: string }).status).toBe("passed");
  });
});

describe("the lab's vm102 (captured): tmpfs disks, no ext4 of its own, dmesg refused", () => {
  it("reads every array path's mount, keeps the refusal as the kernel log's reason, and passes", async () => {
    const f = parseDiskState(ok(read("lab-vm102.stdout.txt")));
    expect(f.entries.map((e) => `${e.role} ${e.mount?.target} ${e.mount?.fstype}`)).toEqual([
      "root / overlay",
      "pool /mnt/mergerfs fuse.mergerfs",
      "branch /mnt/disk1 tmpfs",
      "branch /mnt/disk2 tmpfs",
      "branch /mnt/disk3 tmpfs",
      "parity /mnt/parity tmpfs",
      "data /mnt/disk1 tmpfs",
      "data /mnt/disk2 tmpfs",
      "data /mnt/disk3 tmpfs",
    ]);
    expect(f.ext4).toEqual([{ device: "vda", majMin: "254:0", errors: 0, firstErrorTime: 0, lastErrorTime: 0 }]);
    expect(f.kernel).toEqual({ readable: false, reason: "dmesg: read kernel buffer failed: Operation not permitted" });
    const { judgeDiskState } = await import("../../../specs/data/disk-errors.spec.ts");
    expect(judgeDiskState(f)).toEqual([]);
  });
});
