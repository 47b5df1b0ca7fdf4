// Section `gpu` (§0 "VM100 (GPU/Compute VM): … GPU passthrough"), one key for both ends of the
// passthrough:
//   on the Proxmox host:  gpu: { passthrough: [{ vmid: 100, device: "0000:01:00" }] }   (GPU-001)
//   on the guest node:    gpu: { guest: { render: /dev/dri/renderD128, containers: [jellyfin] } }   (GPU-002)
// The guest is the node whose `proxmox.vmid` is the passthrough's vmid; what the GPU is for inside
// it (its device nodes, nvidia-smi, which of its containers get it) is declared there, beside its
// `containers`, because that is where an operator writes the compose files it checks.
import { isRecord, nodeRecords, suggestion, type At, type LineOf } from "./rules.ts";
import type { Section } from "./types.ts";

export interface GpuPassthroughDecl {
  vmid: number;
  /** PCI address as Proxmox writes it in hostpciN: `0000:01:00` (every function) or `0000:01:00.0`. */
  device: string;
  /** The host driver every function must be bound to (default vfio-pci). */
  driver: string;
}

/** Inside the guest that receives the GPU (GPU-002). */
export interface GpuGuestDecl {
  /** DRM render node the GPU gives the guest (VA-API/QSV/AMF), e.g. /dev/dri/renderD128. */
  render?: string;
  /** The NVIDIA driver is in use: `nvidia-smi -L` lists a GPU; containers get it by `--gpus` (or CDI). */
  nvidia: boolean;
  /** Containers of this node that must get the GPU (names of its `containers`). */
  containers: string[];
}

export interface GpuDecl {
  /** Host side; empty on a guest node. */
  passthrough: GpuPassthroughDecl[];
  guest?: GpuGuestDecl;
}

type Raw = {
  passthrough?: Array<Omit<GpuPassthroughDecl, "driver"> & { driver?: string }>;
  guest?: { render?: string; nvidia?: boolean; containers?: string[] };
};

export const gpuSection: Section<Raw, GpuDecl> = {
  key: "gpu",
  problems: (nodes, at, lineOf) => gpuProblems(nodes, at, lineOf),
  schema: {
    type: "object",
    additionalProperties: false,
    minProperties: 1,
    description:
      "§0 GPU passthrough. On the Proxmox host: `passthrough`, each guest's passed-through PCI device, checked in the guest's config (hostpciN) and the host's driver binding (lspci -k), GPU-001. On the guest node that receives it: `guest`, what must use it there, GPU-002.",
    properties: {
      passthrough: {
        type: "array",
        minItems: 1,
        description: "On the Proxmox host: one entry per passed-through device.",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["vmid", "device"],
          description: "A PCI device given to a VM.",
          properties: {
            vmid: { type: "integer", minimum: 100, maximum: 999999999, description: "The VM that gets it." },
            device: { type: "string", pattern: "^(?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}(?:\\.[0-7])?$", patternErrorMessage: "a PCI address like 0000:01:00 or 01:00.0", description: "PCI address as in hostpciN: 0000:01:00 passes every function of the device, 0000:01:00.0 one." },
            driver: { type: "string", pattern: "^[A-Za-z0-9_-]+$", patternErrorMessage: "a kernel driver name", description: "Host driver each function must be bound to (default vfio-pci)." },
          },
        },
      },
      guest: {
        type: "object",
        additionalProperties: false,
        description:
          "On the guest node that receives the GPU (GPU-002): the guest's driver holds it (lspci -k, not vfio-pci), its device nodes exist, and the listed containers get it. Give `render`, `nvidia: true`, or both.",
        properties: {
          render: { type: "string", pattern: "^/dev/dri/[A-Za-z0-9_.-]+$", patternErrorMessage: "a DRM device node under /dev/dri, e.g. /dev/dri/renderD128", description: "DRM render node the GPU gives the guest, e.g. /dev/dri/renderD128: it must be a character device, and (without `nvidia`) each listed container must get it (`devices:` in compose, HostConfig.Devices)." },
          nvidia: { type: "boolean", default: false, description: "The NVIDIA driver: `nvidia-smi -L` must list a GPU, and each listed container must request it (`--gpus` / `deploy.resources.reservations.devices` with driver nvidia, HostConfig.DeviceRequests, or a CDI device nvidia.com/gpu=...)." },
          containers: { type: "array", uniqueItems: true, items: { type: "string", minLength: 1, description: "A container name, as in this node's `containers`." }, default: [], description: "Containers of this node (names of its `containers`) that must get the GPU, e.g. [jellyfin]." },
        },
      },
    },
  },
  normalize: (raw) => ({
    passthrough: (raw.passthrough ?? []).map((p) => ({ vmid: p.vmid, device: p.device.includes(":") && p.device.split(":").length === 2 ? `0000:${p.device}` : p.device, driver: p.driver ?? "vfio-pci" })),
    ...(raw.guest
      ? { guest: { ...(raw.guest.render !== undefined ? { render: raw.guest.render } : {}), nvidia: raw.guest.nvidia ?? false, containers: raw.guest.containers ?? [] } }
      : {}),
  }),
};

/**
 * `gpu.guest` says how the GPU shows (`render`, `nvidia: true`, or both), and its `containers` name
 * containers the node declares (they are what GPU-002 inspects).
 */
function gpuProblems(nodes: readonly unknown[], at: At, _lineOf: LineOf): void {
  nodeRecords(nodes).forEach((n, i) => {
    const guest = isRecord(n.gpu) ? n.gpu.guest : undefined;
    if (!isRecord(guest)) return;
    if (guest.render === undefined && guest.nvidia !== true)
      at(["nodes", i, "gpu", "guest"], "must say how the GPU shows in the guest: `render: /dev/dri/renderD128` (its DRM render node), `nvidia: true` (the NVIDIA driver), or both");
    if (!Array.isArray(guest.containers)) return;
    const declared = (Array.isArray(n.containers) ? n.containers : []).flatMap((c) => (isRecord(c) && typeof c.name === "string" ? [c.name] : []));
    guest.containers.forEach((name, j) => {
      if (typeof name === "string" && !declared.includes(name))
        at(["nodes", i, "gpu", "guest", "containers", j], `must be a container this node declares (its containers), got "${name}", ${suggestion(name, declared, "its containers")}`);
    });
  });
}

declare module "../types.ts" {
  interface NodeDecl {
    gpu?: GpuDecl;
  }
}
