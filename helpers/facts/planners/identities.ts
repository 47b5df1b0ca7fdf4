// Probes for the `identities` section (§5.3): the node's users and groups through NSS (getent),
// on every node that declares identities. The same probe as the shares section's (one fact per name).
import { accounts } from "../../probes/accounts.ts";
import type { Planner } from "./types.ts";

export const identitiesPlanner: Planner = (node) => ((node.identities?.length ?? 0) > 0 ? [accounts] : []);
