// Probes for the `backups` section. STUB: owned by the work on that section.
import type { Planner } from "./types.ts";

export const backupsPlanner: Planner = () => [];
