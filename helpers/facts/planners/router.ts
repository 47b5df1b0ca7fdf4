// Probes for the `router` section (§0, §5.1): the router's UPnP-IGD/NAT-PMP port mappings, listed
// from the LAN node that declares it (EXPOSE-007).
import { routerMappings } from "../../probes/router.ts";
import type { Planner } from "./types.ts";

export const routerPlanner: Planner = (node) => (node.router ? [routerMappings(node.router.rootDesc)] : []);
