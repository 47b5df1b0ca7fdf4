// Shapes the unit tests share: an inventory's problems as text, and one node's facts built from
// captured probe output (as the gather phase would hand them to a spec).
import type { NodeFacts } from "../../helpers/facts/types.ts";
import { InventoryError } from "../../helpers/inventory/errors.ts";
import type { Probe } from "../../helpers/probes/types.ts";

/** "path: message" per problem of a refused inventory, one per line; "" when it loads. */
export function inventoryProblems(load: () => unknown): string {
  try {
    load();
  } catch (e) {
    if (e instanceof InventoryError) return e.problems.map((p) => `${p.path}: ${p.message}`).join("\n");
    throw e;
  }
  return "";
}

export interface CapturedOutput {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** A reachable node's facts: each probe parsed from its captured output, evidence attached. */
export function factsOf(node: string, outputs: Array<[Probe<unknown>, CapturedOutput]>): NodeFacts {
  const facts: NodeFacts["facts"] = {};
  for (const [p, o] of outputs) facts[p.name] = { ok: true, value: p.parse(o), evidence: { probe: p.name, command: p.command, ...o } };
  return { node, reachable: true, roundTrips: 1, gatherMs: 1, facts };
}
