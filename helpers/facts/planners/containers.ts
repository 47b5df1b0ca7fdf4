// Probes for the `containers` section. STUB: owned by the work on that section.
import type { Planner } from "./types.ts";

export const containersPlanner: Planner = () => [];
