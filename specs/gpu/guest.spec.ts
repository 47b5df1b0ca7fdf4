// §0 "VM100 (GPU/Compute VM): Docker workloads for media services (Jellyfin/Audiobookshelf), GPU
// passthrough". GPU-001 proves the host gives the GPU away; this is the other end: inside the guest
// that receives it (the node whose proxmox.vmid is the passthrough's vmid), the guest's own driver
// holds it, its device nodes are there, and the media containers declared to use it get it — a
// Jellyfin re-created from a compose file that lost its `devices:` runs, serves, and silently
// transcodes on the CPU.
import { containers, type ContainerInfo } from "../../helpers/probes/containers.ts";
import { gpuGuest, isEmulated } from "../../helpers/probes/gpu-guest.ts";
import type { GpuGuestDecl } from "../../helpers/inventory/sections/gpu.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

export default invariant(
  {
    id: "GPU-002",
    title: "Inside its VM the GPU is held by the guest's driver and given to the declared containers",
    must:
      "On the guest node that declares `gpu.guest`: `lspci -nnk -D` MUST list a display-class function (03xx) that the hypervisor does not emulate, held by a guest driver other than vfio-pci; a declared `render` node MUST exist as a character device (stat %F); with `nvidia: true`, `nvidia-smi -L` MUST exit 0 and list a GPU; and every container of `gpu.guest.containers` MUST exist and get the GPU: with `nvidia`, a `HostConfig.DeviceRequests` entry with driver nvidia or capability gpu (`--gpus`), or a CDI device `nvidia.com/gpu=…`; otherwise a `HostConfig.Devices` mapping whose PathInContainer is the render node or a directory above it (`--device /dev/dri`).",
    fix: (f, node) => fixFor(f, node.name),
    section: "§0",
    family: "gpu",
    severity: "normal",
  },
  {
    appliesTo: (node) => node.gpu?.guest !== undefined,
    // The guest of a passthrough that says nothing of its inside: planned, never passed.
    planned(node, { inventory }) {
      const vmid = node.proxmox?.vmid;
      if (vmid === undefined || node.proxmox?.type !== "qemu") return undefined;
      const host = inventory.nodes.find((n) => n.gpu?.passthrough.some((p) => p.vmid === vmid));
      return host ? `planned in §0: ${host.name} passes a GPU to VM ${vmid} (gpu.passthrough); declare gpu.guest on ${node.name} (render and/or nvidia, and the containers that use it) to check it inside the VM` : undefined;
    },
    reads: (node) => ({
      guest: gpuGuest({ nvidia: node.gpu!.guest!.nvidia }),
      containers: node.gpu!.guest!.containers.length ? containers : undefined,
    }),
    check({ node, facts }) {
      const decl = node.gpu!.guest!;
      const g = facts.guest;
      const findings: Finding[] = [];
      // The GPU and its guest driver.
      if (!g.lspci) findings.push({ subject: "GPU in lspci", expected: "lspci to list the GPU and its guest driver", actual: "lspci is not installed in the guest (Debian package pciutils)" });
      else {
        const passed = g.displays.filter((f) => !isEmulated(f));
        if (passed.length === 0)
          findings.push({
            subject: "GPU in lspci",
            expected: "a display controller passed through (class 03xx, not emulated by the hypervisor)",
            actual: g.displays.length ? `only emulated display devices: ${g.displays.map((f) => `${f.address} ${f.description}`).join("; ")}` : "no display controller: the VM did not get the GPU (see GPU-001 on the host)",
          });
        else if (!passed.some((f) => f.driver && f.driver !== "vfio-pci"))
          findings.push({
            subject: "GPU in lspci",
            expected: "held by the guest's GPU driver (not vfio-pci)",
            actual: passed.map((f) => `${f.address} ${f.driver ? `bound to ${f.driver}` : "bound to no driver"} (${f.description})`).join("; "),
          });
      }
      // Its device nodes.
      if (decl.render !== undefined) {
        const n = g.nodes.find((x) => x.path === decl.render);
        if (!n)
          findings.push({
            subject: `device ${decl.render}`,
            expected: "a character device",
            actual: g.dri ? `no such node (/dev/dri has ${g.nodes.map((x) => x.path.replace(/^\/dev\/dri\//, "")).join(", ") || "nothing"})` : "no /dev/dri: no DRM driver holds a GPU",
          });
        else if (n.type !== "character special file") findings.push({ subject: `device ${decl.render}`, expected: "a character device", actual: `a ${n.type}` });
      }
      if (decl.nvidia) {
        const s = g.nvidia!;
        if (!s.installed) findings.push({ subject: "nvidia-smi -L", expected: "lists the GPU", actual: "nvidia-smi is not installed: no NVIDIA driver in the VM" });
        else if (s.code !== 0 || s.gpus.length === 0)
          findings.push({ subject: "nvidia-smi -L", expected: "exit 0 and a GPU listed", actual: `exit ${s.code}: ${s.output.slice(0, 3).join(" | ") || "no output"}` });
      }
      // The containers that use it.
      const found: ContainerInfo[] = facts.containers ?? [];
      for (const name of decl.containers) {
        const subject = `container ${name}`;
        const expected = decl.nvidia
          ? "a GPU request (HostConfig.DeviceRequests: driver nvidia or capability gpu, as --gpus makes; or a CDI device nvidia.com/gpu=…)"
          : `the device ${decl.render} (HostConfig.Devices: PathInContainer ${decl.render} or a directory above it)`;
        const c = found.find((x) => x.name === name);
        if (!c) {
          findings.push({ subject, expected, actual: "no such container" });
          continue;
        }
        if (!getsGpu(c, decl)) findings.push({ subject, expected, actual: describeDevices(c) });
      }
      return findings;
    },
  },
);

