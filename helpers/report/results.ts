// reports/results.json: one conformance run, machine-readable and versioned (schema below,
// documented in docs/RESULTS.md). Every other output of a run (JUnit XML, summary.md, Prometheus
// metrics, a before/after comparison) is derived from this one file, so they always agree.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const RESULTS_SCHEMA = "homelab-conformance/results";
export const RESULTS_VERSION = 1;

/**
 * "waived": it failed, and a waiver in force accepts that failure for now (helpers/waivers). Never
 * a pass, never counted as failed; "failed" always means failed (an expired waiver's failure too).
 */
export type ResultStatus = "passed" | "failed" | "skipped" | "waived";

/** How a result compares with the baseline run (`--baseline`), when there is one. */
export type ResultChange = "new-failure" | "still-failing" | "fixed" | "new-check";

export interface ResultWaiver {
  owner: string;
  justification: string;
  /** YYYY-MM-DD, the last day (UTC) it holds. */
  expires: string;
  /** "active": it waives this failure; "expired": it no longer does, the result failed. */
  state: "active" | "expired";
  /** Where the waiver is written. */
  at: string;
}

export interface ResultFinding {
  subject: string;
  expected: string;
  actual: string;
}

/** Which (invariant, node) a result is about: shared by results.json and each test's meta. */
export interface ResultIdentity {
  /** Invariant ID, e.g. EXPOSE-001. */
  id: string;
  /** Inventory node name; null for an invariant no node declares (skipped, "no-node"). */
  node: string | null;
  title: string;
  section: string;
  family: string;
  severity: string;
  /** Boot layer of the node (§3.1), null without a node. */
  layer: number | null;
}

export interface ResultRecord extends ResultIdentity {
  status: ResultStatus;
  /**
   * Why, beyond the status: "planned" (an item of the document not declared yet), "not-hostable"
   * (the machine hosting the lab cannot exhibit it), "no-node", "unreachable" (the node could not
   * be asked anything), "broken" (the spec itself threw), "left-out" (it needs facts this run's
   * filter left out: a node or a probe it did not gather; skipped with what was not judged).
   */
  kind?: "planned" | "not-hostable" | "no-node" | "unreachable" | "broken" | "left-out" | "opted-out";
  /** The failure message (node, invariant, expected, actual) or the reason of a skip. */
  message?: string;
  findings?: ResultFinding[];
  /** operations.md playbook section a failure points to (§4.x). */
  playbook?: string;
  durationMs?: number;
  /** The waiver that met this failure: active (status "waived") or expired (status "failed"). */
  waiver?: ResultWaiver;
  /** With a baseline: how this result changed (absent: unchanged and not failing). */
  change?: ResultChange;
}

/** A waiver of the waivers file and what it did in this run. */
export interface WaiverOutcome {
  invariant: string;
  node: string;
  owner: string;
  justification: string;
  expires: string;
  at: string;
  /**
   * "active": it waived a failure; "expired": it met a failure but no longer holds; "stale": it
   * matched no failure of this run (the check passes now, or no such check exists): remove it;
   * "out-of-scope": this run's filter left its invariant or node out, so it was not tried.
   */
  state: "active" | "expired" | "stale" | "out-of-scope";
}

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
    /** How many host limits the run applied (a lab on a machine short of something). */
    hostLimits: number;
    /** The run's filter (--invariant, --family, --node); absent: everything was run. */
    scope?: { invariants: string[]; families: string[]; nodes: string[] };
    /** The waivers file the run used. */
    waivers?: string;
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

export const resultKey = (r: { id: string; node: string | null }): string => `${r.id} ${r.node ?? "(no node)"}`;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

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
