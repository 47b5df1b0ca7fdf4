// Gather phase, after the facts: judge the invariants that have a playbook on those facts and
// collect, per node, what the playbook says to look at for each failed one. Pure: the caller
// runs the plan (helpers/facts/gather.ts diagnoseRun) over the connections it already has.
import type { DiagnosticPlan, RunFacts } from "../facts/types.ts";
import type { Inventory } from "../inventory/types.ts";
import { evaluate } from "./evaluate.ts";
import type { HostLimit } from "./limits.ts";
import type { Declared } from "./registry.ts";

/** The invariants the gather phase diagnoses: those with a playbook and a `diagnose`. */
export const withPlaybook = (items: Declared[]): Declared[] => items.filter((d) => d.meta.playbook && d.def.diagnose);

export function planDiagnostics(items: Declared[], inventory: Inventory, facts: RunFacts, limits: HostLimit[] = []): DiagnosticPlan {
  const plan: DiagnosticPlan = {};
  for (const { meta, def } of withPlaybook(items)) {
    for (const node of inventory.nodes) {
      const nf = facts.nodes[node.name];
      if (!nf?.reachable) continue; // nothing can be run there
      let applies = false;
      try {
        applies = def.appliesTo(node);
      } catch {
        continue; // the worker reports it
      }
      if (!applies) continue;
      const v = evaluate(meta, def, node, nf, limits);
      if (v.status !== "failed" || v.wanted.length === 0) continue;
      (plan[node.name] ??= {})[meta.id] = v.wanted;
    }
  }
  return plan;
}
