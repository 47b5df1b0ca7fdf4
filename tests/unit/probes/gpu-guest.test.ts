// GPU-002, the GPU inside its VM: nvidia-smi -L on published real output, the device fields of
// docker inspect on this machine's Docker engine (Devices, the --gpus DeviceRequest) and on the
// lab's podman, the gpu-guest probe on the lab's vm100 (stand-ins), and the spec judged offline.
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { describe, expect, it } from "vitest";
import { gpuDeclared } from "../../../fixtures/lab/declared/gpu.ts";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { InventoryError, parseInventory } from "../../../helpers/inventory/load.ts";
import { containers, type ContainerInfo } from "../../../helpers/probes/containers.ts";
import { gpuGuest, parseGpuGuest, parseNvidiaSmiL, type GpuGuest } from "../../../helpers/probes/gpu-guest.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { evaluate, type Verdict } from "../../../helpers/spec/evaluate.ts";
import { getsGpu } from "../../../specs/gpu/guest.spec.ts";
import { byId, NO_SCENE } from "../catalog-support.ts";
import { out } from "./capture.ts";

const cap = (f: string) => readFileSync(`fixtures/captured/gpu/${f}`, "utf8");
const inspect = (f: string) => containers.parse(out(cap(f)));
const named = (cs: ContainerInfo[], n: string) => cs.find((c) => c.name === n)!;
const lines = (t: string) => t.split("\n").filter(Boolean);

describe("nvidia-smi -L (published real output)", () => {
  it("reads one GPU per line, index, name and UUID", () => {
    expect(parseNvidiaSmiL(lines(cap("nvidia-smi-L-gpu-hot-64.txt")))).toEqual([0, 1, 2, 3].map((i) => expect.objectContaining({ index: i, name: "NVIDIA GeForce RTX 3090" })));
    expect(parseNvidiaSmiL(lines(cap("nvidia-smi-L-gpu-hot-64.txt")))[0]!.uuid).toBe("GPU-e1924eea-b9bb-d537-39f2-b345087fa145");
  });
  it("skips MIG instances indented under their GPU", () => {
    const g = parseNvidiaSmiL(lines(cap("nvidia-smi-L-telegraf-5812.txt")));
    expect(g.map((x) => [x.index, x.name])).toEqual([0, 1, 2, 3].map((i) => [i, "NVIDIA A100-SXM4-80GB"]));
  });
  it("finds no GPU in the driver's failure message", () => {
    expect(parseNvidiaSmiL(lines(cap("nvidia-smi-failed-cloud-hypervisor-4353.txt")))).toEqual([]);
  });
});

