import type { Inventory, NodeDecl } from "../../inventory/types.ts";
import type { Probe } from "../../probes/types.ts";

/** The probes one section of the document needs on a node (none when it does not apply). */
export type Planner = (node: NodeDecl, inventory: Inventory) => Probe<unknown>[];
