// The guests a Proxmox host runs, as declared, each with its config as the host prints it: shared
// by the boot specs (§3.1, §3.3) and the idmap spec (§4.4, §5.3), which all judge on the host.
import { LAYER_NAMES } from "../../helpers/inventory/schema.ts";
import { guestsOf, kindLabel, type Guest } from "../../helpers/inventory/sections/proxmox.ts";
import type { Inventory, NodeDecl } from "../../helpers/inventory/types.ts";
import { guestConfigs, type GuestConfig } from "../../helpers/probes/proxmox.ts";
import type { Finding } from "../../helpers/spec/message.ts";

/** Declared guests of a hypervisor node (none for any other node). */
export function declaredGuests(node: NodeDecl, inventory: Inventory): Guest[] {
  return guestsOf(node, inventory.nodes);
}

/** The nodes the guest specs (BOOT-001, BOOT-002) speak about: Proxmox hosts with declared guests. */
export function hostsDeclaredGuests(node: NodeDecl, { inventory }: { inventory: Inventory }): boolean {
  return node.role === "hypervisor" && declaredGuests(node, inventory).length > 0;
}

/** What a guest spec reads on the host: every declared guest's config, as the host prints it. */
export const guestReads = (node: NodeDecl, { inventory }: { inventory: Inventory }) => ({ configs: guestConfigs(declaredGuests(node, inventory)) });

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
export function guestsWithConfigs(ctx: { node: NodeDecl; inventory: Inventory; facts: { configs: GuestConfig[] } }, findings: Finding[], type?: Guest["type"]): GuestWithConfig[] {
  const guests = declaredGuests(ctx.node, ctx.inventory);
  const configs = ctx.facts.configs;
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
