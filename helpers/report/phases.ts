// Where the time of a conformance run goes. Each process of a run (the npm script, the vitest main
// process, its reporters, the report renderer) leaves epoch-ms marks under `marks` in
// reports/run-stats.json; `phases` are the durations between them, recomputed on every write, so
// the file always holds the breakdown of the run so far. The benchmark prints it (bench/).
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** Epoch-ms marks of one run, in the order they happen. */
export interface PhaseMarks {
  /** `npm run conformance`'s shell script started (HLC_T0, scripts/run-conformance.sh). */
  t0?: number;
  /** scripts/setup.sh finished (HLC_T_SETUP). */
  setupEnd?: number;
  /** The vitest main process started (its performance.timeOrigin). */
  vitestStart?: number;
  gatherStart?: number;
  gatherEnd?: number;
  /** The first reporter's onTestRunEnd: every spec file collected and judged. */
  judgedEnd?: number;
  /** The last reporter's onTestRunEnd: results.json, Allure results, vitest.json written. */
  resultsEnd?: number;
  /** The report renderer started (its process's performance.timeOrigin). */
  reportStart?: number;
  reportEnd?: number;
}

/** Summed over spec files (vitest's module diagnostics): importing them vs running their tests. */
export interface SpecTimes {
  files: number;
  tests: number;
  collectMs: number;
  testsMs: number;
}

export type PhaseName = "setup" | "load" | "gather" | "collection" | "judging" | "results" | "exit" | "report" | "total";

export const statsFile = (): string => process.env.HLC_RUN_STATS ?? "reports/run-stats.json";

/** A mark passed through the environment by an earlier process of the run. */
export function envMark(name: string): number | undefined {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

const span = (a?: number, b?: number) => (a !== undefined && b !== undefined ? Math.max(0, Math.round(b - a)) : undefined);

/**
 * Durations of the phases a run has reached:
 *   setup       setup.sh (dependency and engine checks)
 *   load        TypeScript loading, the run script's imports, vitest's start and config, up to the gather
 *   gather      every node's facts over SSH (and playbook diagnostics)
 *   collection  worker start and importing the spec files (registering their tests)
 *   judging     running the tests on the gathered facts
 *   results     reporters writing results.json, Allure results and vitest.json
 *   exit        vitest's teardown and the renderer's start
 *   report      rendering the offline HTML report
 */
export function phaseDurations(m: PhaseMarks, specs?: SpecTimes): Partial<Record<PhaseName, number>> {
  const start = m.t0 ?? m.vitestStart;
  const afterGather = span(m.gatherEnd, m.judgedEnd);
  const judging = afterGather === undefined ? undefined : Math.min(afterGather, Math.round(specs?.testsMs ?? 0));
  const out: Partial<Record<PhaseName, number>> = {
    setup: span(m.t0, m.setupEnd),
    load: span(m.setupEnd ?? start, m.gatherStart),
    gather: span(m.gatherStart, m.gatherEnd),
    collection: afterGather === undefined ? undefined : afterGather - judging!,
    judging,
    results: span(m.judgedEnd, m.resultsEnd),
    exit: span(m.resultsEnd, m.reportStart),
    report: span(m.reportStart, m.reportEnd),
    total: span(start, m.reportEnd ?? m.resultsEnd ?? m.gatherEnd),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

interface StatsWithPhases {
  marks?: PhaseMarks;
  specs?: SpecTimes;
  phases?: Partial<Record<PhaseName, number>>;
  [key: string]: unknown;
}

/** Merge marks (and spec times) into the run statistics file and recompute the phases. */
export function recordPhases(marks: PhaseMarks, specs?: SpecTimes, file = statsFile()): void {
  let stats: StatsWithPhases = {};
  if (existsSync(file)) {
    try {
      stats = JSON.parse(readFileSync(file, "utf8")) as StatsWithPhases;
    } catch {
      return; // not ours to repair: the gather phase writes it whole
    }
  }
  stats.marks = { ...stats.marks, ...marks };
  if (specs) stats.specs = specs;
  stats.phases = phaseDurations(stats.marks, stats.specs);
  writeFileSync(file, JSON.stringify(stats, null, 2) + "\n");
}

/** The marks a process of the run inherits from the ones before it. */
export function inheritedMarks(): PhaseMarks {
  const t0 = envMark("HLC_T0");
  const setupEnd = envMark("HLC_T_SETUP");
  return { ...(t0 ? { t0 } : {}), ...(setupEnd ? { setupEnd } : {}) };
}
