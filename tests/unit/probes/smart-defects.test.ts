// DATA-025 and the smart-health probe's attribute and self-test fields, on REAL smartctl JSON
// (fixtures/captured/smartctl/README.md says where each came from). The lab has no SMART disks.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import { STORAGE_DEFAULTS, type SmartDecl } from "../../../helpers/inventory/sections/storage.ts";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import { parseSmartctlJson, smartHealth, type SmartDevice } from "../../../helpers/probes/smart.ts";
import { evaluate } from "../../../helpers/spec/evaluate.ts";
import { judgeDefects, selfTestAgeHours } from "../../../specs/data/smart-defects.spec.ts";
import { byId, NO_SCENE } from "../catalog-support.ts";
import { factsOf, inventoryProblems } from "../support.ts";

const dir = new URL("../../../fixtures/captured/smartctl/", import.meta.url);
const read = (f: string) => readFileSync(new URL(f, dir), "utf8");
const exitOf = (f: string) => (JSON.parse(read(f)) as { smartctl: { exit_status: number } }).smartctl.exit_status;
const one = (f: string, d: SmartDevice) => parseSmartctlJson(d, read(f), exitOf(f));
const DEFAULTS = STORAGE_DEFAULTS.smart;
const decl = (devices: SmartDecl["devices"], more: Partial<SmartDecl> = {}): SmartDecl => ({ ...DEFAULTS, ...more, devices });

const FAILING = "smart-prom-next-usbjmicron_a_when_failed_now.json"; // WDC WD3200BEVT, 535 reallocated, 1 pending, read failure
const HEALTHY = "scrutiny-smart-ata.json"; // WDC WD140EDFZ, 0/0/0, short test passed 22 h ago
const WRAPPED = "scrutiny-smart-fail2.json"; // Hitachi at 65592 h, self-test stamped 42 (16-bit)
const MEGARAID = "scrutiny-smart-megaraid1.json"; // 387 reallocated, newest test aborted by host, exit 4
const SUNPLUS = "smart-prom-next-usbsunplus_xall.json"; // -x: extended log, passed 206 h ago, exit 96
const XALL_RUNNING = "smart-prom-next-sat_xall.json"; // -x: a self-test in progress
const OLD_REALLOC = "smartctl_exporter-ST3500418AS_12.json"; // 304 reallocated, PASSED, no self-test log read
const NVME_WARN = "smartctl_exporter-nvme-SAMSUNG_MZWLL3T2HAJQ.json"; // critical warning 0x10, FAILED
const NVME_MEDIA = "scrutiny-smart-nvme-failed.json"; // 7 media errors, PASSED

