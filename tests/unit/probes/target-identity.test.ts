// MON-003 and its probes on REAL answers of the lab's Prometheus 2.42 on lxc200 (Debian's
// prometheus and prometheus-node-exporter 1.5) and real `uname -n` of the lab's nodes,
// fixtures/captured/monitoring/ (README.md there says how each was captured):
// - conformant: every node's target up, each exporter's node_uname_info{nodename} its own node's;
// - copy-paste: the drift monitoring-target-copy-paste (vm100's target replaced by a copy of
//   vm102's block with the label changed: job node-vm100 scrapes vm102:9100 labelled node=vm100);
// - target-down: the drift monitoring-target-down (vm102's node-exporter stopped).
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { describe, expect, it } from "vitest";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import type { Inventory } from "../../../helpers/inventory/types.ts";
import { keyMetrics } from "../../../helpers/probes/key-metrics.ts";
import { exporterIdentities, nodename, parseExporterIdentities, unameQuery } from "../../../helpers/probes/node-identity.ts";
import { prometheusTargets } from "../../../helpers/probes/prometheus.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { evaluate, type Verdict } from "../../../helpers/spec/evaluate.ts";
import { LEFT_OUT } from "../../../helpers/spec/scope.ts";
import { judgeKeyMetrics } from "../../../specs/monitoring/key-metrics.spec.ts";
import { nodeOfHost, scrapeHost } from "../../../specs/monitoring/target-identity.spec.ts";
import { byId, planOf } from "../catalog-support.ts";
import { factsOf } from "../support.ts";

const read = (f: string) => readFileSync(`fixtures/captured/monitoring/${f}`, "utf8");
const out = (f: string) => ({ stdout: read(f), stderr: "", code: 0 });
const URL_ = "http://127.0.0.1:9090";
const targetsProbe = prometheusTargets(URL_);
const unameProbe = exporterIdentities(URL_, "node");
const NODES = ["pve", "vm102", "vm100", "lxc200", "lxc210", "lxc212", "lxc230"] as const;

/** The lab's nodes as its inventory declares them: ssh on 127.0.0.1 port forwards, so each node's LAN name is its node name (lanHostsOf). */
function labInventory(): Inventory {
  const role = (n: string) => (n === "pve" ? "hypervisor" : n === "vm102" ? "storage" : n === "vm100" ? "compute" : n === "lxc200" ? "monitoring" : "service");
  const layer = (n: string) => (n === "pve" ? 0 : n === "vm102" ? 1 : n === "vm100" ? 2 : 3);
  const nodes = NODES.map((name, i) => ({
    name,
    role: role(name),
    layer: layer(name),
    ssh: { host: "127.0.0.1", port: 32000 + i },
    ...(name === "lxc200" ? { prometheus: { url: URL_ } } : {}),
  }));
  return parseInventory(dump({ version: 1, defaults: { ssh: { agent: true } }, nodes }), "/lab/abc/inventory.yaml");
}

/** Every node's facts: lxc200's Prometheus answers (targets, node_uname_info) and each node's own uname -n. */
function world(state: "conformant" | "copy-paste" | "target-down", change: Partial<Record<string, NodeFacts>> = {}): Record<string, NodeFacts> {
  const nodes: Record<string, NodeFacts> = {};
  for (const n of NODES) {
    const own: Array<[typeof nodename | typeof targetsProbe | typeof unameProbe, ReturnType<typeof out>]> = [[nodename, out(`uname-n-${n}.txt`)]];
    if (n === "lxc200") own.push([targetsProbe, out(`targets-${state}.json`)], [unameProbe, out(`uname-info-${state}.json`)]);
    nodes[n] = factsOf(n, own as Parameters<typeof factsOf>[1]);
  }
  return { ...nodes, ...change } as Record<string, NodeFacts>;
}

function judge(id: string, inv: Inventory, nodes: Record<string, NodeFacts>): Verdict {
  const d = byId(id);
  const lxc200 = inv.nodes.find((n) => n.name === "lxc200")!;
  return evaluate(d.meta, d.def, lxc200, nodes.lxc200, [], { inventory: inv, nodes });
}
const msg = (v: Verdict) => (v.status === "passed" ? "" : v.message);

