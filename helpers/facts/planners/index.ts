// One planner per section of the document; the probe plan of a node is their union.
import { proxmoxPlanner } from "./proxmox.ts";
import { sharesPlanner } from "./shares.ts";
import { storagePlanner } from "./storage.ts";
import type { Planner } from "./types.ts";

export const PLANNERS: Planner[] = [proxmoxPlanner, storagePlanner, sharesPlanner];
