// Section `proxmox` (§3.1 boot layers, §4.4 idmaps): how a VM or LXC node is known to the Proxmox
// host. STUB: owned by the boot/identity work; shape to be designed there.
import type { Section } from "./types.ts";

export interface ProxmoxDecl {
  [key: string]: unknown;
}

export const proxmoxSection: Section<Record<string, unknown>, ProxmoxDecl> = {
  key: "proxmox",
  schema: { type: "object", additionalProperties: false, properties: {}, description: "How this VM or LXC is known to the Proxmox host." },
  normalize: (raw) => ({ ...raw }),
};
