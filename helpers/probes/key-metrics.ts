// Which of the document's key metrics (§1 "Key Metrics (Minimum Set)") Prometheus holds now, per
// node (MON-002): one instant query on the monitoring node, `count by (<nodeLabel>, __name__)` of
// one series family per metric of the minimum set (see keyMetricsQuery), as node-exporter 1.5 (Debian's
// prometheus-node-exporter) names them. An instant query returns only series with a sample in the
// last 5 minutes that is not a staleness marker (Prometheus querying basics, "Staleness"): a family
// an exporter stopped exporting disappears at the next scrape.
import { instantQueryCommand, parseInstantVector } from "./prometheus.ts";
import { ProbeParseError, type Probe } from "./types.ts";

export interface KeyMetric {
  /** What §1 calls it. */
  what: string;
  /** The series name queried. */
  metric: string;
  /** An extra label matcher, e.g. mode="iowait". */
  matcher?: string;
  /** node-exporter's collector that provides it, and its flag (collectors can be switched off with --no-collector.NAME). */
  collector: string;
}

/** §1's minimum set as node-exporter exports it; container restarts need cAdvisor or Docker's own metrics (not judged, see README). */
export const KEY_METRICS: KeyMetric[] = [
  { what: "CPU load", metric: "node_load1", collector: "loadavg" },
  { what: "RAM usage", metric: "node_memory_MemAvailable_bytes", collector: "meminfo" },
  { what: "swap pressure", metric: "node_vmstat_pswpin", collector: "vmstat" },
  { what: "disk usage", metric: "node_filesystem_avail_bytes", collector: "filesystem" },
  { what: "inode usage", metric: "node_filesystem_files_free", collector: "filesystem" },
  { what: "IO wait", metric: "node_cpu_seconds_total", matcher: 'mode="iowait"', collector: "cpu" },
  { what: "disk IO time", metric: "node_disk_io_time_seconds_total", collector: "diskstats" },
  { what: "interface errors", metric: "node_network_receive_errs_total", collector: "netdev" },
];

/**
 * The PromQL: per family, `count by (label)` of its series, tagged with the family's name in a
 * label `family` (label_replace), joined with `or`. Not `count by (label, __name__)`: a binary
 * operator such as `or` matches label sets WITHOUT the metric name (Prometheus "Operators",
 * vector matching), so every family after the first would match the first one's {node} and be
 * dropped — the lab's real answer to that query held node_load1 only
 * (fixtures/captured/probes/prometheus-key-metrics-lab-by-name.json).
 */
export function keyMetricsQuery(label: string): string {
  return KEY_METRICS.map(
    (k) => `label_replace(count by (${label}) (${k.metric}{${[`${label}!=""`, ...(k.matcher ? [k.matcher] : [])].join(", ")}}), "family", "${k.metric}", "", "")`,
  ).join(" or ");
}

/** node → the series names present now, with their series counts. */
export type KeyMetricsFact = Record<string, Record<string, number>>;

export const KEY_METRICS_PROBE = "prometheus-key-metrics";

export function keyMetrics(baseUrl: string, label: string): Probe<KeyMetricsFact> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(label)) throw new Error(`keyMetrics: bad label name ${JSON.stringify(label)}`);
  return {
    name: KEY_METRICS_PROBE,
    command: instantQueryCommand(baseUrl, keyMetricsQuery(label)),
    parse: ({ stdout, stderr, code }) => parseKeyMetrics(label, stdout, stderr, code),
  };
}

export function parseKeyMetrics(label: string, stdout: string, stderr: string, code: number | null): KeyMetricsFact {
  const samples = parseInstantVector(KEY_METRICS_PROBE, stdout, stderr, code);
  const out: KeyMetricsFact = {};
  for (const raw of samples) {
    const r = raw as { metric?: Record<string, string>; value?: [number, string] };
    const node = r.metric?.[label];
    const name = r.metric?.family;
    const count = Number(r.value?.[1]);
    if (typeof node !== "string" || typeof name !== "string" || !Number.isFinite(count)) {
      throw new ProbeParseError(KEY_METRICS_PROBE, `malformed sample: ${JSON.stringify(raw).slice(0, 160)}`);
    }
    (out[node] ??= {})[name] = count;
  }
  return out;
}
