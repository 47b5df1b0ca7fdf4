// Probes of issue 22's invariants (capacity, disk errors, what boots, key metrics, the SnapRAID
// schedule's failure notification), each built from what the node declares. Kept in one planner
// so that the "one invariant owns what it reads" change (#20) can move each into its spec.
import type { NodeDecl } from "../../inventory/types.ts";
import { capacity, type CapacityFact } from "../../probes/capacity.ts";
import { diskState, type DiskStateFact } from "../../probes/disk-state.ts";
import type { Probe } from "../../probes/types.ts";
import { onFailure, type NotifiedJob } from "../../probes/onfailure.ts";
import type { SystemdFact } from "../../probes/systemd.ts";
import { scheduleTimers } from "./storage.ts";
import { keyMetrics } from "../../probes/key-metrics.ts";
import { bootUnits, type BootUnitsFact } from "../../probes/boot-units.ts";
import type { Planner } from "./types.ts";

/** DATA-020's probe for a node: its real filesystems, plus what its capacity and storage sections name. */
export function capacityProbe(node: NodeDecl): Probe<CapacityFact> {
  const st = node.storage;
  return capacity({
    declared: node.capacity?.filesystems.map((f) => f.path) ?? [],
    ...(st?.mergerfs ? { pool: st.mergerfs.mountpoint, branches: st.mergerfs.branches } : {}),
    ...(st?.snapraid ? { snapraidConf: st.snapraid.config } : {}),
  });
}

/** As the lab's vm102 gets it (for the catalogue; facts are keyed by name). */
export const exampleCapacity = capacity({ pool: "/mnt/mergerfs", branches: ["/mnt/disk1", "/mnt/disk2", "/mnt/disk3"], snapraidConf: "/etc/snapraid.conf" });

export const healthPlanner: Planner = (node) => {
  const probes: Probe<unknown>[] = [capacityProbe(node), diskStateProbe(node)];
  if (node.units?.length) probes.push(bootUnitsProbe(node));
  if (node.storage?.snapraid && scheduleTimers(node.storage.snapraid).length) probes.push(onFailureProbe(node));
  if (node.prometheus) probes.push(keyMetrics(node.prometheus.url, node.prometheus.nodeLabel));
  return probes;
};

/** The array paths the storage section names (shared by DATA-020 and DATA-021). */
function arrayPaths(node: NodeDecl) {
  const st = node.storage;
  return {
    ...(st?.mergerfs ? { pool: st.mergerfs.mountpoint, branches: st.mergerfs.branches } : {}),
    ...(st?.snapraid ? { snapraidConf: st.snapraid.config } : {}),
  };
}

/** DATA-021's probe: the root filesystem and the array's paths as mounted now, ext4 error counters, the kernel's disk errors. */
export function diskStateProbe(node: NodeDecl): Probe<DiskStateFact> {
  return diskState({ declared: node.capacity?.filesystems.map((f) => f.path) ?? [], ...arrayPaths(node) });
}

export const exampleDiskState = diskState({ pool: "/mnt/mergerfs", branches: ["/mnt/disk1", "/mnt/disk2", "/mnt/disk3"], snapraidConf: "/etc/snapraid.conf" });

/** BOOT-010's probe: the declared units' state and dependencies. */
export function bootUnitsProbe(node: NodeDecl): Probe<BootUnitsFact> {
  return bootUnits(node.units!);
}

export const exampleBootUnits = bootUnits([{ name: "smbd.service", mounts: ["/mnt/mergerfs"] }, { name: "prometheus-node-exporter.service", mounts: [] }]);

/** DATA-022's probe: the declared SnapRAID timers' services and their OnFailure= handlers. */
export function onFailureProbe(node: NodeDecl): Probe<SystemdFact<NotifiedJob[]>> {
  return onFailure(scheduleTimers(node.storage!.snapraid!));
}

export const exampleOnFailure = onFailure(["snapraid-sync.timer", "snapraid-scrub.timer"]);
