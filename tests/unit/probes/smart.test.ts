// DATA-010 and its probe on REAL smartctl JSON (fixtures/captured/smartctl/: this host's virtio
// disk, and published outputs of a failing Hitachi, a healthy Samsung NVMe, an unopenable disk).
// The lab has no SMART disks, so this is where the parser and the spec are proven.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import { STORAGE_DEFAULTS, type SmartDecl } from "../../../helpers/inventory/sections/storage.ts";

const SMART_DEFAULTS = STORAGE_DEFAULTS.smart;
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import { exitBits, parseSmartctlJson, parseSmartOutput, smartHealth, type SmartDevice } from "../../../helpers/probes/smart.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { evaluate } from "../../../helpers/spec/evaluate.ts";
import { factsOf, inventoryProblems } from "../support.ts";
import { declared, type Declared } from "../catalog-support.ts";
import { NO_SCENE } from "../catalog-support.ts";

const dir = new URL("../../../fixtures/captured/smartctl/", import.meta.url);
const read = (f: string) => readFileSync(new URL(f, dir), "utf8");
const exitOf = (f: string) => (JSON.parse(read(f)) as { smartctl: { exit_status: number } }).smartctl.exit_status;
const one = (f: string, d: SmartDevice) => parseSmartctlJson(d, read(f), exitOf(f));

/** The probe's batched output for these captures, as the node would print it. */
const batch = (items: Array<[SmartDevice, string]>) =>
  items.map(([d, f]) => `hlc-smart: device ${d.device}${d.type ? ` ${d.type}` : ""}\n${read(f)}\nhlc-smart: exit ${exitOf(f)}\n`).join("");

describe("smartctl JSON parser", () => {
  it("a failing disk: passed false, exit 216, model and serial", () => {
    const h = one("scrutiny-smart-fail2.json", { device: "/dev/sdc" });
    expect(h).toMatchObject({ json: true, passed: false, exitStatus: 216, model: "Hitachi HDS721050DLE630", serial: "MSK423Y20S3HBC", infoName: "/dev/sdc [USB JMicron]" });
    expect(exitBits(216)).toEqual([
      "bit 3: SMART status DISK FAILING",
      "bit 4: prefail attributes at or below threshold",
      "bit 6: the device error log has errors",
      "bit 7: the self-test log has errors",
    ]);
  });

  it("a healthy disk: passed true, exit 0", () => {
    expect(one("scrutiny-smart-nvme-failed.json", { device: "/dev/nvme0" })).toMatchObject({ passed: true, exitStatus: 0, model: "Samsung SSD 970 EVO 500GB", serial: "S466NX0M776250H", messages: [] });
  });

  it("unreadable disks: no smart_status, the exit bits and smartctl's own message", () => {
    expect(one("virtio-vda.H.json", { device: "/dev/vda" })).toEqual({
      device: "/dev/vda", exitStatus: 1, json: true, messages: [{ string: "/dev/vda: Unable to detect device type", severity: "error" }],
    });
    const sdz = one("missing-sdz.H-i-d-sat.json", { device: "/dev/sdz", type: "sat" });
    expect(sdz).toMatchObject({ exitStatus: 2, messages: [{ string: "Smartctl open device: /dev/sdz [SAT] failed: No such device" }] });
    expect(sdz).not.toHaveProperty("passed");
    expect(one("scrutiny-smart-fail.json", { device: "/dev/sda" }).exitStatus).toBe(2);
  });

  it("text instead of JSON (smartctl < 7) is a fact, not a crash", () => {
    const h = parseSmartctlJson({ device: "/dev/sda" }, "smartctl 6.6 2016-05-31 r4324\n=======> UNRECOGNIZED OPTION: j\n", 1);
    expect(h).toMatchObject({ json: false, exitStatus: 1, text: "smartctl 6.6 2016-05-31 r4324\n=======> UNRECOGNIZED OPTION: j" });
  });

  it("the batched probe output captured on this host (three unreadable disks)", () => {
    const devices = [{ device: "/dev/vda" }, { device: "/dev/vda", type: "sat" }, { device: "/dev/sdz", type: "sat" }];
    const f = smartHealth(devices).parse({ stdout: read("probe-virtio-host.a.stdout.txt"), stderr: "", code: 0 });
    if (!f.smartctl) throw new Error("expected smartctl");
    expect(f.devices.map((d) => [d.device, d.type, d.exitStatus, d.passed])).toEqual([
      ["/dev/vda", undefined, 1, undefined],
      ["/dev/vda", "sat", 2, undefined],
      ["/dev/sdz", "sat", 2, undefined],
    ]);
  });

  it("no smartctl; broken batches; the command", () => {
    const d = [{ device: "/dev/sda" }];
    expect(parseSmartOutput(d, { stdout: "hlc-smart: no smartctl\n", stderr: "", code: 0 })).toEqual({ smartctl: false });
    expect(() => parseSmartOutput(d, { stdout: "", stderr: "x", code: 2 })).toThrow(ProbeParseError);
    expect(() => parseSmartOutput(d, { stdout: "hlc-smart: device /dev/sdb\n{}\nhlc-smart: exit 0\n", stderr: "", code: 0 })).toThrow(/expected "hlc-smart: device \/dev\/sda"/);
    expect(() => parseSmartOutput(d, { stdout: "hlc-smart: device /dev/sda\n{}\n", stderr: "", code: 0 })).toThrow(/no exit status/);
    expect(smartHealth([{ device: "/dev/sda" }, { device: "/dev/sdb", type: "sat" }]).command).toContain("smartctl -j -a -d sat -- /dev/sdb;");
  });
});

