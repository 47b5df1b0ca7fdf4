// One conformance run, start to verdicts: the inventory read once, the catalogue, the plan, the
// gather (one connection per node), each (invariant, node) judged once, the diagnostics round trip
// where something with a playbook failed, waivers. Returns plain data for the reporters.
import { gatherFromInventory } from "../facts/run.ts";
import type { GatherScope } from "../facts/gather.ts";
import type { RunFacts } from "../facts/types.ts";
import { loadInventory } from "../inventory/load.ts";
import type { Inventory } from "../inventory/types.ts";
import type { JudgedResult } from "../results/model.ts";
import { loadCatalogFor, type Declared } from "../spec/catalog.ts";
import type { World } from "../spec/evaluate.ts";
import { readHostLimits, type HostLimit } from "../spec/limits.ts";
import { describeScope, isFiltered, LEFT_OUT } from "../spec/scope.ts";
import { loadWaivers } from "../waivers/load.ts";
import type { RunParams } from "./options.ts";
import { diagnosticsPlan, judgeAll, toResults, withDiagnostics, type Judgement } from "./judge.ts";
import { gatherPlan, select } from "./plan.ts";

export interface RunOutcome {
  inventory: Inventory;
  facts: RunFacts;
  limits: HostLimit[];
  results: JudgedResult[];
  /** Why the diagnostics could not be planned, if so (the facts and verdicts still stand). */
  diagnosticsProblem?: string;
}

export async function runConformance(params: RunParams, hooks: { onProgress?: GatherScope["onProgress"]; onGathered?: () => void; catalog?: Declared[] } = {}): Promise<RunOutcome> {
  const inventory = loadInventory(params.inventoryFile);
  const limits = readHostLimits(params.hostLimitsFile);
  const waivers = params.waiversFile ? loadWaivers(params.waiversFile) : [];
  const catalog = hooks.catalog ?? (await loadCatalogFor(params.scope));
  const selection = select(catalog, inventory, params.scope);
  const plan = gatherPlan(selection, inventory, params.options);
  const filtered = isFiltered(params.scope);

  let judged: Judgement[] = [];
  let diagnosticsProblem: string | undefined;
  const world = (facts: RunFacts): World => ({ inventory, nodes: facts.nodes, options: params.options });
  const facts = await gatherFromInventory(inventory, (node) => plan.get(node.name) ?? [], {
    scope: {
      ...(filtered ? { nodes: selection.nodes.map((n) => n.name), leftOutReason: `${LEFT_OUT} (${describeScope(params.scope)})` } : {}),
      ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
    },
    // Judged once, here, while the connections are open: failures with a playbook get their diagnostics.
    diagnose: (_inv, gathered) => {
      hooks.onGathered?.();
      judged = judgeAll(selection, world(gathered), limits, params.scope.nodes.length > 0);
      if (!params.diagnostics) return {};
      try {
        return diagnosticsPlan(judged, gathered.nodes);
      } catch (e) {
        diagnosticsProblem = `diagnostics could not be planned: ${(e as Error).message}`;
        return {};
      }
    },
  });
  judged = withDiagnostics(judged, facts.nodes);
  return { inventory, facts, limits, results: toResults(judged, world(facts), waivers, new Date()), ...(diagnosticsProblem ? { diagnosticsProblem } : {}) };
}
