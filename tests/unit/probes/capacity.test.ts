// DATA-020 and its probe on REAL output (fixtures/captured/capacity/): the probe's command run on
// this machine (Debian 12, coreutils 9.1 df, util-linux 2.38 findmnt) with two real ext4
// filesystems on loop devices made with mke2fs — one filled to 92 % of its blocks, one with every
// inode used (mke2fs -N 64, 64 empty files) — and later on the lab's vm102.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import { capacity, humanBytes, parseCapacity, parseDfRow, usePercent, type CapacityFact } from "../../../helpers/probes/capacity.ts";
import { capacityTrendQuery, describeTrend, parseCapacityTrend } from "../../../helpers/probes/capacity-trend.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { evaluate } from "../../../helpers/spec/evaluate.ts";
import { declared, type Declared } from "../catalog-support.ts";
import { NO_SCENE } from "../catalog-support.ts";
import { factsOf, inventoryProblems } from "../support.ts";

const dir = new URL("../../../fixtures/captured/capacity/", import.meta.url);
const read = (f: string) => readFileSync(new URL(f, dir), "utf8");
const ok = (stdout: string) => ({ stdout, stderr: "", code: 0 });

describe("capacity probe", () => {
  it("parses the captured host run: root, two loop ext4 disks, a declared tmpfs, parity and data", () => {
    const f = parseCapacity(ok(read("host-loop-disks.stdout.txt")));
    expect(f.entries.map((e) => [e.role, e.path, e.fs?.target])).toEqual([
      ["root", "/", "/"],
      ["mounted", "/mnt/hlc-disk1", "/mnt/hlc-disk1"],
      ["mounted", "/mnt/hlc-disk2", "/mnt/hlc-disk2"],
      ["declared", "/dev/shm", "/dev/shm"],
      ["parity", "/mnt/hlc-disk2/snapraid.parity", "/mnt/hlc-disk2"],
      ["data", "/mnt/hlc-disk1/", "/mnt/hlc-disk1"],
    ]);
    expect(f.entries[1]!.fs).toEqual({ source: "/dev/loop0", fstype: "ext4", size: 26464256, used: 22016000, avail: 2100224, itotal: 8192, iused: 12, iavail: 8180, target: "/mnt/hlc-disk1" });
  });

  it("computes Use% the way df does (rounded up over used + available): 92 % as df printed for the same disk", () => {
    // `df /mnt/hlc-disk1` on the same disk printed 92% (1K-blocks 25844, Used 21500, Available 2051).
    expect(usePercent(22016000, 2100224)).toBe(92);
    expect(usePercent(64, 0)).toBe(100);
    expect(usePercent(0, 0)).toBeUndefined();
    expect(humanBytes(22016000)).toBe("21.0 MiB");
    expect(humanBytes(512)).toBe("512 B");
  });

  it("keeps df's complaint for a path it cannot read", () => {
    const f = parseCapacity(ok(read("host-small-parity.stdout.txt")));
    expect(f.entries.find((e) => e.role === "declared")).toEqual({ role: "declared", path: "/mnt/hlc-nothing", error: "df: /mnt/hlc-nothing: No such file or directory" });
  });

  it("refuses what it cannot read", () => {
    expect(() => parseCapacity(ok(""))).toThrow(/no root filesystem/);
    expect(() => parseCapacity(ok("garbage\n"))).toThrow(ProbeParseError);
    expect(() => parseCapacity(ok("@@hlc-capacity bogus /x\n"))).toThrow(/unknown entry/);
    expect(() => parseCapacity({ stdout: "", stderr: "boom", code: 2 })).toThrow(/exited 2/);
    expect(() => parseDfRow("/dev/sda1 ext4 12 x 3 4 5 6 /")).toThrow(ProbeParseError);
    expect(parseDfRow("mergerfs fuse.mergerfs 201326592 0 201326592 0 - - /mnt/my pool").target).toBe("/mnt/my pool");
  });

  it("the command picks whole, real filesystems and the declared paths", () => {
    const c = capacity({ declared: ["/srv/data"], pool: "/mnt/mergerfs", branches: ["/mnt/disk1"], snapraidConf: "/etc/snapraid.conf" }).command;
    expect(c).toContain("findmnt -rn -o TARGET,FSTYPE,FSROOT");
    expect(c).toContain("'declared /srv/data' 'pool /mnt/mergerfs' 'branch /mnt/disk1'");
    expect(c).toContain("timeout 10 df -B1 --output=source,fstype,size,used,avail,itotal,iused,iavail,target");
    expect(c).toMatch(/ tmpfs .* overlay .* cifs /);
  });
});

