// Which probes a run asks each node, decided from what the inventory declares for it: a section
// of the document that a node does not declare costs it nothing.
import type { NodeDecl } from "../inventory/types.ts";
import { prometheusTargets } from "../probes/prometheus.ts";
import { listeningSockets } from "../probes/sockets.ts";
import type { Probe } from "../probes/types.ts";

export function probePlan(node: NodeDecl): Probe<unknown>[] {
  // Every node: what listens (declared services, and surprises).
  const probes: Probe<unknown>[] = [listeningSockets];
  if (node.prometheus) probes.push(prometheusTargets(node.prometheus.url));
  return probes;
}
