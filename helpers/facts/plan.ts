// Which probes a run asks each node, decided from what the inventory declares for it: a section
// of the document that a node does not declare costs it nothing.
import type { NodeDecl } from "../inventory/types.ts";
import { listeningSockets } from "../probes/sockets.ts";
import type { Probe } from "../probes/types.ts";

export function probePlan(node: NodeDecl): Probe<unknown>[] {
  const probes: Probe<unknown>[] = [];
  if (node.services.length > 0) probes.push(listeningSockets);
  return probes;
}
