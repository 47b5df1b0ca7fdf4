// Section `gpu` (§0 "VM100 (GPU/Compute VM): … GPU passthrough"), on the Proxmox host: which PCI
// device each guest gets (hostpciN) and the host driver that must hold it (GPU-001).
import type { Section } from "./types.ts";

export interface GpuPassthroughDecl {
  vmid: number;
  /** PCI address as Proxmox writes it in hostpciN: `0000:01:00` (every function) or `0000:01:00.0`. */
  device: string;
  /** The host driver every function must be bound to (default vfio-pci). */
  driver: string;
}

export interface GpuDecl {
  passthrough: GpuPassthroughDecl[];
}

type Raw = { passthrough: Array<Omit<GpuPassthroughDecl, "driver"> & { driver?: string }> };

export const gpuSection: Section<Raw, GpuDecl> = {
  key: "gpu",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["passthrough"],
    description: "On the Proxmox host (§0 GPU passthrough): each guest's passed-through PCI device, checked in the guest's config (hostpciN) and in the host's driver binding (lspci -k), GPU-001.",
    properties: {
      passthrough: {
        type: "array",
        minItems: 1,
        description: "One entry per passed-through device.",
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
    },
  },
  normalize: (raw) => ({ passthrough: raw.passthrough.map((p) => ({ vmid: p.vmid, device: p.device.includes(":") && p.device.split(":").length === 2 ? `0000:${p.device}` : p.device, driver: p.driver ?? "vfio-pci" })) }),
};

declare module "../types.ts" {
  interface NodeDecl {
    gpu?: GpuDecl;
  }
}
