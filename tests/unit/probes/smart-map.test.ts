// DATA-026 and its smart-map probe on REAL output: the probe's own command run on this machine
// against a snapraid.conf whose disks are loop devices (one partitioned, one whole), a tmpfs and
// a directory on the root disk (fixtures/captured/smart-map/README.md). The lab has no block
// devices in its containers, so this is where the kernel's view of the mapping is proven.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { STORAGE_DEFAULTS, type SmartDecl } from "../../../helpers/inventory/sections/storage.ts";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import { covers, parseSmartMap, smartMap } from "../../../helpers/probes/smart-map.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { evaluate } from "../../../helpers/spec/evaluate.ts";
import { judgeCoverage } from "../../../specs/data/smart-coverage.spec.ts";
import { byId, NO_SCENE } from "../catalog-support.ts";
import { factsOf } from "../support.ts";

const dir = new URL("../../../fixtures/captured/smart-map/", import.meta.url);
const read = (f: string) => readFileSync(new URL(f, dir), "utf8");
const parse = (f: string) => parseSmartMap({ stdout: read(f), stderr: "", code: 0 });
const CONF = "/tmp/hlc-smap/snapraid.conf";

describe("smart-map parser (captured on this machine)", () => {
  it("each SnapRAID path to its filesystem's source and whole disk; each declared device to its whole disk", () => {
    const f = parse("loop-host.stdout.txt");
    expect(f.confReadable).toBe(true);
    expect(f.array).toEqual([
      { role: "parity", path: "/tmp/hlc-smap/parity/snapraid.parity", source: "/dev/vda", disks: [{ name: "vda", type: "disk" }] },
      { role: "data", path: "/tmp/hlc-smap/disk1/", source: "/dev/loop4p1", disks: [{ name: "loop4", type: "loop" }] },
      { role: "data", path: "/tmp/hlc-smap/disk2", source: "/dev/loop5", disks: [{ name: "loop5", type: "loop" }] },
      { role: "data", path: "/tmp/hlc-smap/disk3/", source: "tmpfs", disks: [], error: "not a block device" },
    ]);
    expect(f.devices).toEqual([
      { device: "/dev/vda", resolved: "/dev/vda", disks: [{ name: "vda", type: "disk" }] },
      { device: "/dev/loop4p1", resolved: "/dev/loop4p1", disks: [{ name: "loop4", type: "loop" }] },
      { device: "/dev/sdz", resolved: "/dev/sdz", disks: [], error: "no such block device" },
    ]);
    expect(f.byId).toEqual({});
  });

  it("an unreadable snapraid.conf is said; a cut-off or broken answer refuses", () => {
    expect(parse("no-conf.stdout.txt")).toMatchObject({ confReadable: false, array: [] });
    const full = read("loop-host.stdout.txt");
    expect(() => parseSmartMap({ stdout: full.slice(0, full.indexOf("@@hlc-smap byid")), stderr: "", code: 0 })).toThrow(/cut off/);
    expect(() => parseSmartMap({ stdout: "", stderr: "x", code: 1 })).toThrow(ProbeParseError);
    expect(() => parseSmartMap({ stdout: "@@hlc-smap disk data /a\n{not json\n@@hlc-smap byid\n", stderr: "", code: 0 })).toThrow(/not JSON/);
    expect(() => parseSmartMap({ stdout: "@@hlc-smap byid\nsdb /dev/sdb\n", stderr: "", code: 0 })).toThrow(/by-id/);
  });

  it("by-id lines; an NVMe controller covers its namespaces", () => {
    const f = parseSmartMap({ stdout: "@@hlc-smap dev /dev/nvme0\n@@hlc-smap resolved /dev/nvme0\n@@hlc-smap char\n@@hlc-smap byid\nsdb /dev/disk/by-id/ata-WDC_WD40EFRX-68N32N0_WD-WCC7K1234567\n", stderr: "", code: 0 });
    expect(f.byId).toEqual({ sdb: ["/dev/disk/by-id/ata-WDC_WD40EFRX-68N32N0_WD-WCC7K1234567"] });
    const ctrl = f.devices[0]!.disks[0]!;
    expect([covers(ctrl, "nvme0n1"), covers(ctrl, "nvme0n2"), covers(ctrl, "nvme1n1"), covers(ctrl, "nvme0")]).toEqual([true, true, false, false]);
  });

  it("the command reads snapraid.conf as DATA-020/021 do and quotes the declared devices", () => {
    const c = smartMap("/etc/snapraid.conf", ["/dev/disk/by-id/ata-X Y"]).command;
    expect(c).toContain("findmnt -n -o SOURCE -T");
    expect(c).toContain("lsblk -J -s -o NAME,PATH,TYPE");
    expect(c).toContain("readlink -f -- '/dev/disk/by-id/ata-X Y'");
  });
});