describe("docker inspect's device fields (Docker 20.10 on this machine, podman 4.3 on the lab)", () => {
  const cs = inspect("inspect-docker-devices.json");
  it("--device: HostConfig.Devices, PathOnHost and PathInContainer", () => {
    expect(named(cs, "hlc-gpucap-render").devices).toEqual([{ pathOnHost: "/dev/null", pathInContainer: "/dev/dri/renderD128", cgroupPermissions: "rwm" }]);
    expect(named(cs, "hlc-gpucap-render").deviceRequests).toEqual([]);
  });
  it("--gpus: a DeviceRequest with an empty Driver and the capability gpu (Count -1 = all, or DeviceIDs)", () => {
    expect(named(cs, "hlc-gpucap-gpus").deviceRequests).toEqual([{ driver: "", count: -1, deviceIds: [], capabilities: [["gpu"]] }]);
    expect(named(cs, "hlc-gpucap-gpus2").deviceRequests).toEqual([{ driver: "", count: 0, deviceIds: ["0", "1"], capabilities: [["gpu"]] }]);
    expect(named(cs, "hlc-gpucap-none")).toMatchObject({ devices: [], deviceRequests: [] });
  });
  it("who gets the GPU, as declared", () => {
    const render = { render: "/dev/dri/renderD128", nvidia: false };
    expect(getsGpu(named(cs, "hlc-gpucap-render"), render)).toBe(true);
    expect(getsGpu(named(cs, "hlc-gpucap-gpus"), render)).toBe(false);
    expect(getsGpu(named(cs, "hlc-gpucap-gpus"), { nvidia: true })).toBe(true);
    expect(getsGpu(named(cs, "hlc-gpucap-gpus2"), { nvidia: true })).toBe(true);
    expect(getsGpu(named(cs, "hlc-gpucap-render"), { nvidia: true })).toBe(false);
    const base = named(cs, "hlc-gpucap-none");
    // `--device /dev/dri` maps the directory; a CDI device (Docker: driver cdi; as a device name).
    expect(getsGpu({ ...base, devices: [{ pathOnHost: "/dev/dri", pathInContainer: "/dev/dri", cgroupPermissions: "rwm" }] }, render)).toBe(true);
    expect(getsGpu({ ...base, deviceRequests: [{ driver: "cdi", count: 0, deviceIds: ["nvidia.com/gpu=all"], capabilities: [] }] }, { nvidia: true })).toBe(true);
    expect(getsGpu({ ...base, devices: [{ pathOnHost: "nvidia.com/gpu=all", pathInContainer: "nvidia.com/gpu=all", cgroupPermissions: "" }] }, { nvidia: true })).toBe(true);
    expect(getsGpu({ ...base, devices: [{ pathOnHost: "/dev/dri", pathInContainer: "/dev/dri2", cgroupPermissions: "" }] }, render)).toBe(false);
  });
  it("the lab's podman: jellyfin's --device /dev/dri/renderD128 (PathOnHost /dev/null: the stand-in is 1:3)", () => {
    const lab = containers.parse(out(cap("containers-vm100-gpu.jsonl")));
    expect(named(lab, "jellyfin").devices).toEqual([expect.objectContaining({ pathOnHost: "/dev/null", pathInContainer: "/dev/dri/renderD128" })]);
    expect(named(lab, "audiobookshelf").devices).toEqual([]);
    expect(named(lab, "jellyfin").deviceRequests).toEqual([]);
  });
});

describe("the gpu-guest probe", () => {
  it("only reads: stat of /dev/dri, lspci -nnk, nvidia-smi -L only when declared", () => {
    expect(gpuGuest({ nvidia: false }).command).not.toContain("nvidia-smi");
    expect(gpuGuest({ nvidia: true }).command).toContain("nvidia-smi -L");
    expect(gpuGuest({ nvidia: false }).command).toContain("stat -c 'node %n|%F|%t:%T|%G|%g|%a'");
  });
  it("reads the lab's vm100: stand-in nodes (1:3), the GPU held by nvidia, QEMU's VGA beside it", () => {
    const g = parseGpuGuest(out(cap("probe-vm100-gpu-guest.txt")), { nvidia: false });
    expect(g.dri).toBe(true);
    expect(g.nodes).toContainEqual(expect.objectContaining({ path: "/dev/dri/renderD128", type: "character special file", major: 1, minor: 3, group: "render", mode: "660" }));
    expect(g.displays.map((f) => [f.address, f.driver])).toEqual([["0000:00:01.0", "bochs-drm"], ["0000:01:00.0", "nvidia"]]);
    expect(g.nvidia).toBeUndefined();
  });
  it("reads major:minor in hex (a real render node is 226:128 = e2:80), and refuses a cut output", () => {
    const g = parseGpuGuest(out("dri\nnode /dev/dri/renderD128|character special file|e2:80|render|105|660\nnolspci\nsmi 0\nsmil GPU 0: NVIDIA GeForce RTX 3090 (UUID: GPU-e1924eea-b9bb-d537-39f2-b345087fa145)\n"), { nvidia: true });
    expect(g.nodes[0]).toMatchObject({ major: 226, minor: 128, gid: 105 });
    expect(g.nvidia).toMatchObject({ installed: true, code: 0, gpus: [expect.objectContaining({ index: 0 })] });
    expect(() => parseGpuGuest(out("nolspci\n"), { nvidia: false })).toThrow(ProbeParseError);
    expect(() => parseGpuGuest(out("dri\nnolspci\n"), { nvidia: true })).toThrow(/nvidia-smi was asked for/);
  });
});