const covers = (dir: string, path: string) => path === dir || path.startsWith(dir.replace(/\/+$/, "") + "/");
const CDI_NVIDIA = /^nvidia\.com\/gpu=/;

/** Does the container get the GPU the way the declaration says? */
export function getsGpu(c: ContainerInfo, decl: Pick<GpuGuestDecl, "render" | "nvidia">): boolean {
  if (decl.nvidia)
    return (
      c.deviceRequests.some((r) => r.driver === "nvidia" || (r.driver === "cdi" && r.deviceIds.some((id) => CDI_NVIDIA.test(id))) || (r.driver === "" && r.capabilities.some((and) => and.includes("gpu")))) ||
      c.devices.some((d) => CDI_NVIDIA.test(d.pathOnHost) || CDI_NVIDIA.test(d.pathInContainer))
    );
  return decl.render !== undefined && c.devices.some((d) => covers(d.pathInContainer, decl.render!));
}

const describeDevices = (c: ContainerInfo): string => {
  const parts = [
    ...c.devices.map((d) => `device ${d.pathOnHost}:${d.pathInContainer}`),
    ...c.deviceRequests.map((r) => `request driver "${r.driver}" count ${r.count} capabilities ${JSON.stringify(r.capabilities)}`),
  ];
  return parts.length ? `only ${parts.join(", ")}` : "no devices and no device requests: it has no GPU";
};

// The fix of a finding, by what it is about (its subject, as the check above writes it).
function fixFor(f: Finding, node: string): string {
  const c = /^container (\S+)/.exec(f.subject)?.[1];
  if (c && /no such container/.test(f.actual)) return `on ${node}: docker compose up -d ${c} (in the folder of its compose file)`;
  if (c && f.expected.startsWith("a GPU request"))
    return `on ${node}: in ${c}'s compose service add deploy.resources.reservations.devices: [{driver: nvidia, count: all, capabilities: [gpu]}] (docker run --gpus all); then docker compose up -d ${c}`;
  if (c) {
    const dev = /(\/dev\/dri\/\S+)/.exec(f.expected)?.[1] ?? "/dev/dri";
    return `on ${node}: add \`devices: [${dev}:${dev}]\` to ${c}'s compose service (docker run --device ${dev}); then docker compose up -d ${c}`;
  }
  if (f.subject === "nvidia-smi -L") return `on ${node}: install the NVIDIA driver in the VM (Debian: nvidia-driver from non-free, or NVIDIA's installer with DKMS) and reboot it: nvidia-smi -L must list the GPU`;
  if (f.subject === "GPU in lspci")
    return `on ${node}: install the GPU's guest driver (nvidia-driver; amdgpu and i915 need firmware-amd-graphics / firmware-misc-nonfree), keep vfio-pci off inside the VM (no vfio-pci ids= in its /etc/modprobe.d), and reboot the VM; if no GPU is listed, fix the host first (GPU-001)`;
  return `on ${node}: ${f.subject.replace(/^device /, "")} is created by the GPU's guest driver when it binds the GPU: install it (for nvidia also nvidia-drm with modeset=1) and reboot the VM`;
}