describe("node identity probes", () => {
  it("asks node_uname_info carrying the node label, URL-encoded for curl and wget alike", () => {
    expect(unameQuery("node")).toBe('node_uname_info{node!=""}');
    expect(unameProbe.command).toContain("'http://127.0.0.1:9090/api/v1/query?query=node_uname_info%7Bnode!%3D%22%22%7D'");
    expect(unameProbe.command).toMatch(/curl .*wget/);
    expect(() => exporterIdentities(URL_, "node; rm")).toThrow(/bad label/);
    expect(nodename.command).toBe("uname -n");
  });

  it("reads each target's exporter host from the real conformant answer: every nodename is its own node's", () => {
    const ids = unameProbe.parse(out("uname-info-conformant.json"));
    expect(ids.map((i) => i.node).sort()).toEqual([...NODES].sort());
    for (const i of ids) expect(i.nodename).toBe(i.node);
    expect(ids.find((i) => i.node === "lxc200")).toMatchObject({ job: "node", instance: "127.0.0.1:9100", nodename: "lxc200" });
  });

  it("the copy-paste answer: a series labelled vm100 whose exporter is vm102", () => {
    const ids = unameProbe.parse(out("uname-info-copy-paste.json"));
    expect(ids.filter((i) => i.node === "vm100")).toEqual([{ node: "vm100", job: "node-vm100", instance: "vm102:9100", nodename: "vm102" }]);
    expect(ids.filter((i) => i.nodename === "vm102")).toHaveLength(2);
    expect(ids.some((i) => i.nodename === "vm100")).toBe(false);
  });

  it("refuses what is not a Prometheus vector instead of reporting no exporter", () => {
    expect(() => parseExporterIdentities("node", "<html>", "", 0)).toThrow(ProbeParseError);
    expect(() => parseExporterIdentities("node", '{"status":"error","errorType":"bad_data"}', "", 0)).toThrow(/unexpected answer/);
    expect(() => parseExporterIdentities("node", "", "curl: (7) Failed to connect", 7)).toThrow(/exit 7/);
    expect(() => parseExporterIdentities("node", '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"node":"x"}}]}}', "", 0)).toThrow(/malformed/);
  });

  it("uname -n: one real host name, nothing else", () => {
    expect(nodename.parse(out("uname-n-vm100.txt"))).toBe("vm100");
    expect(() => nodename.parse({ stdout: "", stderr: "", code: 0 })).toThrow(ProbeParseError);
    expect(() => nodename.parse({ stdout: "a\nb\n", stderr: "", code: 0 })).toThrow(/one host name/);
    expect(() => nodename.parse({ stdout: "", stderr: "uname: not found", code: 127 })).toThrow(/exit 127/);
  });
});

describe("which node a scrape address is", () => {
  const inv = labInventory();
  it("loopback is the Prometheus node; a node name is that node; anything else is undecided", () => {
    expect(scrapeHost("http://127.0.0.1:9100/metrics")).toBe("127.0.0.1");
    expect(scrapeHost("http://[::1]:9100/metrics")).toBe("::1");
    expect(nodeOfHost("127.0.0.1", inv, "lxc200")).toBe("lxc200");
    expect(nodeOfHost("::1", inv, "lxc200")).toBe("lxc200");
    expect(nodeOfHost("vm102", inv, "lxc200")).toBe("vm102");
    expect(nodeOfHost("VM102", inv, "lxc200")).toBe("vm102");
    expect(nodeOfHost("192.168.1.50", inv, "lxc200")).toBeUndefined();
  });
});