// GPU-002 judged offline with the lab's declaration (fixtures/lab/declared/gpu.ts).
const invOf = (guest: unknown) =>
  parseInventory(
    dump({
      version: 1,
      defaults: { ssh: { agent: true } },
      nodes: [
        { name: "pve", role: "hypervisor", layer: 0, ssh: { host: "pve" }, gpu: gpuDeclared.pve },
        { name: "vm100", role: "compute", layer: 2, ssh: { host: "vm100" }, proxmox: { vmid: 100, type: "qemu" }, containers: [{ name: "jellyfin" }, { name: "audiobookshelf" }], ...(guest ? { gpu: guest } : {}) },
      ],
    }),
    "/inv.yaml",
  );
const ev = (probe: string, value: unknown) => ({ ok: true as const, value, evidence: { probe, command: "…", stdout: "", stderr: "", code: 0 } });
function judge(guest: GpuGuest, cs: ContainerInfo[], decl: unknown = gpuDeclared.vm100): Verdict {
  const node = invOf(decl).nodes[1]!;
  const facts: NodeFacts = { node: "vm100", reachable: true, roundTrips: 1, gatherMs: 1, facts: { "gpu-guest": ev("gpu-guest", guest), containers: ev("containers", cs) } };
  const d = byId("GPU-002");
  return evaluate(d.meta, d.def, node, facts);
}
const msg = (v: Verdict) => (v.status === "passed" ? "" : v.message);
const labGuest = () => parseGpuGuest(out(cap("probe-vm100-gpu-guest.txt")), { nvidia: false });
const labContainers = () => containers.parse(out(cap("containers-vm100-gpu.jsonl")));

