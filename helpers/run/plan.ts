// What a run gathers: on each node, the union of what the selected invariants read there (their
// `reads` on it, and the `peers` others declared on it), one probe per name. A filtered run takes
// the same path with fewer invariants and nodes; a node no selected invariant needs is never
// connected to, and a peer fact on a node the filter left out is never assumed (evaluate.ts).
import type { Inventory, NodeDecl } from "../inventory/types.ts";
import type { Probe } from "../probes/types.ts";
import type { Declared } from "../spec/catalog.ts";
import { probesOf, type RunOptions, type Scene } from "../spec/invariant.ts";
import { selectsInvariant, selectsNode, type RunScope } from "../spec/scope.ts";

export interface Selection {
  invariants: Declared[];
  /** The nodes the run judges (its --node filter); every other node is left out. */
  nodes: NodeDecl[];
}

export function select(catalog: Declared[], inventory: Inventory, scope: RunScope): Selection {
  return { invariants: catalog.filter((d) => selectsInvariant(scope, d.meta)), nodes: inventory.nodes.filter((n) => selectsNode(scope, n.name)) };
}

/** appliesTo that a throwing spec cannot break: the judge reports the error; gather what it might need. */
export function applies(d: Declared, node: NodeDecl, scene: Scene): boolean | Error {
  try {
    return d.def.appliesTo(node, scene);
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** Per selected node, the probes to run there (none: nothing to ask it, it is still connected to judge reachability). */
export function gatherPlan(selection: Selection, inventory: Inventory, options: RunOptions): Map<string, Probe<unknown>[]> {
  const scene: Scene = { inventory, options };
  const plan = new Map<string, Map<string, Probe<unknown>>>(selection.nodes.map((n) => [n.name, new Map()]));
  const add = (node: string, p: Probe<unknown>) => {
    const probes = plan.get(node);
    if (probes && !probes.has(p.name)) probes.set(p.name, p);
  };
  for (const d of selection.invariants) {
    for (const node of selection.nodes) {
      if (applies(d, node, scene) !== true) continue;
      try {
        for (const p of probesOf(d.def.reads(node, scene))) add(node.name, p);
        for (const p of d.def.peers?.(node, scene) ?? []) add(p.node, p.probe);
      } catch {
        // The judge reports a spec whose reads throw (broken); nothing to gather for it.
      }
    }
  }
  return new Map([...plan].map(([node, probes]) => [node, [...probes.values()]]));
}
