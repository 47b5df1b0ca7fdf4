// Probes for the `storage` section (§2.1 SnapRAID, §2.2 MergerFS): on the node that declares
// them, its snapraid.conf and the files it names, `snapraid status`, `snapraid diff`, the mount
// table, and the pool's live branches. All read-only.
import { mergerfsBranches } from "../../probes/mergerfs.ts";
import { mounts } from "../../probes/mounts.ts";
import { snapraidConfig, snapraidDiff, snapraidPaths, snapraidStatus } from "../../probes/snapraid.ts";
import type { Probe } from "../../probes/types.ts";
import type { Planner } from "./types.ts";

export const storagePlanner: Planner = (node) => {
  const probes: Probe<unknown>[] = [];
  const snapraid = node.storage?.snapraid;
  if (snapraid) {
    const c = snapraid.config;
    probes.push(snapraidConfig(c), snapraidPaths(c), snapraidStatus(c), snapraidDiff(c), mounts);
  }
  const pool = node.storage?.mergerfs;
  if (pool) probes.push(mounts, mergerfsBranches(pool.mountpoint));
  return probes;
};
