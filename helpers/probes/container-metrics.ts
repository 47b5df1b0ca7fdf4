// Which containers' state Prometheus holds now, per node (MON-005, §1 "Containers: uptime, restart
// count, healthchecks"): one instant query on the monitoring node, `count by (<nodeLabel>, name)`
// of each series family docker_state_exporter exports for those three (karugaru/docker_state_exporter
// main.go: `container_state_startedat`, `container_restartcount`, `container_state_health_status`,
// labelled `name` = the container's name without its "/"). cAdvisor exports none of them (its
// README, and the exporter's: "cAdvisor does not export the state of the container"). Each family
// tagged with label_replace as key-metrics does (`or` matches label sets without the metric name).
import { instantQueryCommand, parseInstantVector } from "./prometheus.ts";
import { ProbeParseError, type Probe } from "./types.ts";

export interface ContainerMetric {
  /** What §1 calls it. */
  what: string;
  metric: string;
}

export const CONTAINER_METRICS: ContainerMetric[] = [
  { what: "uptime", metric: "container_state_startedat" },
  { what: "restart count", metric: "container_restartcount" },
  { what: "health", metric: "container_state_health_status" },
];

export function containerMetricsQuery(label: string): string {
  return CONTAINER_METRICS.map((k) => `label_replace(count by (${label}, name) (${k.metric}{${label}!="", name!=""}), "family", "${k.metric}", "", "")`).join(" or ");
}

/** node → container name → the families present now. */
export type ContainerMetricsFact = Record<string, Record<string, string[]>>;

export const CONTAINER_METRICS_PROBE = "prometheus-container-metrics";

export function containerMetrics(baseUrl: string, label: string): Probe<ContainerMetricsFact> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(label)) throw new Error(`containerMetrics: bad label name ${JSON.stringify(label)}`);
  return {
    name: CONTAINER_METRICS_PROBE,
    command: instantQueryCommand(baseUrl, containerMetricsQuery(label)),
    parse: ({ stdout, stderr, code }) => parseContainerMetrics(label, stdout, stderr, code),
  };
}

export function parseContainerMetrics(label: string, stdout: string, stderr: string, code: number | null): ContainerMetricsFact {
  const out: ContainerMetricsFact = {};
  for (const raw of parseInstantVector(CONTAINER_METRICS_PROBE, stdout, stderr, code)) {
    const m = (raw as { metric?: Record<string, string> }).metric;
    const node = m?.[label];
    const name = m?.name;
    const family = m?.family;
    if (typeof node !== "string" || typeof name !== "string" || typeof family !== "string") {
      throw new ProbeParseError(CONTAINER_METRICS_PROBE, `malformed sample: ${JSON.stringify(raw).slice(0, 160)}`);
    }
    ((out[node] ??= {})[name] ??= []).push(family);
  }
  return out;
}
