// The gather phase of a conformance run, shared by the vitest globalSetup and the benchmark:
// load and validate the inventory (before anything connects), then gather every node's facts.
import type { Inventory } from "../inventory/types.ts";
import { SECTIONS } from "../inventory/sections/index.ts";
import { TransportPool } from "../transport/pool.ts";
import { diagnoseRun, gatherRun, type GatherScope, type ProbePlan } from "./gather.ts";
import type { DiagnosticPlan, RunFacts } from "./types.ts";

export interface GatherOptions {
  /**
   * After the facts: what to diagnose (the playbook's commands of every failed invariant, per
   * node). Nodes with something to diagnose get ONE more round trip over the same connection;
   * an empty plan (a conformant run) costs nothing.
   */
  diagnose?: (inventory: Inventory, facts: RunFacts) => DiagnosticPlan | Promise<DiagnosticPlan>;
  /** Which nodes to gather, and progress (gather.ts). */
  scope?: GatherScope;
}

/** `plan`: the probes of each node (helpers/run/plan.ts: what the selected invariants read there). */
export async function gatherFromInventory(inventory: Inventory, plan: ProbePlan, options: GatherOptions = {}): Promise<RunFacts> {
  const pool = new TransportPool(inventory);
  try {
    return await gatherWithPool(inventory, pool, plan, options);
  } finally {
    await pool.closeAll();
  }
}

/** The facts, then (only where something failed) the diagnostics, over the pool's connections. */
export async function gatherWithPool(inventory: Inventory, pool: TransportPool, plan: ProbePlan, options: GatherOptions = {}): Promise<RunFacts> {
  // Known secrets (the SMB passwords the shares section points to, the restic passwords the backups
  // section lets the suite read: each section says which) are masked in all evidence.
  const secrets = runSecrets(inventory);
  const facts = await gatherRun(inventory, pool, plan, secrets, options.scope);
  if (options.diagnose) {
    const wanted = await options.diagnose(inventory, facts);
    if (Object.keys(wanted).length > 0) {
      const t0 = performance.now();
      await diagnoseRun(facts, pool, wanted, secrets);
      facts.diagnosticsMs = performance.now() - t0;
    }
  }
  return facts;
}

/** Every secret the inventory's sections let the suite read (masked in all evidence). */
export function runSecrets(inventory: Inventory, env: NodeJS.ProcessEnv = process.env): string[] {
  return SECTIONS.flatMap((section) => section.secrets?.(inventory, env) ?? []);
}
