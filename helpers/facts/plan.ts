// Which probes a run asks each node, decided from what the inventory declares for it: a section
// of the document that a node does not declare costs it nothing.
import type { Inventory, NodeDecl } from "../inventory/types.ts";
import { interfaceAddresses } from "../probes/addresses.ts";
import { prometheusTargets } from "../probes/prometheus.ts";
import { listeningSockets } from "../probes/sockets.ts";
import { failedUnits } from "../probes/systemd.ts";
import type { Probe } from "../probes/types.ts";
import { PLANNERS } from "./planners/index.ts";

export function probePlan(node: NodeDecl, inventory: Inventory): Probe<unknown>[] {
  // Every node: what listens (declared services, and surprises) and on which interfaces' addresses,
  // and which units failed.
  const probes: Probe<unknown>[] = [listeningSockets, interfaceAddresses, failedUnits];
  if (node.prometheus) probes.push(prometheusTargets(node.prometheus.url));
  for (const plan of PLANNERS) probes.push(...plan(node, inventory));
  // One probe per name: two sections asking the same question share the answer.
  return [...new Map(probes.map((p) => [p.name, p])).values()];
}
