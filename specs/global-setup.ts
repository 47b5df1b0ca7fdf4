// Gather phase of a conformance run: runs once, before any spec file, in vitest's main process.
// One SSH connection per node, every node's probes in one round trip, all nodes concurrently;
// the spec files then judge these facts.
import { mkdirSync, writeFileSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { gatherFromFile } from "../helpers/facts/run.ts";
import "../helpers/spec/run-context.ts";

export default async function setup(project: TestProject): Promise<void> {
  const file = process.env.HLC_INVENTORY;
  if (!file) {
    throw new Error("HLC_INVENTORY is not set. Run `npm run conformance` (fixture lab) or `npm run conformance -- --inventory FILE` (live).");
  }
  const { inventory, facts } = await gatherFromFile(file);
  const target = process.env.HLC_TARGET === "lab" ? "lab" : "live";
  project.provide("hlcRun", { inventory, facts, target });

  // Run statistics for the operator and the benchmark: connections, round trips, timings.
  mkdirSync("reports", { recursive: true });
  const stats = {
    inventory: file,
    target,
    startedAt: facts.startedAt,
    gatherMs: Math.round(facts.durationMs),
    connections: facts.connections,
    nodes: Object.values(facts.nodes).map((n) => ({
      node: n.node,
      reachable: n.reachable,
      roundTrips: n.roundTrips,
      gatherMs: Math.round(n.gatherMs),
      ...(n.error ? { error: n.error.message } : {}),
    })),
  };
  writeFileSync(process.env.HLC_RUN_STATS ?? "reports/run-stats.json", JSON.stringify(stats, null, 2) + "\n");
}