describe("DATA-020 on the captures", () => {
  let spec: Declared;
  beforeAll(async () => {
    spec = declared.find((d) => d.meta.id === "DATA-020")!;
  });
  const node = (capacityYaml = "") =>
    parseInventory(`version: 1\nnodes:\n  - name: vm102\n    role: storage\n    layer: 1\n    ssh: { host: h, agent: true }\n${capacityYaml}`, "/srv/inv.yaml").nodes[0]! as NodeDecl;
  const judge = (n: NodeDecl, file: string) => {
    const p = capacity({});
    return evaluate(spec.meta, spec.def, n, factsOf("vm102", [[p, ok(read(file))]])) as { status: string; message?: string };
  };

  it("applies to every node, declared or not", () => {
    expect(spec.def.appliesTo(node(), NO_SCENE)).toBe(true);
  });

  it("defaults (85 % / 90 %): the 92 % disk and the disk with no inode left fail, with used/free in human units", () => {
    const v = judge(node(), "host-loop-disks.stdout.txt");
    expect(v.status).toBe("failed");
    expect(v.message!.split("\n").slice(1)).toEqual([
      "  - filesystem /mnt/hlc-disk1 (ext4 on /dev/loop0; mounted, SnapRAID data disk): expected at most 85 % of its blocks in use; actual 92 % in use: 21.0 MiB used of 23.0 MiB usable (25.2 MiB in all), 2.0 MiB free",
      "  - filesystem /mnt/hlc-disk2 (ext4 on /dev/loop1; mounted, SnapRAID parity): expected at most 90 % of its inodes in use; actual 100 % of inodes in use: 64 of 64, 0 free (no new file can be created once none is left, whatever the free space)",
    ]);
  });

  it("per-filesystem thresholds and ignore entries hold", () => {
    const v = judge(
      node("    capacity:\n      filesystems: [{ path: /mnt/hlc-disk1, maxUsedPercent: 95 }]\n      ignore: [{ path: /mnt/hlc-disk2, reason: test disk full of empty files }]\n"),
      "host-loop-disks.stdout.txt",
    );
    expect(v.status).toBe("passed");
    // A node-wide threshold low enough catches the root disk too.
    const low = judge(node("    capacity: { maxUsedPercent: 20, filesystems: [{ path: /mnt/hlc-disk1, maxUsedPercent: 95 }], ignore: [{ path: /mnt/hlc-disk2, reason: r }] }\n"), "host-loop-disks.stdout.txt");
    expect(low.message).toMatch(/filesystem \/ \(ext4 on \/dev\/vda; root filesystem\): expected at most 20 % of its blocks in use; actual 24 % in use/);
  });

  it("a parity disk smaller than the largest data disk fails, as does a declared path df cannot read", () => {
    const v = judge(node("    capacity: { ignore: [{ path: /mnt/hlc-disk1, reason: r }, { path: /mnt/hlc-disk2, reason: r }] }\n"), "host-small-parity.stdout.txt");
    expect(v.message!.split("\n").slice(1)).toEqual([
      "  - /mnt/hlc-nothing (declared in capacity.filesystems): expected its filesystem readable by df; actual not read: df: /mnt/hlc-nothing: No such file or directory",
      "  - SnapRAID parity /mnt/hlc-disk1/snapraid.parity on /mnt/hlc-disk1: expected at least as large as the largest data disk, /mnt/hlc-disk2/ on /mnt/hlc-disk2 (27.2 MiB); actual 25.2 MiB: once that data disk fills, sync cannot write its parity",
    ]);
  });
});

describe("capacity in the inventory", () => {
  const problems = (y: string) =>
    inventoryProblems(() => parseInventory(`version: 1\nnodes:\n  - name: pve\n    role: hypervisor\n    layer: 0\n    ssh: { host: h, agent: true }\n    capacity:\n${y}`, "/srv/inv.yaml"));
  it("thresholds are percentages; a filesystem once; not both judged and ignored", () => {
    expect(problems("      maxUsedPercent: 80\n")).toBe("");
    expect(problems("      maxUsedPercent: 180\n")).toMatch(/maxUsedPercent/);
    expect(problems("      filesystems: [{ path: /srv }, { path: /srv/ }]\n")).toMatch(/filesystems\[1\]/);
    expect(problems("      filesystems: [{ path: /srv }]\n      ignore: [{ path: /srv, reason: r }]\n")).toMatch(/must not also be in capacity.filesystems/);
    expect(problems("      ignore: [{ path: /srv }]\n")).toMatch(/reason/);
  });
});

