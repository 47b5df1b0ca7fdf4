// Gather phase of a conformance run: runs once, before any spec file, in vitest's main process.
// One SSH connection per node, every node's probes in one round trip, all nodes concurrently;
// the spec files then judge these facts.
//
// Playbook diagnostics (operations.md §4.3-4.5): the invariants that name a playbook section are
// judged here too, on the same facts. For every node where one fails, what its playbook says to
// look at (findmnt -T, systemctl status, the journal, docker logs, the restart history) runs in
// ONE more batched round trip over the same, still open connection (nodes in parallel), and
// reaches the workers with the facts. A conformant run makes no extra round trip.
import { mkdirSync, writeFileSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { gatherFromFile } from "../helpers/facts/run.ts";
import { inheritedMarks, phaseDurations, type PhaseMarks } from "../helpers/report/phases.ts";
import { loadCatalog } from "../helpers/spec/catalog.ts";
import { planDiagnostics, withPlaybook } from "../helpers/spec/diagnose.ts";
import { gatherProgress } from "../helpers/report/progress.ts";
import { readHostLimits } from "../helpers/spec/limits.ts";
import type { Declared } from "../helpers/spec/registry.ts";
import { setRunContext } from "../helpers/spec/run-context.ts";
import { isFiltered, scopeFromEnv, selectsInvariant } from "../helpers/spec/scope.ts";
import { scopedGather } from "../helpers/spec/scope-plan.ts";
import { loadInventory } from "../helpers/inventory/load.ts";

export default async function setup(project: TestProject): Promise<void> {
  const gatherStart = Date.now();
  const file = process.env.HLC_INVENTORY;
  if (!file) {
    throw new Error("HLC_INVENTORY is not set. Run `npm run conformance` (fixture lab) or `npm run conformance -- --inventory FILE` (live).");
  }
  const target = process.env.HLC_TARGET === "lab" ? "lab" : "live";
  // The fixture lab's host limits (e.g. no autofs on this machine); a live run has none.
  const limits = readHostLimits();

  // The run's filter (--invariant, --family, --node): only what it selects is gathered.
  const scope = scopeFromEnv();
  // A filtered run plans its gather from the catalogue, so it is loaded first.
  const scoped = isFiltered(scope) ? scopedGather(loadInventory(file), scope, await loadCatalog()) : undefined;

  // The spec files, declared only (catalog mode: nothing registers tests in this process),
  // imported while the facts are gathered.
  let diagnosticsProblem: string | undefined;
  const catalog: Promise<Declared[]> =
    process.env.HLC_DIAGNOSTICS === "0"
      ? Promise.resolve([])
      : loadCatalog().then((all) => withPlaybook(all).filter((d) => selectsInvariant(scope, d.meta)), (e: Error) => {
          diagnosticsProblem = `spec files could not be loaded for diagnostics: ${e.message}`;
          console.warn(`[conformance] ${diagnosticsProblem}`);
          return [];
        });

  const progress = gatherProgress();
  const { inventory, facts } = await gatherFromFile(file, {
    ...(scoped ? { plan: () => scoped.plan } : {}),
    scope: { ...(scoped ? { nodes: scoped.nodes, leftOutReason: scoped.leftOutReason } : {}), onProgress: progress.event },
    diagnose: async (inv, gathered) => {
      progress.end();
      if (scoped) for (const n of inv.nodes) if (gathered.nodes[n.name] && !gathered.nodes[n.name]!.leftOut) gathered.nodes[n.name]!.leftOutProbes = scoped.leftOutProbes(n);
      const playbooks = await catalog;
      if (playbooks.length === 0) return {};
      setRunContext({ inventory: inv, facts: gathered, target, limits });
      try {
        return planDiagnostics(playbooks, inv, gathered, limits);
      } finally {
        setRunContext(undefined);
      }
    },
  });
  project.provide("hlcRun", { inventory, facts, target, limits });
  // Where the run's time goes (helpers/report/phases.ts); the reporters and the renderer add theirs.
  const marks: PhaseMarks = { ...inheritedMarks(), vitestStart: Math.round(performance.timeOrigin), gatherStart, gatherEnd: Date.now() };

  // Run statistics for the operator and the benchmark: connections, round trips, timings.
  mkdirSync("reports", { recursive: true });
  const stats = {
    inventory: file,
    target,
    ...(limits.length ? { hostLimits: limits.length } : {}),
    ...(isFiltered(scope) ? { scope, leftOut: Object.values(facts.nodes).filter((n) => n.leftOut).map((n) => n.node) } : {}),
    startedAt: facts.startedAt,
    gatherMs: Math.round(facts.durationMs),
    connections: facts.connections,
    ...(facts.diagnosticsMs !== undefined ? { diagnosticsMs: Math.round(facts.diagnosticsMs) } : {}),
    ...(diagnosticsProblem ? { diagnosticsError: diagnosticsProblem } : {}),
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
}
