// The catalogue as a run loads it (every spec file's invariant), for tests that judge captured
// output with the real specs, and the probes as the lab's nodes get them (facts are keyed by name).
import type { MountsDecl } from "../../helpers/inventory/sections/mounts.ts";
import { mountUnitsProbe, networkMountsProbe } from "../../helpers/probes/network-mounts.ts";
import { loadCatalog, type Declared } from "../../helpers/spec/catalog.ts";
import { DEFAULT_OPTIONS } from "../../helpers/spec/evaluate.ts";
import type { Scene } from "../../helpers/spec/invariant.ts";
import type { Inventory } from "../../helpers/inventory/types.ts";
import type { Probe } from "../../helpers/probes/types.ts";
import { gatherPlan } from "../../helpers/run/plan.ts";

export const declared: Declared[] = await loadCatalog();
export type { Declared };

export const byId = (id: string): Declared => {
  const d = declared.find((x) => x.meta.id === id);
  if (!d) throw new Error(`no invariant ${id}`);
  return d;
};

/** A scene for appliesTo/planned/reads in tests (write probes as on the lab unless said). */
export const sceneOf = (inventory: Inventory, writes = true): Scene => ({
  inventory,
  options: { ...DEFAULT_OPTIONS, writes: writes ? { allowed: true } : { allowed: false, optedOut: false } },
});

/** vm100's mount as the lab declares it. */
export const EXAMPLE_MOUNTS: MountsDecl = [
  { path: "/mnt/media", source: "//vm102/media", identity: "jellyfin", access: "ro", credentials: "/etc/samba/credentials/media.cred", maxMountTimeoutSec: 30 },
];
export const exampleNetworkMounts = networkMountsProbe(EXAMPLE_MOUNTS);
export const exampleMountUnits = mountUnitsProbe(EXAMPLE_MOUNTS);

/** The probes a full run of `inventory` plans on `node` (every invariant's reads there, and the peers it is asked for). */
export function planOf(node: string, inventory: Inventory, writes = true): Probe<unknown>[] {
  const nodes = inventory.nodes;
  return gatherPlan({ invariants: declared, nodes }, inventory, sceneOf(inventory, writes).options).get(node) ?? [];
}

/** For appliesTo/planned of invariants that read nothing beyond the node. */
export const NO_SCENE: Scene = sceneOf({ file: "(test)", version: 1, nodes: [] });
