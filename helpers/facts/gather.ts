// Gather phase of a run: every node's probes in one batched round trip, all nodes concurrently,
// once per run. A node that cannot be reached records why, and the others carry on.
import { SSH_DEFAULTS } from "../inventory/schema.ts";
import type { Inventory } from "../inventory/types.ts";
import type { Probe, ProbeOutput } from "../probes/types.ts";
import type { TransportPool } from "../transport/pool.ts";
import { TransportError, type Transport } from "../transport/types.ts";
import { batchCompleted, buildBatch, FramingError, OUTPUT_CAP, splitBatch } from "./batch.ts";
import { mergeLanes, splitLanes } from "./lanes.ts";
import { RunnerResources } from "./runner.ts";
import { redact } from "./redact.ts";
import type { DiagnosticPlan, DiagnosticRecord, DiagnosticRequest, FactRecord, NodeFacts, RunFacts } from "./types.ts";

export type ProbePlan = (node: Inventory["nodes"][number], inventory: Inventory) => Probe<unknown>[];

export async function gatherNode(transport: Transport, probes: Probe<unknown>[], secrets: readonly string[] = []): Promise<NodeFacts> {
  const started = performance.now();
  const base = { node: transport.node, roundTrips: 0, facts: {} as Record<string, FactRecord> };
  if (probes.length === 0) return { ...base, reachable: true, gatherMs: 0 };
  // Quick probes first (stable order otherwise): a slow one that hangs then costs only itself.
  probes = [...probes.filter((p) => !p.slow), ...probes.filter((p) => p.slow)];
  const batch = buildBatch(probes.map((p) => ({ command: p.command, input: p.input })));
  try {
    let result: { stdout: string; stderr: string; code?: number | null };
    let stopped: "timeout" | "overflow" | undefined;
    try {
      result = await transport.exec(batch.script, batch.stdin ? { stdin: batch.stdin } : {});
    } catch (e) {
      // A batch that ran out of time (or flooded the transport) keeps the probes that finished;
      // only the rest are lost.
      if (!(e instanceof TransportError && (e.kind === "timeout" || e.kind === "overflow") && e.partial)) throw e;
      result = e.partial;
      stopped = e.kind;
    }
    let outputs;
    try {
      outputs = splitBatch(batch, probes.length, result.stdout, result.stderr);
    } catch (e) {
      if (!(e instanceof FramingError)) throw e;
      // Forged framing: no probe's output can be told apart, so none is read.
      for (const probe of probes) {
        base.facts[probe.name] = unread(probe, { stdout: "", stderr: "" }, `probe ${probe.name}: ${e.message}`, secrets);
      }
      return { ...base, reachable: true, roundTrips: 1, gatherMs: performance.now() - started };
    }
    // A batch that ended by itself is accepted only with the channel's exit status 0 and the
    // batch's own trailer: a batch shell killed on the node (or dying) after frames that look
    // complete is refused whole (whatever killed it could have written them). A batch cut by the
    // suite's own bound keeps the frames that closed before it (see below).
    if (!stopped) {
      const done = batchCompleted(batch, probes.length, result.stdout, result.code ?? null);
      if (!done.ok) {
        for (const [i, probe] of probes.entries()) {
          base.facts[probe.name] = unread(probe, outputs[i]!, `probe ${probe.name}: the batch did not run to its end (${done.why}): its shell was killed or died on the node, so none of its output is judged`, secrets);
        }
        return { ...base, reachable: true, roundTrips: 1, gatherMs: performance.now() - started };
      }
    }
    let unfinished: string | undefined;
    const bound = stopped === "overflow" ? "the node's output bound (the batch printed more than the transport keeps)" : "the node's command timeout";
    probes.forEach((probe, i) => {
      const out = outputs[i]!;
      if (stopped && out.code === null) {
        // The END marker never came: this probe was running (or never started) when the run was cut.
        const why = unfinished
          ? `not run: probe "${unfinished}" before it did not finish within ${bound}`
          : stopped === "overflow"
            ? `did not finish within ${bound}: a command of this probe flooded its output`
            : `did not finish within the node's command timeout (ssh.commandTimeoutMs): a command of this probe hung or is slow on this node`;
        unfinished ??= probe.name;
        base.facts[probe.name] = unread(probe, out, why, secrets);
        return;
      }
      if (out.code === null) {
        // No END marker although the batch ended by itself: the batch shell died (or was killed
        // on the node) before this probe finished. Whatever it printed is half an answer.
        base.facts[probe.name] = unread(probe, out, `probe ${probe.name}: the batch ended before this probe did (no end marker): not judged`, secrets);
        return;
      }
      base.facts[probe.name] = { ...readFact(probe, out, secrets), ...(out.nodeMs !== undefined ? { nodeMs: out.nodeMs } : {}), ...(out.nodeCpuMs !== undefined ? { nodeCpuMs: out.nodeCpuMs } : {}) };
    });
    return { ...base, reachable: true, roundTrips: 1, gatherMs: performance.now() - started };
  } catch (e) {
    const kind = e instanceof TransportError ? e.kind : "error";
    return { ...base, reachable: false, error: { kind, message: redact((e as Error).message, secrets) }, gatherMs: performance.now() - started };
  }
}