describe("DATA-026 judged on the captures", () => {
  const spec = byId("DATA-026");
  const smart = (devices: string[]): SmartDecl => ({ ...STORAGE_DEFAULTS.smart, devices: devices.map((device) => ({ device })) });
  const nodeWith = (s: SmartDecl | undefined, conf = CONF) =>
    ({ name: "vm102", role: "storage", layer: 1, services: [], ssh: {}, storage: { snapraid: { config: conf }, ...(s ? { smart: s } : {}) } }) as unknown as NodeDecl;
  const judge = (file: string, s: SmartDecl, conf = CONF) => {
    const node = nodeWith(s, conf);
    const p = smartMap(conf, s.devices.map((d) => d.device));
    return evaluate(spec.meta, spec.def, node, factsOf("vm102", [[p, { stdout: read(file), stderr: "", code: 0 }]])) as { status: string; message?: string };
  };

  it("planned on a SnapRAID node without smart (the lab's vm102), not applicable without SnapRAID", () => {
    expect(spec.def.appliesTo(nodeWith(undefined), NO_SCENE)).toBe(false);
    expect(spec.def.planned!(nodeWith(undefined), NO_SCENE)).toMatch(/^planned in §1\/§7/);
    expect(spec.def.appliesTo({ ...nodeWith(smart(["/dev/sda"])), storage: { smart: smart(["/dev/sda"]) } } as NodeDecl, NO_SCENE)).toBe(false);
  });

  it("every disk of the array covered (a declared whole disk under a partition's filesystem too): passes", () => {
    expect(judge("loop-host-covered.stdout.txt", smart(["/dev/vda", "/dev/loop4", "/dev/loop5"]), "/tmp/hlc-smap/snapraid-covered.conf").status).toBe("passed");
  });

  it("a disk no declared device resolves to, and a data disk on no block device, fail naming them", () => {
    const v = judge("loop-host.stdout.txt", smart(["/dev/vda", "/dev/loop4p1", "/dev/sdz"]));
    expect(v.status).toBe("failed");
    expect(v.message!.split("\n").filter((l) => l.startsWith("  - "))).toEqual([
      "  - /tmp/hlc-smap/disk2 (SnapRAID data disk): expected its whole disk(s) declared in storage.smart.devices; actual on /dev/loop5 → /dev/loop5 (loop), which no declared SMART device resolves to; unresolved declared devices: /dev/sdz (no such block device)",
      "  - /tmp/hlc-smap/disk3/ (SnapRAID data disk): expected its whole disk(s) declared in storage.smart.devices; actual its disk not found: filesystem on tmpfs: not a block device",
    ]);
  });

  it("the fix names the device to declare, by-id when the node has one", () => {
    const f = judgeCoverage(
      { confReadable: true, array: [{ role: "data", path: "/mnt/disk1", source: "/dev/sdb1", disks: [{ name: "sdb", type: "disk" }] }], devices: [], byId: { sdb: ["/dev/disk/by-id/ata-WDC_WD40EFRX-68N32N0_WD-WCC7K1234567"] } },
      "/etc/snapraid.conf",
    );
    expect(f[0]!.actual).toBe("on /dev/sdb1 → /dev/sdb = /dev/disk/by-id/ata-WDC_WD40EFRX-68N32N0_WD-WCC7K1234567, which no declared SMART device resolves to");
    expect(spec.meta.fix!(f[0]!, nodeWith(undefined))).toBe(
      "add to vm102's storage.smart.devices: - device: /dev/disk/by-id/ata-WDC_WD40EFRX-68N32N0_WD-WCC7K1234567 (a /dev/disk/by-id name survives reordering; ls -l /dev/disk/by-id | grep sdb)",
    );
  });

  it("an unreadable snapraid.conf fails instead of passing an empty array", () => {
    const v = judge("no-conf.stdout.txt", smart(["/dev/vda"]), "/tmp/hlc-smap/missing.conf");
    expect(v.message).toContain("/tmp/hlc-smap/missing.conf: expected readable (its data and parity lines name the array's disks); actual not readable");
  });
});
