// Prometheus' own view of what it monitors: GET /api/v1/targets, read on the monitoring node
// itself (Prometheus binds to loopback there, §1), with curl or, failing that, wget.
import { shQuote } from "../transport/shell.ts";
import { ProbeParseError, type Probe } from "./types.ts";

/**
 * An instant query (GET /api/v1/query) on the monitoring node, with curl or, failing that, wget;
 * the probes that ask Prometheus one PromQL question (key-metrics, node-identity, capacity-trend).
 */
export function instantQueryCommand(baseUrl: string, query: string): string {
  const url = shQuote(`${baseUrl.replace(/\/+$/, "")}/api/v1/query?query=${encodeURIComponent(query)}`);
  return `if command -v curl >/dev/null; then curl -fsS --max-time 10 ${url}; else wget -q -T 10 -O - ${url}; fi`;
}

/** The samples of an instant query's answer (`resultType` "vector"); anything else is the probe's parse error. */
export function parseInstantVector(probe: string, stdout: string, stderr: string, code: number | null): unknown[] {
  if (code !== 0) throw new ProbeParseError(probe, `could not query Prometheus (exit ${code}): ${stderr.trim()}`);
  let body: { status?: string; data?: { resultType?: string; result?: unknown[] } };
  try {
    body = JSON.parse(stdout);
  } catch {
    throw new ProbeParseError(probe, `not JSON: ${stdout.slice(0, 120)}`);
  }
  if (body.status !== "success" || body.data?.resultType !== "vector" || !Array.isArray(body.data.result)) {
    throw new ProbeParseError(probe, `unexpected answer: ${stdout.slice(0, 160)}`);
  }
  return body.data.result;
}

export interface ScrapeTarget {
  job: string;
  labels: Record<string, string>;
  scrapeUrl: string;
  health: "up" | "down" | "unknown";
  lastError: string;
}

export const PROMETHEUS_TARGETS = "prometheus-targets";

export function prometheusTargets(baseUrl: string): Probe<ScrapeTarget[]> {
  const url = shQuote(`${baseUrl.replace(/\/+$/, "")}/api/v1/targets?state=active`);
  return {
    name: PROMETHEUS_TARGETS,
    command: `if command -v curl >/dev/null; then curl -fsS --max-time 10 ${url}; else wget -q -T 10 -O - ${url}; fi`,
    parse({ stdout, stderr, code }) {
      if (code !== 0) throw new ProbeParseError(PROMETHEUS_TARGETS, `could not query Prometheus (exit ${code}): ${stderr.trim()}`);
      let body: { status?: string; data?: { activeTargets?: unknown[] } };
      try {
        body = JSON.parse(stdout);
      } catch {
        throw new ProbeParseError(PROMETHEUS_TARGETS, `not JSON: ${stdout.slice(0, 120)}`);
      }
      if (body.status !== "success" || !Array.isArray(body.data?.activeTargets)) {
        throw new ProbeParseError(PROMETHEUS_TARGETS, `unexpected answer: ${stdout.slice(0, 120)}`);
      }
      return body.data.activeTargets.map((raw) => {
        const t = raw as { labels?: Record<string, string>; scrapeUrl?: string; health?: string; lastError?: string; scrapePool?: string };
        const health = t.health === "up" || t.health === "down" ? t.health : "unknown";
        return { job: t.labels?.job ?? t.scrapePool ?? "", labels: t.labels ?? {}, scrapeUrl: t.scrapeUrl ?? "", health, lastError: t.lastError ?? "" };
      });
    },
  };
}
