// results.json -> reports/homelab_conformance.prom: the Prometheus text format node-exporter's
// textfile collector serves (README "Run it on a schedule", the metrics reference). Every value is
// a gauge of the LAST run: a scrape says what the homelab looks like now, never a sum over runs
// (goss's counters are the known trap). Written atomically: node-exporter never reads half a file.
//
//   npx tsx helpers/report/metrics.ts [results.json] [out.prom]    (defaults: the run's own files)
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseDuration } from "../inventory/sections/storage.ts";
import { readResults, type ResultsFile } from "./results.ts";

export const DEFAULT_PROM_FILE = "reports/homelab_conformance.prom";
/** The default schedule is daily (deploy/systemd/homelab-conformance.timer) plus its random delay: 26 h. */
export const DEFAULT_STALE_AFTER_SEC = 26 * 3600;

export interface MetricsOptions {
  /** How old the last run may get before HomelabConformanceRunStale fires (the schedule's bound). */
  staleAfterSec?: number;
}

/** A label value in the text format: backslash, double quote and newline escaped. */
const esc = (v: string): string => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const labels = (l: Record<string, string | number | null | undefined>): string => {
  const parts = Object.entries(l)
    .filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => `${k}="${esc(String(v))}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
};
/** Go's strconv-compatible rendering of a sample value (no exponent surprises for integers). */
const num = (n: number): string => (Number.isFinite(n) ? String(n) : "NaN");

class Exposition {
  private out: string[] = [];
  gauge(name: string, help: string, samples: Array<[Record<string, string | number | null | undefined>, number]>): void {
    this.out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [l, v] of samples) this.out.push(`${name}${labels(l)} ${num(v)}`);
  }
  text(): string {
    return this.out.join("\n") + "\n";
  }
}

/** The known statuses (waived: an accepted failure, helpers/waivers); any status is passing only when "passed". */
const KNOWN_STATUSES = ["passed", "failed", "skipped", "waived"] as const;

export function renderMetrics(body: ResultsFile, options: MetricsOptions = {}): string {
  const e = new Exposition();
  const finished = Date.parse(body.run.finishedAt) / 1000;
  e.gauge("homelab_conformance_info", "The suite that wrote these metrics (value always 1).", [
    [{ suite: body.suite.name, version: body.suite.version, results_version: body.version, target: body.run.target }, 1],
  ]);
  e.gauge("homelab_conformance_last_run_timestamp_seconds", "When the last conformance run finished, in seconds since the epoch.", [[{}, finished]]);
  e.gauge("homelab_conformance_run_duration_seconds", "How long the last conformance run took.", [[{}, body.run.durationMs / 1000]]);
  e.gauge(
    "homelab_conformance_stale_after_seconds",
    "How old the last run may get before the schedule counts as broken (HomelabConformanceRunStale).",
    [[{}, options.staleAfterSec ?? DEFAULT_STALE_AFTER_SEC]],
  );

  // Counts by status as results.json counts them: a spec file that failed as a whole is one failure.
  const byStatus = new Map<string, number>(KNOWN_STATUSES.map((s) => [s, 0]));
  for (const r of body.results) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  byStatus.set("failed", byStatus.get("failed")! + body.errors.length);
  e.gauge("homelab_conformance_results", "Results of the last run by status.", [...byStatus].map(([status, n]) => [{ status }, n]));
  e.gauge("homelab_conformance_run_errors", "Errors that kept the last run from judging (a spec file that failed as a whole, a gather phase that threw); each counts as a failure.", [[{}, body.errors.length]]);

  e.gauge("homelab_conformance_nodes", "Nodes the last run tried to reach.", [[{}, body.nodes.length]]);
  e.gauge("homelab_conformance_nodes_unreachable", "Nodes the last run could not reach.", [[{}, body.nodes.filter((n) => !n.reachable).length]]);
  e.gauge(
    "homelab_conformance_node_reachable",
    "1 when the last run reached the node over its transport, 0 when it could not (its specs then fail).",
    body.nodes.map((n) => [{ node: n.node }, n.reachable ? 1 : 0]),
  );

  // One series per (invariant, node). A duplicate label set would make node-exporter drop the
  // whole file: keep the first, unless a later one is worse (not passed).
  const seen = new Map<string, ResultsFile["results"][number]>();
  for (const r of body.results) {
    const key = `${r.id}\u0000${r.node ?? ""}`;
    const had = seen.get(key);
    if (!had || (had.status === "passed" && r.status !== "passed")) seen.set(key, r);
  }
  e.gauge(
    "homelab_conformance_result",
    "One per (invariant, node) of the last run: 1 passed; 0 otherwise, the status label says which (failed, skipped, or any status not known to pass).",
    [...seen.values()].map((r) => [
      { invariant: r.id, node: r.node, family: r.family, section: r.section, severity: r.severity, status: r.status, kind: r.kind },
      r.status === "passed" ? 1 : 0,
    ]),
  );
  return e.text();
}

/** Temp file in the same directory + rename: atomic on one filesystem, as the textfile collector needs. */
export function writeMetrics(file: string, text: string): void {
  mkdirSync(dirname(resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, file);
}

/** HLC_STALE_AFTER: seconds, or a duration like 26h / 1d2h; a bad value is an error naming it. */
export function staleAfterFromEnv(value: string | undefined = process.env.HLC_STALE_AFTER): number | undefined {
  if (value === undefined || value === "") return undefined;
  const sec = /^[0-9]+$/.test(value) ? Number(value) : parseDuration(value);
  if (!sec) throw new Error(`HLC_STALE_AFTER: expected seconds or a duration like 26h or 1d2h, got ${JSON.stringify(value)}`);
  return sec;
}

/** The results-reporter hook: the run's .prom beside its results.json (HLC_METRICS_PROM). */
export function writeRunMetrics(body: ResultsFile, file: string = process.env.HLC_METRICS_PROM ?? DEFAULT_PROM_FILE): void {
  writeMetrics(file, renderMetrics(body, { staleAfterSec: staleAfterFromEnv() }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [from = process.env.HLC_RESULTS_JSON ?? "reports/results.json", to = process.env.HLC_METRICS_PROM ?? DEFAULT_PROM_FILE] = process.argv.slice(2);
  try {
    writeMetrics(to, renderMetrics(readResults(from), { staleAfterSec: staleAfterFromEnv() }));
    console.log(to);
  } catch (e) {
    console.error(`metrics: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
