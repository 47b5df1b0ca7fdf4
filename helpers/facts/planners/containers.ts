// Probes for the `containers` section: `docker inspect` of every container on a node that
// declares containers, and its mount table when a data path must be a mount. All read-only.
import { containers } from "../../probes/containers.ts";
import { mounts } from "../../probes/mounts.ts";
import type { Probe } from "../../probes/types.ts";
import type { Planner } from "./types.ts";

export const containersPlanner: Planner = (node) => {
  const declared = node.containers ?? [];
  if (declared.length === 0) return [];
  const probes: Probe<unknown>[] = [containers];
  if (declared.some((c) => c.dataPaths.length > 0)) probes.push(mounts);
  return probes;
};
