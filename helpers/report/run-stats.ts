// reports/run-stats.json: what a run cost, for the operator and the benchmark (connections, round
// trips, each node's gather and each probe's time and CPU there, the phase marks). Written once
// the run has judged; the reporters and the renderer add their marks (helpers/report/phases.ts).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { NodeFacts } from "../facts/types.ts";
import type { RunOutcome } from "../run/run.ts";
import type { RunParams } from "../run/options.ts";
import { isFiltered } from "../spec/scope.ts";
import { phaseDurations, statsFile, type PhaseMarks } from "./phases.ts";

export function runStats(params: RunParams, run: RunOutcome, marks: PhaseMarks): Record<string, unknown> {
  const facts = run.facts;
  return {
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
      probesMs: ranked(n.facts, (f) => f.nodeMs),
      // And the CPU each probe's processes used there, costliest first: on a busy machine the
      // nodes share the runner's cores, so CPU, not wall time, is what a probe costs the others.
      probesCpuMs: ranked(n.facts, (f) => f.nodeCpuMs),
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
}

/** probe → its figure, largest first; probes without the figure left out. */
function ranked(facts: NodeFacts["facts"], figure: (f: NodeFacts["facts"][string]) => number | undefined): Record<string, number> {
  const rows = Object.entries(facts).flatMap(([name, f]) => {
    const v = figure(f);
    return v === undefined ? [] : [[name, v] as const];
  });
  return Object.fromEntries(rows.sort((a, b) => b[1] - a[1]));
}

export function writeRunStats(stats: Record<string, unknown>): void {
  const file = statsFile();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(stats, null, 2) + "\n");
}
