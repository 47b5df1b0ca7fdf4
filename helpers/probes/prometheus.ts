// Prometheus' own view of what it monitors: GET /api/v1/targets, read on the monitoring node
// itself (Prometheus binds to loopback there, §1), with curl or, failing that, wget.
import { shQuote } from "../transport/shell.ts";
import { ProbeParseError, type Probe } from "./types.ts";

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