describe("DATA-010 on the captures", () => {
  let spec: Declared;
  beforeAll(async () => {
    spec = declared.find((d) => d.meta.id === "DATA-010")!;
  });
  const nodeWith = (smart: SmartDecl | undefined) =>
    ({ name: "vm102", role: "storage", layer: 1, services: [], ssh: {}, storage: { snapraid: { config: "/etc/snapraid.conf" }, ...(smart ? { smart } : {}) } }) as unknown as NodeDecl;
  const judge = (items: Array<[SmartDevice, string]>) => {
    const smart = { ...SMART_DEFAULTS, devices: items.map(([d]) => d) };
    const p = smartHealth(smart.devices);
    const o = { stdout: batch(items), stderr: "", code: 0 };
    const facts: NodeFacts = factsOf("vm102", [[p, o]]);
    return evaluate(spec.meta, spec.def, nodeWith(smart), facts) as { status: string; message?: string };
  };

  it("applies only where smart is declared; a SnapRAID node without it is planned (the lab's vm102)", () => {
    expect(spec.def.appliesTo(nodeWith({ ...SMART_DEFAULTS, devices: [{ device: "/dev/sda" }] }), NO_SCENE)).toBe(true);
    expect(spec.def.appliesTo(nodeWith(undefined), NO_SCENE)).toBe(false);
    expect(spec.def.planned!(nodeWith(undefined), NO_SCENE)).toMatch(/^planned in §1\/§6/);
    expect(spec.def.planned!({ ...nodeWith(undefined), storage: undefined } as NodeDecl, NO_SCENE)).toBeUndefined();
  });

  it("a healthy disk passes", () => {
    expect(judge([[{ device: "/dev/nvme0" }, "scrutiny-smart-nvme-failed.json"]]).status).toBe("passed");
  });

  it("a failing disk fails naming device, model, serial and the exit bits", () => {
    const v = judge([[{ device: "/dev/nvme0" }, "scrutiny-smart-nvme-failed.json"], [{ device: "/dev/sdc" }, "scrutiny-smart-fail2.json"]]);
    expect(v.status).toBe("failed");
    expect(v.message).toBe(
      "DATA-010 [vm102] Disks report SMART health PASSED (§1, §6, §7, §4.1)\n" +
        "  - disk /dev/sdc [Hitachi HDS721050DLE630, serial MSK423Y20S3HBC]: expected SMART overall-health self-assessment PASSED; actual FAILED: the disk reports it is failing (smartctl exit status 216: bit 3: SMART status DISK FAILING; bit 4: prefail attributes at or below threshold; bit 6: the device error log has errors; bit 7: the self-test log has errors); copy its data off and replace it (§4.1, §4.2)",
    );
  });

  it("unreadable disks fail naming the device and smartctl's reason", () => {
    const v = judge([[{ device: "/dev/sdz", type: "sat" }, "missing-sdz.H-i-d-sat.json"], [{ device: "/dev/vda" }, "virtio-vda.H.json"]]);
    expect(v.status).toBe("failed");
    expect(v.message!.split("\n").slice(1)).toEqual([
      "  - disk /dev/sdz (-d sat): expected SMART overall-health self-assessment PASSED; actual could not be read (smartctl exit status 2: bit 1: device open failed): Smartctl open device: /dev/sdz [SAT] failed: No such device",
      "  - disk /dev/vda: expected SMART overall-health self-assessment PASSED; actual could not be read (smartctl exit status 1: bit 0: command line did not parse): /dev/vda: Unable to detect device type",
    ]);
  });

  it("no smartctl on the node fails", () => {
    const smart = { ...SMART_DEFAULTS, devices: [{ device: "/dev/sda" }] };
    const p = smartHealth(smart.devices);
    const o = { stdout: "hlc-smart: no smartctl\n", stderr: "", code: 0 };
    const v = evaluate(spec.meta, spec.def, nodeWith(smart), factsOf("vm102", [[p, o]])) as { message: string };
    expect(v.message).toContain("smartctl: expected installed (smartmontools ≥ 7.0); actual not found on the node");
  });
});

describe("smart in the inventory", () => {
  const inv = (smart: string) =>
    parseInventory(`version: 1\nnodes:\n  - name: pve\n    role: hypervisor\n    layer: 0\n    ssh: { host: h, agent: true }\n    storage:\n      smart:\n${smart}`, "/srv/inv.yaml");
  const problems = (s: string) => inventoryProblems(() => inv(s));
  it("declares devices with an optional -d type, on any node", () => {
    expect(inv("        devices: [{ device: /dev/sda }, { device: /dev/disk/by-id/ata-WDC_WD40EFRX-68N32N0_WD-WCC7K1234567, type: sat }]\n").nodes[0]!.storage).toEqual({
      smart: { ...SMART_DEFAULTS, devices: [{ device: "/dev/sda" }, { device: "/dev/disk/by-id/ata-WDC_WD40EFRX-68N32N0_WD-WCC7K1234567", type: "sat" }] },
    });
  });
  it("rejects no devices, a path outside /dev, a shell-ish type", () => {
    expect(problems("        devices: []\n")).toMatch(/devices/);
    expect(problems("        devices: [{ device: sda }]\n")).toMatch(/device/);
    expect(problems("        devices: [{ device: /dev/sda, type: 'sat; reboot' }]\n")).toMatch(/type/);
  });
});