describe("MON-003 on the captures", () => {
  const inv = labInventory();

  it("runs on the monitoring node and reads uname -n on every other node", () => {
    const d = byId("MON-003");
    expect(d.meta.severity).toBe(byId("MON-001").meta.severity);
    expect(planOf("lxc200", inv).map((p) => p.name)).toEqual(expect.arrayContaining(["prometheus-targets", "prometheus-uname-info", "uname-nodename"]));
    for (const n of NODES) expect(planOf(n, inv).map((p) => p.name)).toContain("uname-nodename");
  });

  it("the conformant lab passes", () => {
    expect(judge("MON-003", inv, world("conformant"))).toMatchObject({ status: "passed" });
  });

  it("the copy-paste: MON-001 and MON-002's view stay green, MON-003 names the node the target really is", () => {
    const w = world("copy-paste");
    expect(judge("MON-001", inv, w)).toMatchObject({ status: "passed" });
    const v = judge("MON-003", inv, w);
    expect(v.status).toBe("failed");
    if (v.status !== "failed") return;
    expect(v.findings).toHaveLength(1);
    expect(v.findings[0]!.subject).toBe("vm100 node-vm100 target vm102:9100");
    expect(v.findings[0]!.actual).toBe(
      'it scrapes http://vm102:9100/metrics, an address the inventory declares for vm102; its exporter reports host name "vm102" (node_uname_info{nodename}): that is vm102 (uname -n there), not vm100 ("vm100")',
    );
    expect(v.findings[0]!.fix).toMatch(/prometheus\.yml .*vm100/);
  });

  it("the copy-paste: MON-002 finds all key metrics under vm100's label too (they are vm102's)", () => {
    const f = keyMetrics(URL_, "node").parse(out("key-metrics-copy-paste.json"));
    expect(judgeKeyMetrics([...NODES], "node", f)).toEqual([]);
  });

  it("a series of a target Prometheus no longer scrapes (the removed copy, seconds after the reload) is not judged", () => {
    const ids = unameProbe.parse(out("uname-info-target-down.json"));
    expect(ids).toContainEqual({ node: "vm100", job: "node-vm100", instance: "vm102:9100", nodename: "vm102" });
    const v = judge("MON-003", inv, world("target-down"));
    expect(msg(v)).not.toContain("vm100");
  });

  it("the exporter's own word decides even where the address does not (a scrape by IP the inventory does not declare)", () => {
    const w = world("copy-paste");
    // The same real answers, with the copy's address written as an IP no node declares.
    const t = JSON.parse(read("targets-copy-paste.json")) as { data: { activeTargets: Array<{ scrapeUrl: string; labels: Record<string, string> }> } };
    for (const x of t.data.activeTargets) if (x.labels.job === "node-vm100") x.scrapeUrl = "http://10.9.9.9:9100/metrics";
    w.lxc200 = factsOf("lxc200", [
      [nodename, out("uname-n-lxc200.txt")],
      [targetsProbe, { stdout: JSON.stringify(t), stderr: "", code: 0 }],
      [unameProbe, out("uname-info-copy-paste.json")],
    ] as Parameters<typeof factsOf>[1]);
    const v = judge("MON-003", inv, w);
    expect(msg(v)).toContain('its exporter reports host name "vm102" (node_uname_info{nodename}): that is vm102 (uname -n there), not vm100 ("vm100")');
    expect(msg(v)).not.toContain("an address the inventory declares");
  });

  it("a target that is down says nothing of its host: not verified, never passed", () => {
    const v = judge("MON-003", inv, world("target-down"));
    expect(v.status).toBe("failed");
    if (v.status !== "failed") return;
    expect(v.findings.map((f) => f.subject)).toEqual(['vm102 (node="vm102")']);
    expect(v.findings[0]!.actual).toMatch(/^none does, so the claim is not verified: node target vm102:9100: the target is down \(.*connection refused\)/);
  });

  it("a node whose own host name cannot be read fails (unreachable) or is left out by a filter (skipped), never passes", () => {
    const down = judge("MON-003", inv, world("conformant", { vm100: { node: "vm100", reachable: false, error: { kind: "timeout", message: "connect timed out" }, roundTrips: 0, gatherMs: 1, facts: {} } }));
    expect(msg(down)).toContain("vm100 (node=\"vm100\"): expected vm100's own host name (uname -n on vm100), to compare with what its target's exporter reports; actual not read: connect timed out");
    const left = judge("MON-003", inv, world("conformant", { vm100: { node: "vm100", reachable: false, leftOut: `vm100 ${LEFT_OUT}`, roundTrips: 0, gatherMs: 0, facts: {} } }));
    expect(left).toMatchObject({ status: "skipped", reason: "left-out" });
  });

  it("two nodes with one host name cannot be told apart: fails", () => {
    const w = world("conformant", { vm100: factsOf("vm100", [[nodename, out("uname-n-vm102.txt")]]) });
    const v = judge("MON-003", inv, w);
    expect(msg(v)).toContain('vm100 and vm102 all report host name "vm102" (uname -n)');
  });

  it("Prometheus unreadable on the monitoring node: failed, not passed", () => {
    const w = world("conformant");
    w.lxc200 = { ...w.lxc200!, facts: { ...w.lxc200!.facts, "prometheus-uname-info": { ok: false, error: "probe prometheus-uname-info: could not query Prometheus (exit 7): curl: (7) Failed to connect" } as never } };
    const v = judge("MON-003", inv, w);
    expect(v.status).toBe("failed");
    expect(msg(v)).toMatch(/cannot judge: .*prometheus-uname-info.*exit 7/);
  });
});
