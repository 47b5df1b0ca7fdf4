// What a filtered run gathers (helpers/spec/scope.ts): only the selected nodes, and on each only
// the probes the selected invariants that apply there read. Decided before anything connects.
import { probePlan } from "../facts/plan.ts";
import type { ProbePlan } from "../facts/gather.ts";
import { reachTargetsFor } from "../facts/planners/reachability.ts";
import type { Inventory, NodeDecl } from "../inventory/types.ts";
import { accounts } from "../probes/accounts.ts";
import { REACHABILITY, reachabilityProbe } from "../probes/reachability.ts";
import { snapraidConfig } from "../probes/snapraid.ts";
import type { Declared } from "./registry.ts";
import { setRunContext } from "./run-context.ts";
import { describeScope, isFiltered, LEFT_OUT, selectsInvariant, selectsNode, type RunScope } from "./scope.ts";

/**
 * Facts a check reads beyond its `probes` (optional ones that sharpen a message or a judgement).
 * A read the filter left out is never silent: evaluate.ts reports the result "not judged".
 */
const ALSO_READS: Record<string, string[]> = {
  "DATA-006": [snapraidConfig().name],
  "SHARE-001": [accounts.name],
};

/** EXPOSE-005 judges a node by the connection attempts its vantage makes (planners/reachability.ts). */
const CROSS_CHECK = "EXPOSE-005";

export interface ScopedGather {
  /** Nodes that are gathered; every other one is never connected to. */
  nodes: string[];
  leftOutReason: string;
  plan: ProbePlan;
  /** The probes of a node's full plan that this run does not gather. */
  leftOutProbes(node: NodeDecl): string[];
}

const applies = (d: Declared, node: NodeDecl): boolean => {
  try {
    return d.def.appliesTo(node);
  } catch {
    return true; // the worker reports the error; gather what it might need
  }
};

/** undefined: the run is not filtered, gather everything. `catalog`: every declared invariant. */
export function scopedGather(inventory: Inventory, scope: RunScope, catalog: Declared[]): ScopedGather | undefined {
  if (!isFiltered(scope)) return undefined;
  const selected = catalog.filter((d) => selectsInvariant(scope, d.meta));
  const nodes = inventory.nodes.filter((n) => selectsNode(scope, n.name));
  // appliesTo of some specs reads the inventory through the run context.
  setRunContext({ inventory, facts: { inventoryFile: inventory.file, startedAt: "", durationMs: 0, connections: [], nodes: {} }, target: "live" });
  let needs: Map<string, Set<string> | "all">;
  let crossTargets: Set<string>;
  try {
    const byInvariant = scope.invariants.length + scope.families.length > 0;
    needs = new Map(
      nodes.map((n): [string, Set<string> | "all"] => {
        if (!byInvariant) return [n.name, "all"];
        return [n.name, new Set(selected.filter((d) => applies(d, n)).flatMap((d) => [...d.def.probes.map((p) => p.name), ...(ALSO_READS[d.meta.id] ?? [])]))];
      }),
    );
    // The nodes whose EXPOSE-005 result this run asks for: a vantage connects to those only.
    const cross = selected.find((d) => d.meta.id === CROSS_CHECK);
    crossTargets = new Set(cross ? nodes.filter((n) => applies(cross, n)).map((n) => n.name) : []);
  } finally {
    setRunContext(undefined);
  }

  const plan: ProbePlan = (node, inv) => {
    const want = needs.get(node.name);
    if (!want) return [];
    return probePlan(node, inv).flatMap((p) => {
      if (p.name === REACHABILITY) {
        const targets = reachTargetsFor(node.name, inv).filter((t) => crossTargets.has(t.target));
        return targets.length ? [reachabilityProbe(targets)] : [];
      }
      return want === "all" || want.has(p.name) ? [p] : [];
    });
  };
  return {
    nodes: nodes.map((n) => n.name),
    leftOutReason: `${LEFT_OUT} (${describeScope(scope)})`,
    plan,
    leftOutProbes: (node) => {
      const kept = new Set(plan(node, inventory).map((p) => p.name));
      return probePlan(node, inventory).map((p) => p.name).filter((n) => !kept.has(n));
    },
  };
}
