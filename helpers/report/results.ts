// reports/results.json: one conformance run, machine-readable and versioned (schema below,
// documented in docs/RESULTS.md). Every other output of a run (JUnit XML, summary.md, Prometheus
// metrics, a before/after comparison) is derived from this one file, so they always agree.
import { PACKAGE_ROOT } from "../paths.ts";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const RESULTS_SCHEMA = "homelab-conformance/results";
export const RESULTS_VERSION = 1;

// The result model lives below every layer that makes or reads a result (helpers/results/model.ts).
import type { ResultRecord, ResultStatus, WaiverOutcome } from "../results/model.ts";
export type { WaiverOutcome, ResultChange, ResultFinding, ResultIdentity, ResultKind, ResultRecord, ResultStatus, ResultWaiver } from "../results/model.ts";
export { resultKey } from "../results/model.ts";

/** What changed since the baseline run: keys are `<ID> <node>`. */
export interface BaselineComparison {
  file: string;
  startedAt: string;
  /** Failed now, not failing in the baseline (or not there). */
  newFailures: string[];
  /** Failed in the baseline, passed now. */
  fixed: string[];
  /** Failed now and in the baseline (a result waived now is in no bucket: see waivers). */
  stillFailing: string[];
  /** Failed in the baseline, skipped now: not judged, so neither fixed nor failing. */
  noLongerJudged: string[];
  /** Checks in this run that the baseline did not have, and the other way round. */
  newChecks: string[];
  removedChecks: string[];
}

export interface ResultsFile {
  schema: typeof RESULTS_SCHEMA;
  version: typeof RESULTS_VERSION;
  suite: { name: string; version: string };
  run: {
    startedAt: string;
    finishedAt: string;
    durationMs: number;
    inventory: string | null;
    target: "lab" | "live";
    /** The machine that ran the suite (its hostname): junit.xml's hostname. */
    runner?: string;
    /** How many host limits the run applied (a lab on a machine short of something). */
    hostLimits: number;
    /** The run's filter (--invariant, --family, --node); absent: everything was run. */
    scope?: { invariants: string[]; families: string[]; nodes: string[] };
    /** The waivers file the run used. */
    waivers?: string;
    /**
     * The run's opt-ins, each from an explicit command-line flag (--allow-writes,
     * --accept-new-hostkeys, --host-limits FILE); an inherited environment variable alone sets none.
     */
    optIns?: { allowWrites: boolean; acceptNewHostKeys: boolean; hostLimits: string | null };
  };
  counts: { total: number; passed: number; failed: number; skipped: number; waived: number };
  nodes: Array<{ node: string; reachable: boolean; error?: string; gatherMs?: number; roundTrips?: number }>;
  results: ResultRecord[];
  /** Spec files that failed as a whole (import error, hook error): each counts as one failure. */
  errors: Array<{ file: string; message: string }>;
  /** Every waiver of the waivers file and what it did (absent without a waivers file). */
  waivers?: WaiverOutcome[];
  /** With `--baseline`: what changed since that run. */
  baseline?: BaselineComparison;
}


const ROOT = PACKAGE_ROOT;

export function suiteVersion(): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
}

export function countResults(results: ResultRecord[], errors: ResultsFile["errors"]): ResultsFile["counts"] {
  const n = (s: ResultStatus) => results.filter((r) => r.status === s).length;
  return { total: results.length + errors.length, passed: n("passed"), failed: n("failed") + errors.length, skipped: n("skipped"), waived: n("waived") };
}

/** Stable order: by layer, node, then invariant ID (what a reader scans for). */
export function sortResults(results: ResultRecord[]): ResultRecord[] {
  return [...results].sort((a, b) => (a.layer ?? 99) - (b.layer ?? 99) || (a.node ?? "").localeCompare(b.node ?? "") || a.id.localeCompare(b.id));
}

/** Written atomically (temp file + rename): a reader never sees half a file. */
export function writeResults(file: string, body: ResultsFile): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(body, null, 2) + "\n");
  renameSync(tmp, file);
}

export function readResults(file: string): ResultsFile {
  let parsed: Partial<ResultsFile>;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: not a readable results file (${(e as Error).message})`);
  }
  if (parsed.schema !== RESULTS_SCHEMA) throw new Error(`${file}: not a homelab-conformance results file (schema ${JSON.stringify(parsed.schema)})`);
  if (parsed.version !== RESULTS_VERSION) throw new Error(`${file}: results version ${parsed.version}, this suite reads version ${RESULTS_VERSION}`);
  return parsed as ResultsFile;
}
