// MON-004 on the real answers of the lab's Prometheus 2.42 and Alertmanager 0.25 (Debian 12),
// captured with the probes' own commands on lxc200 (fixtures/captured/probes/alerting-*.json:
// stdout, stderr and exit code as the batch hands them to the parser), conformant and drifted.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import { alertingSection } from "../../../helpers/inventory/sections/alerting.ts";
import {
  alertmanagerStatus,
  parseAlertmanagerConfig,
  prometheusAlertmanagers,
  prometheusRules,
  routeReceivers,
} from "../../../helpers/probes/alerting.ts";
import type { ProbeOutput } from "../../../helpers/probes/types.ts";
import { judgeAlerting, SUITE_ALERT } from "../../../specs/monitoring/alerts-routed.spec.ts";

const cap = (name: string): ProbeOutput => JSON.parse(readFileSync(`fixtures/captured/probes/alerting-${name}.json`, "utf8")) as ProbeOutput;
const ams = prometheusAlertmanagers("http://127.0.0.1:9090/");
const rules = prometheusRules("http://127.0.0.1:9090");
const status = alertmanagerStatus("http://127.0.0.1:9093");
const decl = alertingSection.normalize({ alertmanager: "http://127.0.0.1:9093/", receivers: ["homelab-webhook"] }, "/");

const conformant = () => ({ ams: ams.parse(cap("prometheus-alertmanagers")), groups: rules.parse(cap("prometheus-rules")), am: status.parse(cap("alertmanager-status")) });

describe("alerting probes on real answers", () => {
  it("ask Prometheus and Alertmanager on the node, with curl or wget", () => {
    expect(ams.command).toContain("get http://127.0.0.1:9090/api/v1/alertmanagers");
    expect(rules.command).toContain("get http://127.0.0.1:9090/api/v1/rules");
    expect(status.command).toContain("get http://127.0.0.1:9093/-/ready");
    expect(status.command).toContain("get http://127.0.0.1:9093/api/v2/status");
    for (const p of [ams, rules, status]) expect(p.command).toMatch(/curl .*wget/);
  });

  it("read the lab's conformant answers", () => {
    const { ams: a, groups, am } = conformant();
    expect(a).toEqual({ active: ["http://127.0.0.1:9093/api/v2/alerts"], dropped: [] });
    const ours = groups.find((g) => g.name === "homelab-conformance")!;
    expect(ours.file).toBe("/etc/prometheus/rules.d/homelab-conformance.rules.yml");
    expect(ours.rules.map((r) => r.name)).toContain("HomelabConformanceCriticalInvariantFailed");
    expect(ours.rules.every((r) => r.health === "ok" && r.lastError === "")).toBe(true);
    expect(am.ready).toBe(true);
    expect(am.version).toBe("0.25.0");
    expect(am.config!.receivers).toEqual([{ name: "homelab-webhook", integrations: ["webhook_configs"] }]);
    expect(am.config!.route.receiver).toBe("homelab-webhook");
  });

  it("the conformant lab passes MON-004", () => {
    const { ams: a, groups, am } = conformant();
    expect(judgeAlerting(decl, a, groups, am)).toEqual([]);
  });

  it("fails when Prometheus's alerting section is gone (drift prometheus-alerting-removed)", () => {
    const { groups, am } = conformant();
    const a = ams.parse(cap("prometheus-alertmanagers-removed"));
    expect(a.active).toEqual([]);
    expect(judgeAlerting(decl, a, groups, am)).toEqual([
      { subject: "prometheus alertmanager http://127.0.0.1:9093", expected: "an active Alertmanager in Prometheus's /api/v1/alertmanagers (its alerting: section)", actual: "not listed (active: none): fired alerts are sent nowhere" },
    ]);
  });

  it("fails when Alertmanager is stopped, naming what curl said (drift alertmanager-stopped)", () => {
    const { ams: a, groups } = conformant();
    const out = cap("alertmanager-status-stopped");
    expect(out.code).not.toBe(0);
    const am = status.parse(out);
    expect(am.ready).toBe(false);
    const f = judgeAlerting(decl, a, groups, am);
    expect(f.map((x) => x.subject)).toEqual(["alertmanager http://127.0.0.1:9093", "alertmanager http://127.0.0.1:9093 config"]);
    expect(f[0]!.actual).toMatch(/^not ready: curl: \(7\) Failed to connect to 127\.0\.0\.1 port 9093/);
  });

  it("fails when the receiver has no integration (drift alertmanager-receiver-empty)", () => {
    const { ams: a, groups } = conformant();
    const am = status.parse(cap("alertmanager-status-receiver-empty"));
    expect(am.config!.receivers).toEqual([{ name: "homelab-webhook", integrations: [] }]);
    expect(judgeAlerting(decl, a, groups, am)).toEqual([
      {
        subject: "alertmanager http://127.0.0.1:9093 receiver homelab-webhook",
        expected: "at least one integration (webhook_configs, email_configs, ...) for HomelabConformanceCriticalInvariantFailed, routed here",
        actual: "none: alerts routed to it go nowhere",
      },
    ]);
  });

  it("fails on a rule Prometheus cannot evaluate, naming its error", () => {
    const { ams: a, am } = conformant();
    const groups = rules.parse(cap("prometheus-rules-broken"));
    const f = judgeAlerting(alertingSection.normalize({ alertmanager: "http://127.0.0.1:9093", ruleGroups: ["lab-broken"] }, "/"), a, groups, am);
    expect(f).toHaveLength(1);
    expect(f[0]!.subject).toBe("rule LabBrokenRule (group lab-broken)");
    expect(f[0]!.actual).toMatch(/^health err: .*duplicate series/);
  });

  it("requires the suite's own group whether declared or not, and every declared one", () => {
    const { ams: a, am } = conformant();
    const groups = rules.parse(cap("prometheus-rules")).filter((g) => g.name !== "homelab-conformance");
    const d = alertingSection.normalize({ alertmanager: "http://127.0.0.1:9093", ruleGroups: ["node-alerts"] }, "/");
    expect(d.ruleGroups).toEqual(["homelab-conformance", "node-alerts"]);
    const f = judgeAlerting(d, a, groups, am);
    expect(f.map((x) => x.subject)).toEqual(["rule group homelab-conformance", "rule group node-alerts"]);
    expect(f[0]!.actual).toMatch(/install deploy\/prometheus\/homelab-conformance\.rules\.yml/);
  });

  it("refuses what is not an answer instead of reporting none", () => {
    expect(() => ams.parse({ stdout: "<html>", stderr: "", code: 0 })).toThrow(/not JSON/);
    expect(() => rules.parse({ stdout: '{"status":"error"}', stderr: "", code: 0 })).toThrow(/unexpected answer/);
    expect(() => rules.parse({ stdout: "", stderr: "curl: (7) Failed to connect", code: 7 })).toThrow(/exit 7/);
    expect(() => status.parse({ stdout: "garbage", stderr: "", code: 0 })).toThrow(/unexpected output/);
    expect(() => status.parse({ stdout: "ready=0\nOK\n{}", stderr: "", code: 0 })).toThrow(/no config.original/);
  });
});