describe("smartctl -a JSON: defects and self-tests", () => {
  it("a failing ATA disk: reallocated, pending, uncorrectable, the failed self-test with its LBA", () => {
    const h = one(FAILING, { device: "/dev/sdb" });
    expect(h).toMatchObject({ protocol: "ATA", powerOnHours: 16402, reallocated: 535, pending: 1, offlineUncorrectable: 0 });
    expect(h.selfTests![0]).toEqual({ type: "Short offline", status: "Completed: read failure", passed: false, hours: 16402, wraps: true, lba: 494591083 });
  });

  it("a healthy ATA disk; aborted tests have no verdict; -x's extended log; a running test is left out", () => {
    expect(one(HEALTHY, { device: "/dev/sdb" })).toMatchObject({ reallocated: 0, pending: 0, offlineUncorrectable: 0, powerOnHours: 1730 });
    expect(one(HEALTHY, { device: "/dev/sdb" }).selfTests![0]).toMatchObject({ type: "Short offline", passed: true, hours: 1708 });
    const m = one(MEGARAID, { device: "/dev/sda", type: "megaraid,1" });
    expect(m.selfTests!.slice(0, 2)).toEqual([
      { type: "Short offline", status: "Aborted by host", hours: 35990, wraps: true },
      { type: "Short offline", status: "Completed without error", passed: true, hours: 35990, wraps: true },
    ]);
    expect(one(SUNPLUS, { device: "/dev/sdb" }).selfTests![0]).toMatchObject({ passed: true, hours: 3624 });
    const running = one(XALL_RUNNING, { device: "/dev/sda" });
    const raw = (JSON.parse(read(XALL_RUNNING)) as { ata_smart_self_test_log: { extended: { table: Array<{ status: { string: string } }> } } }).ata_smart_self_test_log.extended.table;
    expect(raw[0]!.status.string).toBe("Self-test routine in progress");
    expect(running.selfTests!.length).toBe(raw.length - 1);
  });

  it("NVMe health logs; no self-test log where smartctl read none", () => {
    expect(one(NVME_WARN, { device: "/dev/nvme0" })).toMatchObject({ protocol: "NVMe", passed: false, nvme: { criticalWarning: 16, availableSpare: 100, availableSpareThreshold: 10, mediaErrors: 0 } });
    expect(one(NVME_MEDIA, { device: "/dev/nvme0" }).nvme).toEqual({ criticalWarning: 0, availableSpare: 99, availableSpareThreshold: 10, mediaErrors: 7 });
    expect(one(NVME_MEDIA, { device: "/dev/nvme0" })).not.toHaveProperty("selfTests");
    expect(one(OLD_REALLOC, { device: "/dev/sda" })).toMatchObject({ reallocated: 304, passed: true });
    expect(one(OLD_REALLOC, { device: "/dev/sda" })).not.toHaveProperty("selfTests");
  });

  it("ATA self-test stamps wrap at 65536 power-on hours", () => {
    expect(selfTestAgeHours(65592, 42, true)).toBe(14);
    expect(selfTestAgeHours(1730, 1708, true)).toBe(22);
    expect(selfTestAgeHours(100, 90, false)).toBe(10);
  });
});

