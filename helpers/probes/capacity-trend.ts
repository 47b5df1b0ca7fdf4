// How fast each filesystem of each node is filling, as the homelab's Prometheus has seen it (the
// trend DATA-020's message gives where Prometheus has it; §1 "filesystem saturation"): one instant
// query on the monitoring node, per node-exporter series of node_filesystem_avail_bytes,
// - `deriv(...[7d])`: the per-second slope of a least-squares line through the last 7 days of
//   samples (PromQL functions, "deriv()": for gauges), negative when free space shrinks;
// - `time() - min_over_time(timestamp(...)[7d:5m])`: how much history that slope rests on (a
//   subquery at 5 min resolution: the oldest step that had a sample), so a slope over ten minutes
//   of a fresh Prometheus is said to be one.
// The two are told apart by a `hlc` label (label_replace), joined with `or` (their label sets differ
// by it, so neither drops the other: "Operators", vector matching). Read-only.
// Real answer: fixtures/captured/probes/prometheus-capacity-trend-lab.json (the lab's Prometheus 2.42).
import { instantQueryCommand, parseInstantVector } from "./prometheus.ts";
import { ProbeParseError, type Probe } from "./types.ts";

export interface FilesystemTrend {
  node: string;
  mountpoint: string;
  /** Bytes per second free space changes by (negative: filling). */
  slope?: number;
  /** Seconds of history the slope rests on. */
  span?: number;
}

export const CAPACITY_TREND = "prometheus-capacity-trend";

export function capacityTrendQuery(label: string): string {
  const series = `node_filesystem_avail_bytes{${label}!=""}`;
  return `label_replace(deriv(${series}[7d]), "hlc", "slope", "", "") or label_replace(time() - min_over_time(timestamp(${series})[7d:5m]), "hlc", "span", "", "")`;
}

export function capacityTrend(baseUrl: string, label: string): Probe<FilesystemTrend[]> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(label)) throw new Error(`capacityTrend: bad label name ${JSON.stringify(label)}`);
  return {
    name: CAPACITY_TREND,
    command: instantQueryCommand(baseUrl, capacityTrendQuery(label)),
    parse: ({ stdout, stderr, code }) => parseCapacityTrend(label, stdout, stderr, code),
  };
}

export function parseCapacityTrend(label: string, stdout: string, stderr: string, code: number | null): FilesystemTrend[] {
  const samples = parseInstantVector(CAPACITY_TREND, stdout, stderr, code);
  const byKey = new Map<string, FilesystemTrend>();
  for (const raw of samples) {
    const r = raw as { metric?: Record<string, string>; value?: [number, string] };
    const node = r.metric?.[label];
    const mountpoint = r.metric?.mountpoint;
    const what = r.metric?.hlc;
    const v = Number(r.value?.[1]);
    if (typeof node !== "string" || typeof mountpoint !== "string" || (what !== "slope" && what !== "span")) {
      throw new ProbeParseError(CAPACITY_TREND, `malformed sample: ${JSON.stringify(raw).slice(0, 160)}`);
    }
    if (!Number.isFinite(v)) continue; // NaN: a single sample has no slope
    // Several series of one mount point (two devices, two instances) keep the steepest fall.
    const key = `${node}\0${mountpoint}`;
    const t = byKey.get(key) ?? { node, mountpoint };
    if (what === "slope") t.slope = t.slope === undefined ? v : Math.min(t.slope, v);
    else t.span = t.span === undefined ? v : Math.max(t.span, v);
    byKey.set(key, t);
  }
  return [...byKey.values()];
}

const duration = (s: number) => (s >= 2 * 86400 ? `${Math.round(s / 86400)} d` : s >= 2 * 3600 ? `${Math.round(s / 3600)} h` : `${Math.max(1, Math.round(s / 60))} min`);

/**
 * The trend of one filesystem in words, for a capacity finding: how much free space it loses per
 * day and when it is full at that rate; said to rest on little history under a day.
 */
export function describeTrend(t: FilesystemTrend | undefined, avail: number, human: (n: number) => string): string {
  if (!t || t.slope === undefined) return "no trend: Prometheus holds no node_filesystem_avail_bytes series for it";
  const over = t.span !== undefined ? ` over the last ${duration(t.span)}` : "";
  const thin = t.span !== undefined && t.span < 86400 ? " (less than a day of history: a rough guide)" : "";
  const perDay = t.slope * 86400;
  if (Math.abs(perDay) < 1024 * 1024) return `trend${over}: steady (under 1 MiB a day)${thin}`;
  if (perDay > 0) return `trend${over}: gaining ${human(perDay)} of free space a day${thin}`;
  const days = avail / -perDay;
  const when = days < 1 ? `full in ~${Math.max(1, Math.round(days * 24))} h` : `full in ~${Math.round(days)} days`;
  return `trend${over}: losing ${human(-perDay)} a day, ${when} at that rate${thin}`;
}
