// vitest reporter of the conformance project: writes reports/results.json (helpers/report/results.ts)
// at the end of a run, from each test's `meta.hlc` (helpers/spec/invariant.ts) and the gather
// phase's run statistics. HLC_RESULTS_JSON overrides the path. Beside it, the outputs derived
// from it (junit.xml, summary.md), and, with HLC_BASELINE, the comparison with an earlier run.
// The same body then becomes the run's Prometheus metrics (helpers/report/metrics.ts;
// HLC_METRICS_PROM, default reports/homelab_conformance.prom).
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, relative } from "node:path";
import type { Reporter, SerializedError, TestModule } from "vitest/node";
import type { JudgedResult } from "../results/model.ts";
import { isFiltered, scopeFromEnv } from "../spec/scope.ts";
import { runWaivers, WAIVERS_ENV } from "../waivers/env.ts";
import { waiverOutcomes } from "../waivers/outcomes.ts";
import { compareWithBaseline } from "./baseline.ts";
import { writeDerived } from "./derived.ts";
import { countResults, readResults, RESULTS_SCHEMA, RESULTS_VERSION, sortResults, suiteVersion, writeResults, type ResultRecord, type ResultsFile } from "./results.ts";
import { writeRunMetrics } from "./metrics.ts";

export default class ResultsReporter implements Reporter {
  private started = new Date();

  onTestRunStart(): void {
    this.started = new Date();
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<SerializedError> = []): void {
    const results: ResultRecord[] = [];
    const errors: ResultsFile["errors"] = [];
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        // The verdict travels as data (helpers/report/test-result.ts); vitest's status only mirrors it.
        const meta = t.meta().hlc as JudgedResult | undefined;
        if (!meta) continue; // not a conformance result
        const { must: _must, target: _target, attachments: _attachments, ...record } = meta;
        const duration = t.diagnostic()?.duration;
        results.push({ ...record, ...(duration !== undefined ? { durationMs: Math.round(duration) } : {}) });
      }
      // A spec file that failed as a whole is a failure of the run, never silently dropped.
      const own = m.errors();
      if (m.state() === "failed" && own.length) errors.push({ file: relative(process.cwd(), m.moduleId), message: own.map((e) => e.message).join("\n") });
    }
    // An error outside every spec file (the gather phase threw: a bad inventory, ...) means nothing
    // was judged: a failure of the run, never an empty run that looks clean.
    for (const e of unhandled) errors.push({ file: "(run)", message: e.message ?? String(e) });
    // A run that judged nothing and reported no error still broke somewhere before its specs (vitest
    // does not hand a global-setup error to reporters as unhandled: a refused inventory ended a
    // scheduled run with 0 results and run_errors 0, metrics that looked clean). A selection is
    // never empty (the CLI refuses a filter that matches nothing), so no result means no run.
    if (results.length === 0 && errors.length === 0) errors.push({ file: "(run)", message: "no result was judged: the run ended before its specs ran (see its output for why, e.g. an inventory that was refused)" });
    const stats = readStats();
    const finished = new Date();
    const scope = scopeFromEnv();
    const sorted = sortResults(results);
    const baselineFile = process.env.HLC_BASELINE;
    const body: ResultsFile = {
      schema: RESULTS_SCHEMA,
      version: RESULTS_VERSION,
      suite: suiteVersion(),
      run: {
        startedAt: stats?.startedAt ?? this.started.toISOString(),
        finishedAt: finished.toISOString(),
        durationMs: finished.getTime() - new Date(stats?.startedAt ?? this.started).getTime(),
        inventory: process.env.HLC_INVENTORY ?? null,
        target: process.env.HLC_TARGET === "lab" ? "lab" : "live",
        runner: hostname(),
        // The gather phase read the limits file and counted it in run-stats.json.
        hostLimits: stats?.hostLimits ?? 0,
        ...(isFiltered(scope) ? { scope } : {}),
        ...(process.env[WAIVERS_ENV] ? { waivers: process.env[WAIVERS_ENV] } : {}),
        // scripts/conformance.ts clears the inherited variables and sets these from its flags only.
        optIns: optInsFromEnv(),
      },
      counts: countResults(results, errors),
      nodes: (stats?.nodes ?? []).map((n) => ({ node: n.node, reachable: n.reachable, ...(n.error ? { error: n.error } : {}), gatherMs: n.gatherMs, roundTrips: n.roundTrips })),
      results: sorted,
      errors,
      ...(process.env[WAIVERS_ENV] ? { waivers: waiverOutcomes(runWaivers(), sorted, scope) } : {}),
      ...(baselineFile ? { baseline: compareWithBaseline(sorted, readResults(baselineFile), baselineFile, scope) } : {}),
    };
    const file = process.env.HLC_RESULTS_JSON ?? "reports/results.json";
    mkdirSync(dirname(file), { recursive: true });
    writeResults(file, body);
    // junit.xml and summary.md beside it, from the same body.
    writeDerived(file, body);
    writeRunMetrics(body);
  }
}

/** The opt-ins the CLI passed (it cleared the inherited ones first: helpers/cli/opt-ins.ts). */
export function optInsFromEnv(env: NodeJS.ProcessEnv = process.env): NonNullable<ResultsFile["run"]["optIns"]> {
  return { allowWrites: env.HLC_ALLOW_WRITE_PROBES === "1", acceptNewHostKeys: env.HLC_ACCEPT_NEW_HOSTKEYS === "1", hostLimits: env.HLC_HOST_LIMITS || null };
}

interface Stats {
  startedAt?: string;
  hostLimits?: number;
  nodes?: Array<{ node: string; reachable: boolean; error?: string; gatherMs: number; roundTrips: number }>;
}

function readStats(): Stats | undefined {
  const file = process.env.HLC_RUN_STATS ?? "reports/run-stats.json";
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Stats;
  } catch {
    return undefined;
  }
}

