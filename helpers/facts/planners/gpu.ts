// Probes for the `gpu` section (§0 GPU passthrough), on the Proxmox host (GPU-001).
import { gpuPassthrough } from "../../probes/gpu.ts";
import type { Planner } from "./types.ts";

export const gpuPlanner: Planner = (node) => (node.gpu ? [gpuPassthrough(node.gpu.passthrough)] : []);
