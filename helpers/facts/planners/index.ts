// One planner per section of the document; the probe plan of a node is their union.
import { backupsPlanner } from "./backups.ts";
import { containersPlanner } from "./containers.ts";
import { identitiesPlanner } from "./identities.ts";
import { identityConsumersPlanner } from "./identity-consumers.ts";
import { mountsPlanner } from "./mounts.ts";
import { proxmoxPlanner } from "./proxmox.ts";
import { reachabilityPlanner } from "./reachability.ts";
import { routerPlanner } from "./router.ts";
import { nextcloudPlanner } from "./nextcloud.ts";
import { gpuPlanner } from "./gpu.ts";
import { tailnetPlanner } from "./tailnet.ts";
import { sharesPlanner } from "./shares.ts";
import { storagePlanner } from "./storage.ts";
import type { Planner } from "./types.ts";

export const PLANNERS: Planner[] = [proxmoxPlanner, storagePlanner, sharesPlanner, mountsPlanner, containersPlanner, backupsPlanner, identitiesPlanner, identityConsumersPlanner, reachabilityPlanner, routerPlanner, nextcloudPlanner, gpuPlanner, tailnetPlanner];
