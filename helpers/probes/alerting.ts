// Alert routing as the programs themselves report it (MON-004), read on the monitoring node (both
// bind to loopback there, §1), with curl or, failing that, wget:
//   Prometheus GET /api/v1/alertmanagers -> data.activeAlertmanagers[].url, data.droppedAlertmanagers[].url
//   Prometheus GET /api/v1/rules         -> data.groups[]: name, file, rules[]: name, type, health ("ok" |
//     "err" | "unknown"), lastError (omitted when empty)
//   (https://prometheus.io/docs/prometheus/latest/querying/api/ "Alertmanagers", "Rules"; the Go
//   client's RuleHealthGood = "ok", RuleHealthBad = "err", prometheus/client_golang api/prometheus/v1)
//   Alertmanager GET /-/ready            -> 200 once it serves (https://prometheus.io/docs/alerting/latest/management_api/)
//   Alertmanager GET /api/v2/status      -> alertmanagerStatus: config.original is the loaded
//     alertmanager.yml as YAML text, secrets shown as <secret> (prometheus/alertmanager api/v2/openapi.yaml)
import { load } from "js-yaml";
import { shQuote } from "../transport/shell.ts";
import { ProbeParseError, type Probe } from "./types.ts";

const GET = `get() { if command -v curl >/dev/null; then curl -fsS --max-time 10 "$1"; else wget -q -T 10 -O - "$1"; fi; }`;
const base = (url: string) => url.replace(/\/+$/, "");

function json(probe: string, stdout: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    throw new ProbeParseError(probe, `not JSON: ${stdout.slice(0, 120)}`);
  }
}

/** Prometheus's answer `{status: "success", data}`, or a parse error saying what came instead. */
function promData(probe: string, { stdout, stderr, code }: { stdout: string; stderr: string; code: number | null }): Record<string, unknown> {
  if (code !== 0) throw new ProbeParseError(probe, `could not query Prometheus (exit ${code}): ${stderr.trim()}`);
  const body = json(probe, stdout) as { status?: string; data?: unknown };
  if (body.status !== "success" || body.data === null || typeof body.data !== "object") throw new ProbeParseError(probe, `unexpected answer: ${stdout.slice(0, 120)}`);
  return body.data as Record<string, unknown>;
}

export interface PromAlertmanagers {
  /** URLs Prometheus sends alerts to, e.g. http://127.0.0.1:9093/api/v2/alerts. */
  active: string[];
  /** URLs its service discovery found and relabelling dropped. */
  dropped: string[];
}

export const PROMETHEUS_ALERTMANAGERS = "prometheus-alertmanagers";

export function prometheusAlertmanagers(prometheusUrl: string): Probe<PromAlertmanagers> {
  const url = shQuote(`${base(prometheusUrl)}/api/v1/alertmanagers`);
  return {
    name: PROMETHEUS_ALERTMANAGERS,
    command: `${GET}; get ${url}`,
    parse(out) {
      const data = promData(PROMETHEUS_ALERTMANAGERS, out);
      const urls = (v: unknown): string[] => (Array.isArray(v) ? v.map((a) => String((a as { url?: unknown })?.url ?? "")) : []);
      if (!Array.isArray(data.activeAlertmanagers)) throw new ProbeParseError(PROMETHEUS_ALERTMANAGERS, `no activeAlertmanagers in: ${out.stdout.slice(0, 120)}`);
      return { active: urls(data.activeAlertmanagers), dropped: urls(data.droppedAlertmanagers) };
    },
  };
}

export interface PromRule {
  name: string;
  type: string;
  /** "ok", "err" or "unknown" (not evaluated yet). */
  health: string;
  lastError: string;
}
export interface PromRuleGroup {
  name: string;
  file: string;
  rules: PromRule[];
}

export const PROMETHEUS_RULES = "prometheus-rules";

export function prometheusRules(prometheusUrl: string): Probe<PromRuleGroup[]> {
  const url = shQuote(`${base(prometheusUrl)}/api/v1/rules`);
  return {
    name: PROMETHEUS_RULES,
    command: `${GET}; get ${url}`,
    parse(out) {
      const data = promData(PROMETHEUS_RULES, out);
      if (!Array.isArray(data.groups)) throw new ProbeParseError(PROMETHEUS_RULES, `no groups in: ${out.stdout.slice(0, 120)}`);
      return data.groups.map((raw) => {
        const g = raw as { name?: unknown; file?: unknown; rules?: unknown[] };
        return {
          name: String(g.name ?? ""),
          file: String(g.file ?? ""),
          rules: (g.rules ?? []).map((r) => {
            const x = r as { name?: unknown; type?: unknown; health?: unknown; lastError?: unknown };
            return { name: String(x.name ?? ""), type: String(x.type ?? ""), health: String(x.health ?? "unknown"), lastError: String(x.lastError ?? "") };
          }),
        };
      });
    },
  };
}

/** One node of Alertmanager's routing tree, as alertmanager.yml's `route:` writes it. */
export interface AmRoute {
  /** Absent: inherited from the parent route. */
  receiver?: string;
  match: Record<string, string>;
  matchRe: Record<string, string>;
  matchers: string[];
  continue: boolean;
  routes: AmRoute[];
}
export interface AmReceiver {
  name: string;
  /** Its integrations: each `*_configs` key with at least one entry, e.g. ["webhook_configs"]. */
  integrations: string[];
}
export interface AlertmanagerConfig {
  route: AmRoute;
  receivers: AmReceiver[];
}
export interface AlertmanagerState {
  /** GET /-/ready answered 200. */
  ready: boolean;
  /** What the ready check said (curl's error when it failed). */
  readyDetail: string;
  /** The loaded configuration from /api/v2/status; undefined when it could not be read (statusError says why). */
  config?: AlertmanagerConfig;
  statusError?: string;
  version?: string;
}

