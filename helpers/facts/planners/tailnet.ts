// Probes for the `tailnet` section (§5.2, §7): the policy file, read on the node that keeps it (EXPOSE-008).
import { tailnetPolicy } from "../../probes/tailnet-policy.ts";
import type { Planner } from "./types.ts";

export const tailnetPlanner: Planner = (node) => (node.tailnet ? [tailnetPolicy(node.tailnet.policy.file)] : []);