describe("GPU-002 Inside its VM the GPU is held by the guest's driver and given to the declared containers", () => {
  it("the declaration: on the guest node, normalized; the host's passthrough unchanged", () => {
    const inv = invOf(gpuDeclared.vm100);
    expect(inv.nodes[1]!.gpu).toEqual({ passthrough: [], guest: { render: "/dev/dri/renderD128", nvidia: false, containers: ["jellyfin"] } });
    expect(inv.nodes[0]!.gpu!.passthrough).toHaveLength(1);
  });
  it("applies to the guest node only; the guest of a passthrough without gpu.guest is planned, never passed", () => {
    const d = byId("GPU-002");
    const inv = invOf(undefined);
    expect(d.def.appliesTo(inv.nodes[1]!, NO_SCENE)).toBe(false);
    expect(d.def.planned!(inv.nodes[1]!, { ...NO_SCENE, inventory: inv })).toMatch(/pve passes a GPU to VM 100 .*declare gpu.guest on vm100/);
    expect(d.def.appliesTo(invOf(gpuDeclared.vm100).nodes[1]!, NO_SCENE)).toBe(true);
    expect(byId("GPU-001").def.appliesTo(invOf(gpuDeclared.vm100).nodes[1]!, NO_SCENE)).toBe(false);
  });
  it("passes the lab's vm100", () => {
    expect(judge(labGuest(), labContainers()).status).toBe("passed");
  });
  it("fails jellyfin re-created without the device, with the compose line to add", () => {
    const cs = labContainers().map((c) => (c.name === "jellyfin" ? { ...c, devices: [] } : c));
    const v = judge(labGuest(), cs);
    expect(msg(v)).toContain("container jellyfin: expected the device /dev/dri/renderD128 (HostConfig.Devices: PathInContainer /dev/dri/renderD128 or a directory above it); actual no devices and no device requests: it has no GPU");
    expect(v.status === "failed" && v.findings[0]!.fix).toBe("on vm100: add `devices: [/dev/dri/renderD128:/dev/dri/renderD128]` to jellyfin's compose service (docker run --device /dev/dri/renderD128); then docker compose up -d jellyfin");
  });
  it("fails a guest where vfio-pci holds the GPU, or that only has the emulated VGA, or lacks the render node", () => {
    const g = labGuest();
    const vfio = { ...g, displays: g.displays.map((f) => (f.address === "0000:01:00.0" ? { ...f, driver: "vfio-pci" } : f)) };
    expect(msg(judge(vfio, labContainers()))).toContain("GPU in lspci: expected held by the guest's GPU driver (not vfio-pci); actual 0000:01:00.0 bound to vfio-pci");
    expect(msg(judge({ ...g, displays: g.displays.filter((f) => f.address !== "0000:01:00.0") }, labContainers()))).toContain("actual only emulated display devices: 0000:00:01.0");
    expect(msg(judge({ ...g, nodes: g.nodes.filter((n) => !n.path.endsWith("renderD128")) }, labContainers()))).toContain("device /dev/dri/renderD128: expected a character device; actual no such node (/dev/dri has card0)");
    expect(msg(judge({ ...g, dri: false, nodes: [] }, labContainers()))).toContain("actual no /dev/dri: no DRM driver holds a GPU");
  });
  it("nvidia: nvidia-smi -L must list a GPU and the containers must request one (--gpus)", () => {
    const decl = { guest: { nvidia: true, containers: ["jellyfin"] } };
    const gpus = inspect("inspect-docker-devices.json");
    const withGpus = labContainers().map((c) => (c.name === "jellyfin" ? { ...c, deviceRequests: named(gpus, "hlc-gpucap-gpus").deviceRequests } : c));
    const smiOk = { installed: true, code: 0, output: lines(cap("nvidia-smi-L-gpu-hot-64.txt")), gpus: parseNvidiaSmiL(lines(cap("nvidia-smi-L-gpu-hot-64.txt"))) };
    expect(judge({ ...labGuest(), nvidia: smiOk }, withGpus, decl).status).toBe("passed");
    const failed = { installed: true, code: 9, output: lines(cap("nvidia-smi-failed-cloud-hypervisor-4353.txt")), gpus: [] };
    const v = judge({ ...labGuest(), nvidia: failed }, labContainers(), decl);
    expect(msg(v)).toContain("nvidia-smi -L: expected exit 0 and a GPU listed; actual exit 9: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.");
    expect(msg(v)).toContain("container jellyfin: expected a GPU request");
    expect(v.status === "failed" && v.findings.map((f) => f.fix)).toEqual([
      expect.stringContaining("install the NVIDIA driver in the VM"),
      expect.stringContaining("add deploy.resources.reservations.devices: [{driver: nvidia, count: all, capabilities: [gpu]}]"),
    ]);
    expect(msg(judge({ ...labGuest(), nvidia: { installed: false, code: 127, output: [], gpus: [] } }, withGpus, decl))).toContain("nvidia-smi is not installed");
  });
  it("a declared container that does not exist fails", () => {
    expect(msg(judge(labGuest(), labContainers().filter((c) => c.name !== "jellyfin")))).toContain("container jellyfin: expected the device /dev/dri/renderD128");
  });
});

describe("the gpu.guest declaration's rules", () => {
  const problems = (guest: unknown): string[] => {
    try {
      invOf(guest);
      return [];
    } catch (e) {
      if (e instanceof InventoryError) return e.problems.map((p) => `${p.path}: ${p.message}`);
      throw e;
    }
  };
  it("names containers the node declares, and says how the GPU shows", () => {
    expect(problems(gpuDeclared.vm100)).toEqual([]);
    expect(problems({ guest: { render: "/dev/dri/renderD128", containers: ["jellyfn"] } })).toEqual([expect.stringMatching(/gpu\.guest\.containers\[0\]: must be a container this node declares .*did you mean 'jellyfin'\?/)]);
    expect(problems({ guest: { containers: ["jellyfin"] } })).toEqual([expect.stringMatching(/gpu\.guest: must say how the GPU shows in the guest/)]);
    expect(problems({ guest: { render: "/dev/renderD128" } })[0]).toMatch(/gpu\.guest\.render/);
  });
});
