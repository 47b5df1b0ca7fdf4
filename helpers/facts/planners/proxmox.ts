// Probes for the `proxmox` section: asked of the hypervisor only, never of the guests (the specs
// read the guests' configs as the host has them). One probe reads every declared guest's config
// (`qm config` / `pct config`, framed); when an LXC is declared, one more reads /etc/subuid and
// /etc/subgid for its idmap.
import { guestsOf } from "../../inventory/sections/proxmox.ts";
import { guestConfigs, subordinateIds } from "../../probes/proxmox.ts";
import type { Probe } from "../../probes/types.ts";
import type { Planner } from "./types.ts";

export const proxmoxPlanner: Planner = (node, inventory) => {
  const guests = guestsOf(node, inventory.nodes);
  if (guests.length === 0) return [];
  const probes: Probe<unknown>[] = [guestConfigs(guests)];
  if (guests.some((g) => g.type === "lxc")) probes.push(subordinateIds);
  return probes;
};
