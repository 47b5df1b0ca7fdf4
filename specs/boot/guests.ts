// The guests a Proxmox host runs, as declared, each with its config as the host prints it: shared
// by the boot specs (§3.1, §3.3) and the idmap spec (§4.4, §5.3), which all judge on the host.
import { LAYER_NAMES } from "../../helpers/inventory/schema.ts";
import { guestsOf, kindLabel, type Guest } from "../../helpers/inventory/sections/proxmox.ts";
import type { NodeDecl } from "../../helpers/inventory/types.ts";
import { guestConfigs, type GuestConfig } from "../../helpers/probes/proxmox.ts";
import type { CheckContext } from "../../helpers/spec/evaluate.ts";
import type { Finding } from "../../helpers/spec/message.ts";
import { runContext } from "../../helpers/spec/run-context.ts";

/** For the conformance document: what the probe runs, shown for a VM and an LXC. */
export const GUEST_CONFIGS_EXAMPLE = guestConfigs([
  { vmid: 102, type: "qemu" },
  { vmid: 210, type: "lxc" },
]);

/** Declared guests of a hypervisor node (none for any other node). */
export function declaredGuests(node: NodeDecl): Guest[] {
  return guestsOf(node, runContext().inventory.nodes);
}

/** The nodes the guest specs (BOOT-001, BOOT-002) speak about: Proxmox hosts with declared guests. */
export function hostsDeclaredGuests(node: NodeDecl): boolean {
  return node.role === "hypervisor" && declaredGuests(node).length > 0;
}

/** "vm100 (VM 100, layer 2 compute)". */
export function guestTitle(g: Guest): string {
  const kind = kindLabel(g.type, g.vmid);
  const layer = `layer ${g.layer} ${LAYER_NAMES[g.layer]}`;
  return g.name === kind ? `${kind} (${layer})` : `${g.name} (${kind}, ${layer})`;
}

export interface GuestWithConfig {
  guest: Guest;
  config: GuestConfig;
}

/**
 * The declared guests (of one type, or all) with their configs. A guest whose config the host
 * does not have (wrong VMID, wrong type, not on this host) is a finding of its own.
 */
export function guestsWithConfigs(ctx: CheckContext, findings: Finding[], type?: Guest["type"]): GuestWithConfig[] {
  const guests = declaredGuests(ctx.node);
  const configs = ctx.fact(guestConfigs(guests));
  const out: GuestWithConfig[] = [];
  for (const guest of guests.filter((g) => type === undefined || g.type === type)) {
    const config = configs.find((c) => c.vmid === guest.vmid && c.type === guest.type);
    if (!config) continue; // cannot happen: the probe asks exactly these guests
    if (!config.found) {
      findings.push({
        subject: guestTitle(guest),
        expected: `a config on ${ctx.node.name} (\`${config.command}\`)`,
        actual: `none: ${config.error.trim() || `exit ${config.exitCode}`}`,
      });
      continue;
    }
    out.push({ guest, config });
  }
  return out;
}