/** A probe whose output is not read (cut off, unframed): its redacted evidence and why, no exit code. */
function unread(probe: Probe<unknown>, out: { stdout: string; stderr: string }, error: string, secrets: readonly string[]): FactRecord {
  return { ok: false, error, evidence: { probe: probe.name, command: redact(probe.command, secrets), stdout: redact(out.stdout, secrets), stderr: redact(out.stderr, secrets), code: null } };
}

/**
 * Characters no tool's plain text output has: C0 controls but tab, newline and carriage return,
 * DEL, and C1 controls (ANSI escapes, binary). Output holding one is not judged (issue 15).
 */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/**
 * One probe's output as a fact, as the gather phase records it: output cut at the batch's cap,
 * or holding control characters, is refused before any parser sees it; otherwise the probe's
 * parser decides (a throw makes the fact unreadable). Evidence is redacted.
 */
export function readFact(probe: Probe<unknown>, out: ProbeOutput, secrets: readonly string[] = []): FactRecord {
  const cut = out.truncated?.length ? `\n[hlc: ${out.truncated.join(" and ")} truncated at ${OUTPUT_CAP} bytes by the suite]` : "";
  const evidence = {
    probe: probe.name,
    command: redact(probe.command, secrets),
    stdout: redact(out.stdout, secrets) + (out.truncated?.includes("stdout") ? cut : ""),
    stderr: redact(out.stderr, secrets) + (out.truncated?.includes("stderr") ? cut : ""),
    code: out.code,
  };
  if (out.truncated?.length) {
    // Half an answer is no answer: a fact is never read from output cut at the cap.
    return { ok: false, error: `probe ${probe.name}: ${out.truncated.join(" and ")} larger than the suite's cap of ${OUTPUT_CAP} bytes per stream: truncated, not judged`, evidence };
  }
  const bad = CONTROL.exec(out.stdout);
  if (bad) {
    const at = bad.index;
    return {
      ok: false,
      error: `probe ${probe.name}: output holds a control character (U+${bad[0].charCodeAt(0).toString(16).padStart(4, "0").toUpperCase()} at character ${at}: ANSI escapes or binary), not a tool's plain text: not judged`,
      evidence,
    };
  }
  try {
    return { ok: true, value: probe.parse(out), evidence };
  } catch (e) {
    return { ok: false, error: redact((e as Error).message, secrets), evidence };
  }
}

/**
 * A node's probes in lanes (helpers/facts/lanes.ts): concurrent batches on its one connection,
 * and beside them each probe with a runner-side step on a channel of its own (gatherOnRunner).
 */
