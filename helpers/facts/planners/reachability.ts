// Probes for the reachability cross-check (EXPOSE-005, §1, §5.1): a vantage node attempts real TCP
// connections to the declared TCP ports of the nodes it watches, in its own batched round trip.
//
// Which node watches which is decided from the inventory alone (facts are gathered in one phase,
// so the plan cannot wait for anyone's reachability): a node's `reachability.from`, else the NEXT
// node of the inventory in file order, wrapping around (pve watches vm102, vm102 watches vm100,
// …, the last node watches the first). A ring rather than "everything from one node": an
// unreachable node costs the cross-check of one neighbour, not of the whole homelab, and each
// vantage adds about one connect timeout to its own round trip (attempts run in parallel).
import { isTailnetAddress } from "../../probes/addresses.ts";
import { reachabilityProbe, type ReachTarget } from "../../probes/reachability.ts";
import { isLoopback } from "../../probes/sockets.ts";
import type { Inventory, NodeDecl, ServiceDecl } from "../../inventory/types.ts";
import type { Planner } from "./types.ts";

/** The node that connects to `target`'s ports, or undefined in a one-node inventory. */
export function vantageOf(target: NodeDecl, inventory: Inventory): string | undefined {
  if (target.reachability?.from) return target.reachability.from;
  const nodes = inventory.nodes;
  if (nodes.length < 2) return undefined;
  const i = nodes.findIndex((n) => n.name === target.name);
  return nodes[(i + 1) % nodes.length]!.name;
}

/**
 * Where other nodes reach `target` on the LAN: `reachability.addresses`, else its ssh.host when
 * that is an address or name other than loopback or a tailnet address (the lab's 127.0.0.1 port
 * forwards, a Tailscale admin address), else its node name, as the LAN's DNS knows it.
 */
export function lanHostsOf(target: NodeDecl): string[] {
  if (target.reachability?.addresses) return target.reachability.addresses;
  const h = target.ssh?.host;
  return h && !isLoopback(h) && !isTailnetAddress(h) && h !== "localhost" ? [h] : [target.name];
}

/** The declared services the cross-check connects to: fixed TCP ports (not `any`, e.g. Docker DNS). */
export function crossCheckedServices(node: NodeDecl): Array<ServiceDecl & { port: number }> {
  return node.services.filter((s): s is ServiceDecl & { port: number } => s.proto === "tcp" && typeof s.port === "number");
}

/** Every connection `vantage` attempts: the ports of each node it watches, on each LAN host. */
export function reachTargetsFor(vantage: string, inventory: Inventory): ReachTarget[] {
  return inventory.nodes
    .filter((t) => t.name !== vantage && vantageOf(t, inventory) === vantage)
    .flatMap((t) => lanHostsOf(t).flatMap((host) => crossCheckedServices(t).map((s) => ({ target: t.name, host, port: s.port }))));
}

export const reachabilityPlanner: Planner = (node, inventory) => {
  const targets = reachTargetsFor(node.name, inventory);
  return targets.length ? [reachabilityProbe(targets)] : [];
};
