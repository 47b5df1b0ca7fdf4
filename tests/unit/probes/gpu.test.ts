// The gpu-passthrough probe: lspci's format on real output (this machine's `lspci -nnk -D`, and
// published output of passthrough hosts: fixtures/captured/gpu/README.md), Proxmox's hostpciN
// syntax, and GPU-001 judged with the lab's declaration (fixtures/lab/declared/gpu.ts).
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { describe, expect, it } from "vitest";
import { gpuDeclared } from "../../../fixtures/lab/declared/gpu.ts";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import { covers, gpuPassthrough, hostpciIds, parseGpuPassthrough, parseLspci, type PassthroughCheck } from "../../../helpers/probes/gpu.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { evaluate, type Verdict } from "../../../helpers/spec/evaluate.ts";
import { declared } from "../catalog-support.ts";

const cap = (f: string) => readFileSync(`fixtures/captured/gpu/${f}`, "utf8");
const T = [{ vmid: 100, device: "0000:01:00" }];
const labDevices = readFileSync("fixtures/images/proxmox/lspci-devices", "utf8");
/** The probe's output as the lab's pve prints it (qm config's hostpci line, the lspci stand-in's records). */
const probeOut = (hostpci: string[], lspci: string) =>
  `guest 100 0\n${hostpci.map((h) => `conf ${h}\n`).join("")}device 0000:01:00\n${lspci.split("\n").filter((l) => l.startsWith("0000:01:00") || (l.startsWith("\t") && true)).join("\n").replace(/^/gm, "pci ")}\n`;

describe("lspci -nnk (pciutils 3.9)", () => {
  it("reads this machine's real output: address with domain, description, driver", () => {
    const f = parseLspci(cap("lspci-nnk-D-virtio-host.txt"));
    expect(f[0]).toEqual({ address: "0000:00:00.0", description: "Host bridge [0600]: Intel Corporation Device [8086:0d57]" });
    expect(f.find((x) => x.address === "0000:00:02.0")).toMatchObject({ driver: "virtio-pci" });
  });
  it("reads published output without -D: a vfio-pci GPU whose audio function has no driver; a GPU kept by nvidia", () => {
    expect(parseLspci(cap("lspci-k-quickpassthrough-22.txt")).map((f) => [f.address, f.driver])).toEqual([["0000:07:00.0", "vfio-pci"], ["0000:07:00.1", undefined]]);
    expect(parseLspci(cap("lspci-nnk-vanities-6.txt")).map((f) => [f.address, f.driver, f.modules])).toEqual([
      ["0000:01:00.0", "nvidia", "nouveau, nvidia_drm, nvidia"],
      ["0000:01:00.1", "snd_hda_intel", "snd_hda_intel"],
    ]);
    expect(() => parseLspci("garbage line\n")).toThrow(ProbeParseError);
  });
  it("hostpciN values as qm.conf(5) writes them", () => {
    expect(hostpciIds("0000:01:00,pcie=1")).toEqual({ ids: ["0000:01:00"] });
    expect(hostpciIds("host=01:00.0;01:00.1,pcie=1,x-vga=1")).toEqual({ ids: ["0000:01:00.0", "0000:01:00.1"] });
    expect(hostpciIds("mapping=gpu0,pcie=1")).toEqual({ ids: [], mapping: "gpu0" });
    expect(covers("0000:01:00", "0000:01:00")).toBe(true);
    expect(covers("0000:01:00.0", "0000:01:00")).toBe(true);
    expect(covers("0000:02:00", "0000:01:00")).toBe(false);
  });
  it("the probe only reads (qm config, lspci) and parses its framing", () => {
    const c = gpuPassthrough(T).command;
    expect(c).toContain("qm config 100");
    expect(c).toContain("lspci -nnk -D -s 0000:01:00");
    const p = parseGpuPassthrough(T, { stdout: probeOut(["hostpci0: 0000:01:00,pcie=1"], labDevices), stderr: "", code: 0 });
    expect(p[0]).toMatchObject({ vmid: 100, qm: { code: 0 }, hostpci: { hostpci0: "0000:01:00,pcie=1" }, lspci: true });
    expect(p[0]!.functions.map((f) => f.driver)).toEqual(["vfio-pci", "vfio-pci"]);
    expect(() => parseGpuPassthrough(T, { stdout: "", stderr: "", code: 0 })).toThrow(/expected 1 devices/);
  });
});