describe("routing the suite's critical alert through Alertmanager's tree", () => {
  const tree = (yaml: string) => parseAlertmanagerConfig(yaml).route;

  it("takes the first matching child, inherits the receiver, honours continue", () => {
    const r = tree(`
route:
  receiver: blackhole
  routes:
    - matchers: ['severity="warning"']
      receiver: chat
    - matchers: ['alertname=~"HomelabConformance.*"']
      receiver: pager
      continue: true
    - match: { severity: critical }
      receiver: mail
    - receiver: never
receivers: [{ name: blackhole }, { name: chat }, { name: pager }, { name: mail }, { name: never }]
`);
    expect(routeReceivers(r, SUITE_ALERT)).toEqual(["pager", "mail"]);
    expect(routeReceivers(r, { alertname: "Other", severity: "warning" })).toEqual(["chat"]);
    expect(routeReceivers(r, { alertname: "Other", severity: "info" })).toEqual(["never"]);
    expect(routeReceivers(tree("route: { receiver: a, routes: [ { match_re: { severity: 'crit.*' }, routes: [ { matchers: ['team != ops'] } ] } ] }"), SUITE_ALERT)).toEqual(["a"]);
  });

  it("a root receiver without integrations the suite's alert falls to is a finding", () => {
    const am = { ready: true, readyDetail: "OK", config: parseAlertmanagerConfig("route: { receiver: 'null', routes: [ { matchers: [ 'team=\"db\"' ], receiver: mail } ] }\nreceivers: [ { name: 'null' }, { name: mail, email_configs: [ { to: a@b.c } ] } ]") };
    const f = judgeAlerting(decl, { active: ["http://127.0.0.1:9093/api/v2/alerts"], dropped: [] }, conformant().groups, am);
    expect(f.map((x) => `${x.subject}: ${x.actual}`)).toEqual([
      "alertmanager http://127.0.0.1:9093 receiver null: none: alerts routed to it go nowhere",
      "alertmanager http://127.0.0.1:9093 receiver homelab-webhook: not defined (receivers: null, mail)",
    ]);
  });
});

describe("the lab carries the suite's rules as shipped", () => {
  it("fixtures/images/monitoring/homelab-conformance.rules.yml is deploy/prometheus's file, verbatim", () => {
    expect(readFileSync("fixtures/images/monitoring/homelab-conformance.rules.yml", "utf8")).toBe(readFileSync("deploy/prometheus/homelab-conformance.rules.yml", "utf8"));
  });
});

describe("the alerting declaration", () => {
  const inv = (node: string) => `version: 1\nnodes:\n  - name: lxc200\n    role: monitoring\n    layer: 3\n    ssh: { host: 192.0.2.200, agent: true }\n${node}`;

  it("normalises: no trailing slash, the suite's group first, no repeats", () => {
    const n = parseInventory(inv('    prometheus: { url: "http://127.0.0.1:9090" }\n    alerting: { alertmanager: "http://127.0.0.1:9093/", ruleGroups: [node, homelab-conformance, node] }\n'), "/x/inventory.yaml").nodes[0]!;
    expect(n.alerting).toEqual({ alertmanager: "http://127.0.0.1:9093", ruleGroups: ["homelab-conformance", "node"], receivers: [] });
  });

  it("is refused on a node without the Prometheus it is judged through", () => {
    expect(() => parseInventory(inv('    alerting: { alertmanager: "http://127.0.0.1:9093" }\n'), "/x/inventory.yaml")).toThrow(/declare `prometheus` on the same node/);
  });
});
