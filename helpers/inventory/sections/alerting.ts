// Section `alerting` (§1 planned "Alerting with Alertmanager (routing via SMTP or webhook)", §7):
// on the node that runs the homelab's Prometheus, the Alertmanager it sends to, the rule groups it
// must have loaded, and the receivers alerts must reach (MON-004). Absent: MON-004 is planned.
import { nodeRecords } from "./rules.ts";
import type { Section } from "./types.ts";

/** The suite's own rule group (deploy/prometheus/homelab-conformance.rules.yml): always required. */
export const SUITE_RULE_GROUP = "homelab-conformance";

export interface AlertingDecl {
  /** Alertmanager as reached from this node, e.g. http://127.0.0.1:9093 (no trailing slash). */
  alertmanager: string;
  /** Rule groups Prometheus MUST have loaded and healthy; the suite's own group is always among them. */
  ruleGroups: string[];
  /** Receivers that MUST exist in Alertmanager's config with at least one integration. Default: none named. */
  receivers: string[];
}

interface AlertingRaw {
  alertmanager: string;
  ruleGroups?: string[];
  receivers?: string[];
}

export const alertingSection: Section<AlertingRaw, AlertingDecl> = {
  key: "alerting",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["alertmanager"],
    description:
      "Alerting with Alertmanager (§1, §7), declared on the node that runs the homelab's Prometheus (`prometheus`): Prometheus MUST send to this Alertmanager, have these rule groups loaded and healthy (the suite's own `homelab-conformance` always), and Alertmanager MUST route alerts to a receiver with a real integration (MON-004).",
    properties: {
      alertmanager: {
        type: "string",
        pattern: "^https?://[^\\s'\"`$\\\\]+$",
        patternErrorMessage: "an http(s) URL as reachable on the node itself, e.g. http://127.0.0.1:9093",
        description: "Alertmanager as reached from this node (it binds to loopback there), e.g. http://127.0.0.1:9093; Prometheus's alerting section must name the same one.",
      },
      ruleGroups: {
        type: "array",
        items: { type: "string", minLength: 1, description: "A rule group name as in the rule file's `groups: - name:`." },
        description: "Rule groups Prometheus must have loaded, every rule healthy. The suite's own group `homelab-conformance` is required whether listed or not.",
      },
      receivers: {
        type: "array",
        items: { type: "string", minLength: 1, description: "A receiver name of alertmanager.yml (`receivers: - name:`)." },
        description: "Receivers that must exist in Alertmanager's loaded config with at least one integration (webhook_configs, email_configs, ...). Default: none named (the receiver the suite's alerts route to is always checked).",
      },
    },
  },
  normalize: (raw) => ({
    alertmanager: raw.alertmanager.replace(/\/+$/, ""),
    ruleGroups: [...new Set([SUITE_RULE_GROUP, ...(raw.ruleGroups ?? [])])],
    receivers: [...new Set(raw.receivers ?? [])],
  }),
  problems(nodes, at) {
    nodeRecords(nodes).forEach((n, i) => {
      if (n.alerting !== undefined && n.prometheus === undefined) at(["nodes", i, "alerting"], "`alerting` is judged through this node's Prometheus: declare `prometheus` on the same node");
    });
  },
};

declare module "../types.ts" {
  interface NodeDecl {
    alerting?: AlertingDecl;
  }
}