describe("the lab's vm102 (captured): tmpfs disks, MergerFS pool, overlay root", () => {
  it("every array path is read; nothing is near full: DATA-020 passes", async () => {
    const f = parseCapacity(ok(read("lab-vm102.stdout.txt")));
    expect(f.entries.map((e) => `${e.role} ${e.path} -> ${e.fs?.fstype} ${e.fs?.target}`)).toEqual([
      "root / -> overlay /",
      "mounted /mnt/mergerfs -> fuse.mergerfs /mnt/mergerfs",
      "pool /mnt/mergerfs -> fuse.mergerfs /mnt/mergerfs",
      "branch /mnt/disk1 -> tmpfs /mnt/disk1",
      "branch /mnt/disk2 -> tmpfs /mnt/disk2",
      "branch /mnt/disk3 -> tmpfs /mnt/disk3",
      "parity /mnt/parity/snapraid.parity -> tmpfs /mnt/parity",
      "data /mnt/disk1/ -> tmpfs /mnt/disk1",
      "data /mnt/disk2/ -> tmpfs /mnt/disk2",
      "data /mnt/disk3/ -> tmpfs /mnt/disk3",
    ]);
    const { judgeCapacity } = await import("../../../specs/data/capacity.spec.ts");
    expect(judgeCapacity({ name: "vm102" } as NodeDecl, f)).toEqual([]);
  });
});

describe("the trend in DATA-020's message, from the lab's Prometheus (its real answer, captured)", () => {
  const answer = readFileSync(new URL("../../../fixtures/captured/probes/prometheus-capacity-trend-lab.json", import.meta.url), "utf8");
  const trends = parseCapacityTrend("node", answer, "", 0);
  const GiB = 1024 ** 3;
  // A filesystem over its threshold where the capture has a series: lxc200's /etc/hostname (the lab host's disk).
  const nearlyFull = (target: string): CapacityFact => ({
    entries: [{ role: "root", path: target, fs: { source: "/dev/vda", fstype: "ext4", size: 100 * GiB, used: 95 * GiB, avail: 5 * GiB, itotal: 0, iused: 0, iavail: 0, target } }],
  });

  it("reads a slope and the history it rests on per node and mount point", () => {
    const t = trends.find((x) => x.node === "lxc200" && x.mountpoint === "/etc/hostname")!;
    expect(t.slope).toBeCloseTo(-39113.31, 1);
    expect(t.span).toBeCloseTo(1033.8, 0);
    expect(capacityTrendQuery("node")).toContain('deriv(node_filesystem_avail_bytes{node!=""}[7d])');
  });

  it("a finding over the threshold says how fast the filesystem fills, and that ~17 min of history is little", async () => {
    const { judgeCapacity } = await import("../../../specs/data/capacity.spec.ts");
    const [f] = judgeCapacity({ name: "lxc200" } as NodeDecl, nearlyFull("/etc/hostname"), { trends });
    expect(f!.actual).toBe(
      "95 % in use: 95.0 GiB used of 100.0 GiB usable (100.0 GiB in all), 5.0 GiB free; trend over the last 17 min: losing 3.1 GiB a day, full in ~2 days at that rate (less than a day of history: a rough guide)",
    );
    // No series for the mount point (the lab's tmpfs disks: node-exporter leaves tmpfs out), Prometheus not read, none declared.
    expect(judgeCapacity({ name: "vm102" } as NodeDecl, nearlyFull("/mnt/disk1"), { trends })[0]!.actual).toMatch(/; no trend: Prometheus holds no node_filesystem_avail_bytes series for it$/);
    expect(judgeCapacity({ name: "vm102" } as NodeDecl, nearlyFull("/mnt/disk1"), { why: "Prometheus not read (lxc200: unreachable)" })[0]!.actual).toMatch(/; no trend: Prometheus not read \(lxc200: unreachable\)$/);
    expect(judgeCapacity({ name: "vm102" } as NodeDecl, nearlyFull("/mnt/disk1"))[0]!.actual).toMatch(/ 5\.0 GiB free$/);
  });

  it("words the trend: steady, gaining, hours to full, weeks of history", () => {
    const h = humanBytes;
    expect(describeTrend({ node: "n", mountpoint: "/", slope: 1, span: 30 * 86400 }, GiB, h)).toBe("trend over the last 30 d: steady (under 1 MiB a day)");
    expect(describeTrend({ node: "n", mountpoint: "/", slope: GiB / 86400, span: 7 * 86400 }, GiB, h)).toBe("trend over the last 7 d: gaining 1.0 GiB of free space a day");
    expect(describeTrend({ node: "n", mountpoint: "/", slope: (-24 * GiB) / 86400, span: 7 * 86400 }, GiB, h)).toBe("trend over the last 7 d: losing 24.0 GiB a day, full in ~1 h at that rate");
    expect(() => parseCapacityTrend("node", "<html>", "", 0)).toThrow(ProbeParseError);
    expect(() => parseCapacityTrend("node", "", "curl: (7) Failed to connect", 7)).toThrow(/exit 7/);
  });
});
