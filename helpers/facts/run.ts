// The gather phase of a conformance run, shared by the vitest globalSetup and the benchmark:
// load and validate the inventory (before anything connects), then gather every node's facts.
import type { Inventory } from "../inventory/types.ts";
import { loadInventory } from "../inventory/load.ts";
import { shareSecrets } from "../inventory/sections/shares.ts";
import { TransportPool } from "../transport/pool.ts";
import { gatherRun } from "./gather.ts";
import { probePlan } from "./plan.ts";
import type { RunFacts } from "./types.ts";

export async function gatherFromInventory(inventory: Inventory): Promise<RunFacts> {
  const pool = new TransportPool(inventory);
  try {
    // Known secrets (the SMB passwords the shares section points to) are masked in all evidence.
    return await gatherRun(inventory, pool, probePlan, shareSecrets(inventory));
  } finally {
    await pool.closeAll();
  }
}

export async function gatherFromFile(file: string): Promise<{ inventory: Inventory; facts: RunFacts }> {
  const inventory = loadInventory(file);
  return { inventory, facts: await gatherFromInventory(inventory) };
}