export async function gatherNodeInLanes(transport: Transport, probes: Probe<unknown>[], channels: number, secrets: readonly string[] = [], resources?: RunnerResources): Promise<NodeFacts> {
  const started = performance.now();
  const own = resources ?? new RunnerResources();
  const batched = probes.filter((p) => !p.runner);
  try {
    const parts = await Promise.all([
      ...splitLanes(batched, channels).map((lane) => gatherNode(transport, lane, secrets)),
      ...probes.filter((p) => p.runner).map((p) => gatherOnRunner(transport, p, own, secrets)),
    ]);
    return mergeLanes(probes, parts, performance.now() - started);
  } finally {
    if (!resources) await own.stopAll();
  }
}

/** One runner-side probe of a node: its fact, read from what its step reported (redacted like any evidence). */
export async function gatherOnRunner(transport: Transport, probe: Probe<unknown>, resources: RunnerResources, secrets: readonly string[] = []): Promise<NodeFacts> {
  const started = performance.now();
  const base = { node: transport.node, facts: {} as NodeFacts["facts"] };
  const step = probe.runner!;
  let out: ProbeOutput;
  try {
    const resource = await resources.get(step.resource);
    out = await step.consume(resource, (sink) => {
      // Not a node that is down: only this fact cannot be had (its other facts stand).
      if (!transport.stream) throw new Error(`the transport to ${transport.node} cannot stream a command's output`);
      return transport.stream(probe.command, sink);
    }, transport.node);
  } catch (e) {
    // The node could not be reached (as a failed batch does, the node is unreachable with why);
    // anything else failed on the runner's side: the fact is unread, with why.
    if (e instanceof TransportError && e.kind !== "timeout" && e.kind !== "closed") {
      return { ...base, reachable: false, error: { kind: e.kind, message: redact(e.message, secrets) }, roundTrips: 1, gatherMs: performance.now() - started };
    }
    base.facts[probe.name] = unread(probe, { stdout: "", stderr: "" }, `probe ${probe.name}: ${(e as Error).message}`, secrets);
    return { ...base, reachable: true, roundTrips: 1, gatherMs: performance.now() - started };
  }
  base.facts[probe.name] = readFact(probe, out, secrets);
  return { ...base, reachable: true, roundTrips: 1, gatherMs: performance.now() - started };
}

/** What a run gathers: which nodes (the others are never connected to), and who hears of progress. */
export interface GatherScope {
  /** Nodes to gather; absent: every node. A node left out gets a `leftOut` record instead. */
  nodes?: readonly string[];
  /** Why the others are left out, e.g. "left out of this run by its filter (--node vm100)". */
  leftOutReason?: string;
  /** Called as each node starts and finishes (the terminal's progress lines). */
  onProgress?: (event: { node: string; phase: "start" | "done"; facts?: NodeFacts }) => void;
}

export async function gatherRun(inventory: Inventory, pool: TransportPool, plan: ProbePlan, secrets: readonly string[] = [], scope: GatherScope = {}): Promise<RunFacts> {
  const startedAt = new Date();
  const t0 = performance.now();
  // What runner-side steps need (a throwaway container) lives as long as this gather, failed or not.
  const resources = new RunnerResources();
  const gathered = await Promise.all(
    inventory.nodes.map(async (n): Promise<NodeFacts> => {
      if (scope.nodes && !scope.nodes.includes(n.name)) {
        const why = `not gathered: ${scope.leftOutReason ?? "left out of this run"}`;
        return { node: n.name, reachable: false, leftOut: why, error: { kind: "left-out", message: why }, roundTrips: 0, gatherMs: 0, facts: {} };
      }
      scope.onProgress?.({ node: n.name, phase: "start" });
      const facts = await gatherNodeInLanes(pool.get(n.name), plan(n, inventory), n.ssh?.maxChannels ?? SSH_DEFAULTS.maxChannels, secrets, resources);
      scope.onProgress?.({ node: n.name, phase: "done", facts });
      return facts;
    }),
  ).finally(() => resources.stopAll());
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
