// Gather phase of a run: every node's probes in one batched round trip, all nodes concurrently,
// once per run. A node that cannot be reached records why, and the others carry on.
import type { Inventory } from "../inventory/types.ts";
import type { Probe } from "../probes/types.ts";
import type { TransportPool } from "../transport/pool.ts";
import { TransportError, type Transport } from "../transport/types.ts";
import { buildBatch, splitBatch } from "./batch.ts";
import { redact } from "./redact.ts";
import type { FactRecord, NodeFacts, RunFacts } from "./types.ts";

export type ProbePlan = (node: Inventory["nodes"][number], inventory: Inventory) => Probe<unknown>[];

export async function gatherNode(transport: Transport, probes: Probe<unknown>[], secrets: readonly string[] = []): Promise<NodeFacts> {
  const started = performance.now();
  const base = { node: transport.node, roundTrips: 0, facts: {} as Record<string, FactRecord> };
  if (probes.length === 0) return { ...base, reachable: true, gatherMs: 0 };
  const batch = buildBatch(probes.map((p) => p.command));
  try {
    const result = await transport.exec(batch.script);
    const outputs = splitBatch(batch, probes.length, result.stdout, result.stderr);
    probes.forEach((probe, i) => {
      const out = outputs[i]!;
      const evidence = {
        probe: probe.name,
        command: redact(probe.command, secrets),
        stdout: redact(out.stdout, secrets),
        stderr: redact(out.stderr, secrets),
        code: out.code,
      };
      try {
        base.facts[probe.name] = { ok: true, value: probe.parse(out), evidence };
      } catch (e) {
        base.facts[probe.name] = { ok: false, error: redact((e as Error).message, secrets), evidence };
      }
    });
    return { ...base, reachable: true, roundTrips: 1, gatherMs: performance.now() - started };
  } catch (e) {
    const kind = e instanceof TransportError ? e.kind : "error";
    return { ...base, reachable: false, error: { kind, message: redact((e as Error).message, secrets) }, gatherMs: performance.now() - started };
  }
}

export async function gatherRun(inventory: Inventory, pool: TransportPool, plan: ProbePlan, secrets: readonly string[] = []): Promise<RunFacts> {
  const startedAt = new Date();
  const t0 = performance.now();
  const gathered = await Promise.all(inventory.nodes.map((n) => gatherNode(pool.get(n.name), plan(n, inventory), secrets)));
  return {
    inventoryFile: inventory.file,
    startedAt: startedAt.toISOString(),
    durationMs: performance.now() - t0,
    connections: [...pool.stats.connections],
    nodes: Object.fromEntries(gathered.map((g) => [g.node, g])),
  };
}
