// §1 planned "Alerting with Alertmanager (routing via SMTP or webhook)", §7: an alert that fires in
// Prometheus must reach someone. Read where it travels, as each program reports it: Prometheus's
// Alertmanagers and rule groups (its API), then Alertmanager's readiness and loaded routing tree.
import { SUITE_RULE_GROUP, type AlertingDecl } from "../../helpers/inventory/sections/alerting.ts";
import {
  alertmanagerStatus,
  prometheusAlertmanagers,
  prometheusRules,
  routeReceivers,
  type AlertmanagerState,
  type PromAlertmanagers,
  type PromRuleGroup,
} from "../../helpers/probes/alerting.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

/** The labels the suite's own critical alert carries for routing (deploy/prometheus/homelab-conformance.rules.yml). */
export const SUITE_ALERT = { alertname: "HomelabConformanceCriticalInvariantFailed", severity: "critical" };

/**
 * Prometheus lists an Alertmanager as the URL it posts to: the configured scheme, host and
 * path_prefix, then /api/v2/alerts (v1 in older releases) (notifier/notifier.go alertmanagerFromGroup).
 */
export const sendsTo = (listed: string, declared: string): boolean => listed.replace(/\/api\/v[12]\/alerts$/, "").replace(/\/+$/, "") === declared.replace(/\/+$/, "");

/** The findings (pure: unit-tested on captured API answers). */
export function judgeAlerting(decl: AlertingDecl, ams: PromAlertmanagers, groups: PromRuleGroup[], am: AlertmanagerState): Finding[] {
  const out: Finding[] = [];
  const subjectAm = `alertmanager ${decl.alertmanager}`;
  if (!ams.active.some((u) => sendsTo(u, decl.alertmanager))) {
    const dropped = ams.dropped.some((u) => sendsTo(u, decl.alertmanager));
    out.push({
      subject: `prometheus ${subjectAm}`,
      expected: "an active Alertmanager in Prometheus's /api/v1/alertmanagers (its alerting: section)",
      actual: dropped ? "dropped by Prometheus's alert_relabel/relabel configs" : `not listed (active: ${ams.active.join(", ") || "none"}): fired alerts are sent nowhere`,
    });
  }
  for (const want of decl.ruleGroups) {
    const mine = groups.filter((g) => g.name === want);
    if (mine.length === 0) {
      out.push({ subject: `rule group ${want}`, expected: "loaded by Prometheus", actual: `not loaded (loaded: ${groups.map((g) => g.name).join(", ") || "none"})${want === SUITE_RULE_GROUP ? ": install deploy/prometheus/homelab-conformance.rules.yml" : ""}` });
      continue;
    }
    for (const g of mine) {
      for (const r of g.rules.filter((x) => x.health !== "ok")) {
        out.push({ subject: `rule ${r.name} (group ${g.name})`, expected: 'health "ok" (evaluated without error)', actual: `health ${r.health}${r.lastError ? `: ${r.lastError}` : r.health === "unknown" ? " (not evaluated yet)" : ""}` });
      }
    }
  }
  if (!am.ready) out.push({ subject: subjectAm, expected: "ready (GET /-/ready answers 200)", actual: `not ready: ${am.readyDetail || "no answer"}` });
  if (!am.config) {
    out.push({ subject: `${subjectAm} config`, expected: "its loaded configuration (GET /api/v2/status)", actual: am.statusError ?? "not read" });
    return out;
  }
  const byName = new Map(am.config.receivers.map((r) => [r.name, r]));
  const routed = routeReceivers(am.config.route, SUITE_ALERT);
  if (routed.length === 0) out.push({ subject: `${subjectAm} route`, expected: `a receiver for ${SUITE_ALERT.alertname}`, actual: "the routing tree names no receiver" });
  for (const name of routed) {
    const r = byName.get(name);
    if (!r || r.integrations.length === 0) {
      out.push({ subject: `${subjectAm} receiver ${name}`, expected: `at least one integration (webhook_configs, email_configs, ...) for ${SUITE_ALERT.alertname}, routed here`, actual: r ? "none: alerts routed to it go nowhere" : "not defined" });
    }
  }
  for (const name of decl.receivers.filter((n) => !routed.includes(n))) {
    const r = byName.get(name);
    if (!r) out.push({ subject: `${subjectAm} receiver ${name}`, expected: "defined in Alertmanager's loaded config", actual: `not defined (receivers: ${[...byName.keys()].join(", ") || "none"})` });
    else if (r.integrations.length === 0) out.push({ subject: `${subjectAm} receiver ${name}`, expected: "at least one integration (webhook_configs, email_configs, ...)", actual: "none: alerts routed to it go nowhere" });
  }
  return out;
}

function fix(f: Finding, url: string): string {
  if (f.subject.startsWith("prometheus ")) return `in prometheus.yml add: alerting: { alertmanagers: [ { static_configs: [ { targets: ['${url.replace(/^https?:\/\//, "")}'] } ] } ] }, then: promtool check config /etc/prometheus/prometheus.yml && systemctl reload prometheus`;
  if (f.subject.startsWith("rule group ")) return `copy the rule file that defines ${f.subject.slice(11)} where prometheus.yml's rule_files: loads it (e.g. /etc/prometheus/rules.d/), then: promtool check rules FILE && systemctl reload prometheus`;
  if (f.subject.startsWith("rule ")) return `fix the rule's expression (promtool check rules FILE; try it in Prometheus's /graph), then: systemctl reload prometheus`;
  if (/ receiver /.test(f.subject)) return `in alertmanager.yml give receiver ${f.subject.replace(/^.* receiver /, "")} an integration, e.g. webhook_configs: [ { url: 'https://ntfy.example/homelab' } ] or email_configs: [ { to: 'you@example.org' } ], then: amtool check-config /etc/prometheus/alertmanager.yml && systemctl reload prometheus-alertmanager`;
  return `systemctl enable --now prometheus-alertmanager; journalctl -u prometheus-alertmanager -n 50; curl -s ${url}/-/ready`;
}

export default invariant(
  {
    id: "MON-004",
    title: "Alerts are routed to a receiver",
    must:
      "The homelab's Prometheus MUST send alerts to the declared Alertmanager (listed active in /api/v1/alertmanagers), MUST have every declared rule group loaded, the suite's own homelab-conformance group included, with every rule healthy, and that Alertmanager MUST be ready and route the suite's critical alert to a receiver with at least one integration (webhook, email, ...), as must every declared receiver.",
    fix: (f, node) => `on ${node.name}: ${fix(f, node.alerting?.alertmanager ?? "http://127.0.0.1:9093")}`,
    section: "§1, §7",
    family: "monitoring",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.prometheus !== undefined && node.alerting !== undefined,
    planned: (node) =>
      node.prometheus !== undefined && node.alerting === undefined
        ? "planned in §1/§7 (alerting with Alertmanager): declare alerting.alertmanager (and ruleGroups, receivers) on the Prometheus node to check that alerts reach a receiver"
        : undefined,
    reads: (node) => ({
      alertmanagers: prometheusAlertmanagers(node.prometheus!.url),
      rules: prometheusRules(node.prometheus!.url),
      alertmanager: alertmanagerStatus(node.alerting!.alertmanager),
    }),
    check({ node, facts }) {
      return judgeAlerting(node.alerting!, facts.alertmanagers, facts.rules, facts.alertmanager);
    },
  },
);
