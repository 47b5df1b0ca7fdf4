// Gather phase of a run: every node's probes in one batched round trip, all nodes concurrently,
// once per run. A node that cannot be reached records why, and the others carry on.
import { SSH_DEFAULTS } from "../inventory/schema.ts";
import type { Inventory } from "../inventory/types.ts";
import type { Probe } from "../probes/types.ts";
import type { TransportPool } from "../transport/pool.ts";
import { TransportError, type Transport } from "../transport/types.ts";
import { buildBatch, splitBatch } from "./batch.ts";
import { mergeLanes, splitLanes } from "./lanes.ts";
import { redact } from "./redact.ts";
import type { DiagnosticPlan, DiagnosticRecord, DiagnosticRequest, FactRecord, NodeFacts, RunFacts } from "./types.ts";

export type ProbePlan = (node: Inventory["nodes"][number], inventory: Inventory) => Probe<unknown>[];

export async function gatherNode(transport: Transport, probes: Probe<unknown>[], secrets: readonly string[] = []): Promise<NodeFacts> {
  const started = performance.now();
  const base = { node: transport.node, roundTrips: 0, facts: {} as Record<string, FactRecord> };
  if (probes.length === 0) return { ...base, reachable: true, gatherMs: 0 };
  // Quick probes first (stable order otherwise): a slow one that hangs then costs only itself.
  probes = [...probes.filter((p) => !p.slow), ...probes.filter((p) => p.slow)];
  const batch = buildBatch(probes.map((p) => p.command));
  try {
    let result: { stdout: string; stderr: string };
    let timedOut = false;
    try {
      result = await transport.exec(batch.script);
    } catch (e) {
      // A batch that ran out of time keeps the probes that finished; only the rest are lost.
      if (!(e instanceof TransportError && e.kind === "timeout" && e.partial)) throw e;
      result = e.partial;
      timedOut = true;
    }
    const outputs = splitBatch(batch, probes.length, result.stdout, result.stderr);
    let unfinished: string | undefined;
    probes.forEach((probe, i) => {
      const out = outputs[i]!;
      if (timedOut && out.code === null) {
        // The END marker never came: this probe was running (or never started) when time ran out.
        const why = unfinished
          ? `not run: probe "${unfinished}" before it did not finish within the node's command timeout`
          : `did not finish within the node's command timeout (ssh.commandTimeoutMs): a command of this probe hung or is slow on this node`;
        unfinished ??= probe.name;
        base.facts[probe.name] = { ok: false, error: why, evidence: { probe: probe.name, command: redact(probe.command, secrets), stdout: redact(out.stdout, secrets), stderr: redact(out.stderr, secrets), code: null } };
        return;
      }
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

/** A node's probes in lanes (helpers/facts/lanes.ts): concurrent batches on its one connection. */
export async function gatherNodeInLanes(transport: Transport, probes: Probe<unknown>[], channels: number, secrets: readonly string[] = []): Promise<NodeFacts> {
  const started = performance.now();
  const parts = await Promise.all(splitLanes(probes, channels).map((lane) => gatherNode(transport, lane, secrets)));
  return mergeLanes(probes, parts, performance.now() - started);
}

export async function gatherRun(inventory: Inventory, pool: TransportPool, plan: ProbePlan, secrets: readonly string[] = []): Promise<RunFacts> {
  const startedAt = new Date();
  const t0 = performance.now();
  const gathered = await Promise.all(inventory.nodes.map((n) => gatherNodeInLanes(pool.get(n.name), plan(n, inventory), n.ssh?.maxChannels ?? SSH_DEFAULTS.maxChannels, secrets)));
  return {
    inventoryFile: inventory.file,
    startedAt: startedAt.toISOString(),
    durationMs: performance.now() - t0,
    connections: [...pool.stats.connections],
    nodes: Object.fromEntries(gathered.map((g) => [g.node, g])),
  };
}

/** Bound of the whole diagnostics round trip of a node (each command is bounded on its own too). */
export const DIAGNOSTICS_TIMEOUT_MS = 60_000;

/**
 * The playbook's diagnostics of one node: every failed invariant's commands, each command once,
 * in ONE batched round trip over the node's existing transport. Adds them to `facts` (redacted
 * like evidence) and counts the round trip. Never throws: a failure is recorded instead.
 */
export async function diagnoseNode(transport: Transport, facts: NodeFacts, wanted: Record<string, DiagnosticRequest[]>, secrets: readonly string[] = []): Promise<void> {
  const commands = [...new Set(Object.values(wanted).flatMap((ds) => ds.map((d) => d.command)))];
  if (commands.length === 0 || !facts.reachable) return;
  const started = performance.now();
  const batch = buildBatch(commands);
  try {
    const result = await transport.exec(batch.script, { timeoutMs: DIAGNOSTICS_TIMEOUT_MS });
    const outputs = splitBatch(batch, commands.length, result.stdout, result.stderr);
    const byCommand = new Map(commands.map((c, i) => [c, outputs[i]!]));
    facts.diagnostics = Object.fromEntries(
      Object.entries(wanted).map(([id, ds]) => [
        id,
        ds.map((d): DiagnosticRecord => {
          const out = byCommand.get(d.command)!;
          return { what: d.what, command: redact(d.command, secrets), stdout: redact(out.stdout, secrets), stderr: redact(out.stderr, secrets), code: out.code };
        }),
      ]),
    );
  } catch (e) {
    facts.diagnosticsError = `the diagnostics round trip failed: ${redact((e as Error).message, secrets)}`;
  } finally {
    facts.roundTrips++;
    facts.diagnosticsMs = performance.now() - started;
  }
}

/** Every node with something to diagnose, in parallel, each over its connection from the gather phase. */
export async function diagnoseRun(run: RunFacts, pool: TransportPool, plan: DiagnosticPlan, secrets: readonly string[] = []): Promise<void> {
  await Promise.all(
    Object.entries(plan).map(async ([node, wanted]) => {
      const facts = run.nodes[node];
      if (facts) await diagnoseNode(pool.get(node), facts, wanted, secrets);
    }),
  );
}