export const ALERTMANAGER_STATUS = "alertmanager-status";

function route(raw: unknown): AmRoute {
  const r = (raw ?? {}) as Record<string, unknown>;
  const strMap = (v: unknown) => Object.fromEntries(Object.entries((v ?? {}) as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
  return {
    ...(typeof r.receiver === "string" && r.receiver !== "" ? { receiver: r.receiver } : {}),
    match: strMap(r.match),
    matchRe: strMap(r.match_re),
    matchers: Array.isArray(r.matchers) ? r.matchers.map(String) : [],
    continue: r.continue === true,
    routes: Array.isArray(r.routes) ? r.routes.map(route) : [],
  };
}

/** Alertmanager's loaded configuration (the YAML text of /api/v2/status config.original). */
export function parseAlertmanagerConfig(original: string): AlertmanagerConfig {
  const cfg = load(original) as { route?: unknown; receivers?: unknown[] } | null;
  if (!cfg || typeof cfg !== "object") throw new ProbeParseError(ALERTMANAGER_STATUS, "config.original is not a YAML mapping");
  const receivers = (cfg.receivers ?? []).map((raw) => {
    const r = (raw ?? {}) as Record<string, unknown>;
    return { name: String(r.name ?? ""), integrations: Object.keys(r).filter((k) => k.endsWith("_configs") && Array.isArray(r[k]) && (r[k] as unknown[]).length > 0) };
  });
  return { route: route(cfg.route), receivers };
}

export function alertmanagerStatus(alertmanagerUrl: string): Probe<AlertmanagerState> {
  const u = base(alertmanagerUrl);
  // Line 1: ready=<exit of the ready check>; line 2: what it printed (one line); then /api/v2/status.
  return {
    name: ALERTMANAGER_STATUS,
    command: `${GET}; r=$(get ${shQuote(`${u}/-/ready`)} 2>&1); echo "ready=$?"; printf '%s\\n' "$r" | tr '\\n' ' ' | head -c 300; echo; get ${shQuote(`${u}/api/v2/status`)}`,
    parse({ stdout, stderr, code }) {
      const m = /^ready=(\d+)\n([^\n]*)\n?/.exec(stdout);
      if (!m) throw new ProbeParseError(ALERTMANAGER_STATUS, `unexpected output: ${stdout.slice(0, 120)} ${stderr.trim()}`);
      const ready = m[1] === "0";
      const readyDetail = m[2]!.trim();
      const rest = stdout.slice(m[0].length);
      if (code !== 0 || rest.trim() === "") return { ready, readyDetail, statusError: `GET /api/v2/status failed (exit ${code}): ${stderr.trim() || "no answer"}` };
      const body = json(ALERTMANAGER_STATUS, rest) as { config?: { original?: unknown }; versionInfo?: { version?: unknown } };
      if (typeof body.config?.original !== "string") throw new ProbeParseError(ALERTMANAGER_STATUS, `no config.original in: ${rest.slice(0, 120)}`);
      return {
        ready,
        readyDetail,
        config: parseAlertmanagerConfig(body.config.original),
        ...(typeof body.versionInfo?.version === "string" ? { version: body.versionInfo.version } : {}),
      };
    },
  };
}

/** A matcher of `matchers:` ("name=value", name!="v", name=~"re", name!~"re"), values quoted or not. */
function matcherMatches(m: string, labels: Record<string, string>): boolean | undefined {
  const x = /^\s*\{?\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^"]*?))\s*\}?\s*$/.exec(m);
  if (!x) return undefined;
  const value = x[3] !== undefined ? x[3].replace(/\\(.)/g, "$1") : (x[4] ?? "");
  const have = labels[x[1]!] ?? "";
  switch (x[2]) {
    case "=": return have === value;
    case "!=": return have !== value;
    case "=~": return new RegExp(`^(?:${value})$`).test(have);
    default: return !new RegExp(`^(?:${value})$`).test(have);
  }
}

function routeMatches(r: AmRoute, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(r.match)) if ((labels[k] ?? "") !== v) return false;
  for (const [k, v] of Object.entries(r.matchRe)) if (!new RegExp(`^(?:${v})$`).test(labels[k] ?? "")) return false;
  // A matcher this parser cannot read is treated as not matching: the alert then stays with the parent.
  return r.matchers.every((m) => matcherMatches(m, labels) === true);
}

/**
 * The receivers an alert with these labels is sent to, walking the tree as Alertmanager's dispatcher
 * does (dispatch/route.go Match): depth first, the first matching child wins unless it has
 * `continue: true`; a route no child matches takes the alert itself; receivers are inherited.
 */
export function routeReceivers(root: AmRoute, labels: Record<string, string>): string[] {
  const walk = (r: AmRoute, inherited: string | undefined): string[] => {
    const receiver = r.receiver ?? inherited;
    const out: string[] = [];
    for (const child of r.routes) {
      if (!routeMatches(child, labels)) continue;
      out.push(...walk(child, receiver));
      if (!child.continue) break;
    }
    return out.length > 0 ? out : receiver !== undefined ? [receiver] : [];
  };
  return [...new Set(walk(root, undefined))];
}
