// The conformance run, once, before the one test file reports it: vitest's main process reads the
// run's parameters (set by the CLI), gathers every node's facts over one SSH connection per node,
// judges each (invariant, node) once (helpers/run/run.ts) and hands the results, plain data, to
// specs/conformance.test.ts, which reports each as a test (Allure, the reporters).
//
// The setup returns as soon as the run has STARTED: vitest then starts its worker and imports the
// test file while the nodes answer (the worker's start, ~0.4 s, was spent after the gather). The
// results travel over a BroadcastChannel (worker_threads: one process, structured clone): the
// test file says "ready", the run answers once it has judged, with its results or its error
// (the file then fails to load, a run error in results.json, never an empty green run).
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { offerOutcome, type RunOutcome } from "../helpers/results/channel.ts";
import type { JudgedResult } from "../helpers/results/model.ts";
import { inheritedMarks, phaseDurations, type PhaseMarks } from "../helpers/report/phases.ts";
import { gatherProgress } from "../helpers/report/progress.ts";
import { paramsFromEnv, type RunParams } from "../helpers/run/options.ts";
import { runConformance } from "../helpers/run/run.ts";
import { isFiltered } from "../helpers/spec/scope.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The BroadcastChannel the run's results come on (helpers/results/channel.ts). */
    hlcResultsChannel: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const gatherStart = Date.now();
  const params = paramsFromEnv(process.env);
  const name = `hlc-results-${randomUUID()}`;
  project.provide("hlcResultsChannel", name);
  const outcome: Promise<RunOutcome> = judged(params, gatherStart).then(
    (results) => ({ results }),
    (e: unknown) => ({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
  const close = offerOutcome(name, outcome);
  // vitest's teardown of the setup: the run has ended (or never asked: a worker that did not
  // start); nothing is left open.
  return async () => {
    await outcome;
    close();
  };
}

async function judged(params: RunParams, gatherStart: number): Promise<JudgedResult[]> {
  const progress = gatherProgress();
  const run = await runConformance(params, { onProgress: progress.event, onGathered: progress.end });
  if (run.diagnosticsProblem) console.warn(`[conformance] ${run.diagnosticsProblem}`);
  const facts = run.facts;
  // Where the run's time goes (helpers/report/phases.ts); the reporters and the renderer add theirs.
  const marks: PhaseMarks = { ...inheritedMarks(), vitestStart: Math.round(performance.timeOrigin), gatherStart, gatherEnd: Date.now() };

  // Run statistics for the operator and the benchmark: connections, round trips, timings.
  mkdirSync("reports", { recursive: true });
  const stats = {
    inventory: params.inventoryFile,
    target: params.options.target,
    ...(run.limits.length ? { hostLimits: run.limits.length } : {}),
    ...(isFiltered(params.scope) ? { scope: params.scope, leftOut: Object.values(facts.nodes).filter((n) => n.leftOut).map((n) => n.node) } : {}),
    startedAt: facts.startedAt,
    gatherMs: Math.round(facts.durationMs),
    connections: facts.connections,
    ...(facts.diagnosticsMs !== undefined ? { diagnosticsMs: Math.round(facts.diagnosticsMs) } : {}),
    ...(run.diagnosticsProblem ? { diagnosticsError: run.diagnosticsProblem } : {}),
    nodes: Object.values(facts.nodes).filter((n) => !n.leftOut).map((n) => ({
      node: n.node,
      reachable: n.reachable,
      roundTrips: n.roundTrips,
      gatherMs: Math.round(n.gatherMs),
      // Each probe's own time on the node (its batch frame), slowest first: where the gather goes.
      probesMs: Object.fromEntries(
        Object.entries(n.facts)
          .filter(([, f]) => f.nodeMs !== undefined)
          .sort((a, b) => b[1].nodeMs! - a[1].nodeMs!)
          .map(([name, f]) => [name, f.nodeMs!]),
      ),
      // And the CPU each probe's processes used there, costliest first: on a busy machine the
      // nodes share the runner's cores, so CPU, not wall time, is what a probe costs the others.
      probesCpuMs: Object.fromEntries(
        Object.entries(n.facts)
          .filter(([, f]) => f.nodeCpuMs !== undefined)
          .sort((a, b) => b[1].nodeCpuMs! - a[1].nodeCpuMs!)
          .map(([name, f]) => [name, f.nodeCpuMs!]),
      ),
      cpuMs: Object.values(n.facts).reduce((sum, f) => sum + (f.nodeCpuMs ?? 0), 0),
      ...(n.error ? { error: n.error.message } : {}),
      ...(n.diagnostics
        ? {
            diagnostics: {
              invariants: Object.keys(n.diagnostics),
              commands: new Set(Object.values(n.diagnostics).flatMap((ds) => ds.map((d) => d.command))).size,
              ms: Math.round(n.diagnosticsMs ?? 0),
            },
          }
        : {}),
      ...(n.diagnosticsError ? { diagnosticsError: n.diagnosticsError } : {}),
    })),
    marks,
    phases: phaseDurations(marks),
  };
  writeFileSync(process.env.HLC_RUN_STATS ?? "reports/run-stats.json", JSON.stringify(stats, null, 2) + "\n");
  return run.results;
}