const inv = parseInventory(dump({ version: 1, defaults: { ssh: { agent: true } }, nodes: [{ name: "pve", role: "hypervisor", layer: 0, ssh: { host: "pve" }, gpu: gpuDeclared.pve }] }), "/inv.yaml");
const pve = inv.nodes[0]!;
const facts = (v: PassthroughCheck[]): NodeFacts => ({ node: "pve", reachable: true, roundTrips: 1, gatherMs: 1, facts: { "gpu-passthrough": { ok: true, value: v, evidence: { probe: "gpu-passthrough", command: "…", stdout: "", stderr: "", code: 0 } } } });
function judge(stdout: string): Verdict {
  const d = declared.find((x) => x.meta.id === "GPU-001")!;
  return evaluate(d.meta, d.def, pve, facts(parseGpuPassthrough(T, { stdout, stderr: "", code: 0 })));
}
const msg = (v: Verdict) => (v.status === "passed" ? "" : v.message);


describe("GPU-001 The GPU is passed through to its VM and bound to vfio-pci on the host", () => {
  it("the declaration is normalized (driver vfio-pci)", () => {
    expect(pve.gpu).toEqual({ passthrough: [{ vmid: 100, device: "0000:01:00", driver: "vfio-pci" }] });
  });
  it("passes the lab's host: hostpci0 passes 0000:01:00, both functions on vfio-pci", () => {
    expect(judge(probeOut(["hostpci0: 0000:01:00,pcie=1"], labDevices)).status).toBe("passed");
  });
  it("fails a function the host driver kept (published output: nvidia, snd_hda_intel)", () => {
    const m = msg(judge(probeOut(["hostpci0: 0000:01:00,pcie=1"], cap("lspci-nnk-vanities-6.txt").replace(/^01:00/gm, "0000:01:00").replace(/^ {8}/gm, "\t"))));
    expect(m).toContain("VM 100 GPU 0000:01:00: function 0000:01:00.0: expected bound to vfio-pci on the host; actual bound to nvidia (VGA compatible controller [0300]: NVIDIA Corporation TU117M");
    expect(m).toContain("function 0000:01:00.1: expected bound to vfio-pci on the host; actual bound to snd_hda_intel");
  });
  it("fails a function no driver claimed (published output: the audio function)", () => {
    const m = msg(judge(probeOut(["hostpci0: 0000:01:00,pcie=1"], cap("lspci-k-quickpassthrough-22.txt").replace(/^07:00/gm, "0000:01:00").replace(/^ {8}/gm, "\t"))));
    expect(m).toContain("function 0000:01:00.1: expected bound to vfio-pci on the host; actual bound to no driver");
    expect(m).not.toContain("function 0000:01:00.0");
  });
  it("fails a VM without the hostpci line, or passing another device, or a device the host lacks", () => {
    expect(msg(judge(probeOut([], labDevices)))).toContain("no hostpciN line: the VM gets no GPU");
    expect(msg(judge(probeOut(["hostpci0: 0000:02:00,pcie=1"], labDevices)))).toContain("its hostpci lines pass other devices (hostpci0: 0000:02:00,pcie=1)");
    expect(msg(judge(probeOut(["hostpci0: 0000:01:00,pcie=1"], "")))).toContain("lspci lists no such device");
    expect(msg(judge("guest 100 2\nerr Configuration file 'nodes/pve/qemu-server/100.conf' does not exist\ndevice 0000:01:00\nnolspci\n"))).toMatch(/qm config exited 2: Configuration file .*lspci is not installed/s);
  });
});

describe("GPU-001 on the lab's capture after drift gpu-host-driver (pve stand-ins)", () => {
  it("fails exactly the VGA function the host driver took", () => {
    const m = msg(judge(cap("probe-pve-gpu-host-driver.txt")));
    expect(m).toContain("function 0000:01:00.0: expected bound to vfio-pci on the host; actual bound to nvidia");
    expect(m).not.toContain("function 0000:01:00.1");
  });
});