describe("DATA-025 judged on the captures", () => {
  const spec = byId("DATA-025");
  const nodeWith = (smart: SmartDecl | undefined) =>
    ({ name: "vm102", role: "storage", layer: 1, services: [], ssh: {}, storage: { snapraid: { config: "/etc/snapraid.conf" }, ...(smart ? { smart } : {}) } }) as unknown as NodeDecl;
  const judge = (items: Array<[SmartDevice & { maxReallocated?: number }, string]>, more: Partial<SmartDecl> = {}) => {
    const smart = decl(items.map(([d]) => d), more);
    const p = smartHealth(smart.devices);
    const stdout = items.map(([d, f]) => `hlc-smart: device ${d.device}${d.type ? ` ${d.type}` : ""}\n${read(f)}\nhlc-smart: exit ${exitOf(f)}\n`).join("");
    const facts: NodeFacts = factsOf("vm102", [[p, { stdout, stderr: "", code: 0 }]]);
    return evaluate(spec.meta, spec.def, nodeWith(smart), facts) as { status: string; message?: string; findings?: Array<{ fix?: string }> };
  };
  const lines = (v: { message?: string }) => v.message!.split("\n").filter((l) => l.startsWith("  - "));

  it("applies where smart is declared; planned on a SnapRAID node without it (the lab's vm102)", () => {
    expect(spec.def.appliesTo(nodeWith(decl([{ device: "/dev/sda" }])), NO_SCENE)).toBe(true);
    expect(spec.def.appliesTo(nodeWith(undefined), NO_SCENE)).toBe(false);
    expect(spec.def.planned!(nodeWith(undefined), NO_SCENE)).toMatch(/^planned in §1\/§6/);
  });

  it("a healthy disk with a self-test 22 h ago passes", () => {
    expect(judge([[{ device: "/dev/sdb" }, HEALTHY]]).status).toBe("passed");
  });

  it("a disk losing sectors whose last self-test failed: each fact its own line", () => {
    const v = judge([[{ device: "/dev/sdb" }, FAILING]]);
    expect(v.status).toBe("failed");
    const fixes = judgeDefects(one(FAILING, { device: "/dev/sdb" }), decl([{ device: "/dev/sdb" }])).map((f) => spec.meta.fix!(f, nodeWith(undefined)));
    expect(fixes[0]).toMatch(/^on vm102: the disk is losing sectors: smartctl -t long \/dev\/sdb, snapraid -d <disk name> check/);
    expect(fixes[2]).toMatch(/^on vm102: smartctl -l selftest \/dev\/sdb names the failing LBA; copy the disk's data off and replace it/);
    const disk = "disk /dev/sdb [WDC WD3200BEVT-60ZCT0, serial WD-WXE708D44602]";
    expect(lines(v)).toEqual([
      `  - ${disk}: expected reallocated sectors (attribute 5 Reallocated_Sector_Ct, raw) at most 0 (storage.smart.maxReallocated); actual 535`,
      `  - ${disk}: expected pending sectors (attribute 197 Current_Pending_Sector, raw) at most 0 (storage.smart.maxPending); actual 1`,
      `  - ${disk}: expected its last completed self-test passed; actual Short offline self-test 0d 0h of power-on time ago (at 16402 h; the disk is at 16402 h): Completed: read failure, first failing LBA 494591083`,
    ]);
  });

  it("an allowance declared for an old disk: its count passes, one more fails; no self-test log read fails", () => {
    const ok = judge([[{ device: "/dev/sda", maxReallocated: 304 }, OLD_REALLOC]]);
    expect(lines(ok)).toEqual([
      "  - disk /dev/sda [ST3500418AS, serial REDACTED]: expected a completed self-test that passed within 31 days of power-on time (storage.smart.maxSelfTestAgeDays); actual no self-test log in smartctl's answer",
    ]);
    const over = judge([[{ device: "/dev/sda" }, OLD_REALLOC]], { maxReallocated: 303 });
    expect(lines(over)[0]).toContain("at most 303 (storage.smart.maxReallocated); actual 304");
  });

  it("a 16-bit self-test stamp past 65535 h reads as 14 h ago, not 7 years", () => {
    const v = judge([[{ device: "/dev/sdc" }, WRAPPED]]);
    expect(lines(v).map((l) => l.replace(/^.*?: expected /, ""))).toEqual([
      "reallocated sectors (attribute 5 Reallocated_Sector_Ct, raw) at most 0 (storage.smart.maxReallocated); actual 1975",
      "pending sectors (attribute 197 Current_Pending_Sector, raw) at most 0 (storage.smart.maxPending); actual 8",
    ]);
  });

  it("a self-test older than the bound fails with the schedule to add; within it passes", () => {
    expect(judge([[{ device: "/dev/sdb" }, SUNPLUS]]).status).toBe("passed");
    const v = judge([[{ device: "/dev/sdb" }, SUNPLUS]], { maxSelfTestAgeDays: 7 });
    expect(lines(v)).toEqual([
      "  - disk /dev/sdb [SAMSUNG HD204UI, serial S2H7J9FB203635]: expected a completed self-test that passed within 7 days of power-on time (storage.smart.maxSelfTestAgeDays); actual last passed Extended offline self-test 8d 14h of power-on time ago (at 3624 h; the disk is at 3830 h)",
    ]);
    const fix = spec.meta.fix!({ subject: "disk /dev/sdb [x]", expected: "a completed self-test that passed within 7 days", actual: "" }, nodeWith(undefined));
    expect(fix).toBe("on vm102: smartctl -t long /dev/sdb now (read the result with smartctl -l selftest /dev/sdb when it ends), and schedule tests in /etc/smartd.conf: /dev/sdb -a -s (S/../.././02|L/../../6/03) -m root, then systemctl restart smartd");
  });

  it("a disk whose SMART command failed (exit bit 2) is not read, as in DATA-010; its log, read alone, is judged on its newest completed test", () => {
    const v = judge([[{ device: "/dev/sda", type: "megaraid,1" }, MEGARAID]]);
    expect(lines(v)).toEqual([
      `  - disk /dev/sda (-d megaraid,1) [${named(MEGARAID)}]: expected SMART attributes and self-test log read; actual not read (smartctl exit status 4: bit 2: a SMART or other command to the disk failed): Warning: This result is based on an Attribute check.`,
    ]);
    // The same answer had bit 2 not been set: 387 reallocated, the aborted test skipped, the one before it 74 days old.
    const h = { ...one(MEGARAID, { device: "/dev/sda", type: "megaraid,1" }), exitStatus: 0 };
    expect(judgeDefects(h, decl([{ device: "/dev/sda", type: "megaraid,1" }])).map((f) => f.actual)).toEqual([
      "387",
      "last passed Short offline self-test 74d 22h of power-on time ago (at 35990 h; the disk is at 37788 h)",
    ]);
  });

  it("NVMe: a critical warning, media errors, and no self-test log before smartmontools 7.4", () => {
    const v = judge([[{ device: "/dev/nvme0" }, NVME_WARN], [{ device: "/dev/nvme1" }, NVME_MEDIA]]);
    expect(lines(v).map((l) => l.replace(/^  - disk (\S+).*?: expected /, "$1: ")).map((l) => l.replace(/ \(storage\.smart\.\w+\)/, ""))).toEqual([
      "/dev/nvme0: NVMe critical warning 0x00; actual 0x10: volatile memory backup device failed",
      "/dev/nvme0: a completed self-test that passed within 31 days of power-on time; actual no self-test log in smartctl's answer (smartctl reads an NVMe self-test log from smartmontools 7.4 on)",
      "/dev/nvme1: NVMe media and data integrity errors at most 0; actual 7",
      "/dev/nvme1: a completed self-test that passed within 31 days of power-on time; actual no self-test log in smartctl's answer (smartctl reads an NVMe self-test log from smartmontools 7.4 on)",
    ]);
  });

  it("SMART unreadable (a virtio disk: what DATA-010 fails as unreadable) fails here too; no smartctl fails", () => {
    const v = judge([[{ device: "/dev/vda" }, "virtio-vda.a.json"]]);
    expect(lines(v)).toEqual([
      "  - disk /dev/vda: expected SMART attributes and self-test log read; actual not read (smartctl exit status 1: bit 0: command line did not parse): /dev/vda: Unable to detect device type",
    ]);
    const fixes = judgeDefects(one("virtio-vda.a.json", { device: "/dev/vda" }), decl([{ device: "/dev/vda" }])).map((f) => spec.meta.fix!(f, nodeWith(undefined)));
    expect(fixes).toEqual(["on vm102: smartctl -a /dev/vda must show the disk's attributes and logs; pass the disk (its controller) through to this node or set storage.smart.devices[].type"]);
    const smart = decl([{ device: "/dev/sda" }]);
    const none = evaluate(spec.meta, spec.def, nodeWith(smart), factsOf("vm102", [[smartHealth(smart.devices), { stdout: "hlc-smart: no smartctl\n", stderr: "", code: 0 }]])) as { message: string };
    expect(none.message).toContain("smartctl: expected installed (smartmontools ≥ 7.0); actual not found on the node");
  });
});

function named(f: string): string {
  const j = JSON.parse(read(f)) as { model_name: string; serial_number: string };
  return `${j.model_name}, serial ${j.serial_number}`;
}

describe("smart allowances in the inventory", () => {
  const inv = (smart: string) =>
    parseInventory(`version: 1\nnodes:\n  - name: pve\n    role: hypervisor\n    layer: 0\n    ssh: { host: h, agent: true }\n    storage:\n      smart:\n${smart}`, "/srv/inv.yaml");
  it("defaults 0/0/0 and 31 days; a node bound and a per-disk reallocated allowance", () => {
    expect(inv("        devices: [{ device: /dev/sda }]\n").nodes[0]!.storage!.smart).toEqual({ devices: [{ device: "/dev/sda" }], maxReallocated: 0, maxPending: 0, maxUncorrectable: 0, maxSelfTestAgeDays: 31 });
    expect(inv("        maxSelfTestAgeDays: 8\n        maxPending: 2\n        devices: [{ device: /dev/sda, maxReallocated: 12 }]\n").nodes[0]!.storage!.smart).toEqual({
      devices: [{ device: "/dev/sda", maxReallocated: 12 }], maxReallocated: 0, maxPending: 2, maxUncorrectable: 0, maxSelfTestAgeDays: 8,
    });
  });
  it("rejects a negative allowance and a zero-day self-test bound", () => {
    expect(inventoryProblems(() => inv("        maxSelfTestAgeDays: 0\n        devices: [{ device: /dev/sda }]\n"))).toMatch(/maxSelfTestAgeDays/);
    expect(inventoryProblems(() => inv("        devices: [{ device: /dev/sda, maxReallocated: -1 }]\n"))).toMatch(/maxReallocated/);
  });
});
