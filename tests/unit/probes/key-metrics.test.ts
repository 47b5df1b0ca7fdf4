// MON-002 and its probe on a REAL Prometheus 2.42 answer (fixtures/captured/probes/
// prometheus-key-metrics-lab*.json: the probe's query on the lab's lxc200, Debian's prometheus and
// prometheus-node-exporter 1.5). The first capture was taken seconds after the lab started, when
// only the loadavg series of four nodes had been scraped: a real "missing families" answer.
import { readFileSync, existsSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import { KEY_METRICS, keyMetrics, keyMetricsQuery, parseKeyMetrics } from "../../../helpers/probes/key-metrics.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { declared, registryMode, type Declared } from "../../../helpers/spec/registry.ts";

const dir = new URL("../../../fixtures/captured/probes/", import.meta.url);
const read = (f: string) => readFileSync(new URL(f, dir), "utf8");
const NODES = ["pve", "vm102", "vm100", "lxc200", "lxc210", "lxc212", "lxc230"];

describe("key metrics probe", () => {
  it("one count by (node, __name__) per family, iowait by its mode, URL-encoded for curl and wget alike", () => {
    expect(keyMetricsQuery("node")).toBe(
      KEY_METRICS.map((k) => `count by (node, __name__) (${k.metric}{node!=""${k.matcher ? `, ${k.matcher}` : ""}})`).join(" or "),
    );
    expect(keyMetricsQuery("node")).toContain('count by (node, __name__) (node_cpu_seconds_total{node!="", mode="iowait"})');
    const c = keyMetrics("http://127.0.0.1:9090", "node").command;
    expect(c).toContain("/api/v1/query?query=count%20by%20(node%2C%20__name__)");
    expect(() => keyMetrics("http://x", "node; rm")).toThrow(/bad label/);
  });

  it("parses the real early answer: node_load1 only, for four nodes", () => {
    const f = parseKeyMetrics("node", read("prometheus-key-metrics-lab.json"), "", 0);
    expect(f).toEqual({ lxc200: { node_load1: 1 }, lxc210: { node_load1: 1 }, pve: { node_load1: 1 }, vm100: { node_load1: 1 } });
    expect(() => parseKeyMetrics("node", "<html>", "", 0)).toThrow(ProbeParseError);
    expect(() => parseKeyMetrics("node", '{"status":"error","errorType":"bad_data"}', "", 0)).toThrow(/unexpected answer/);
    expect(() => parseKeyMetrics("node", "", "curl: (7) Failed to connect", 7)).toThrow(/exit 7/);
  });
});

describe("MON-002 on the captures", () => {
  let judge: (nodes: string[], label: string, f: Record<string, Record<string, number>>) => Array<{ subject: string; actual: string }>;
  let spec: Declared;
  beforeAll(async () => {
    registryMode.catalogOnly = true;
    const mod = await import("../../../specs/monitoring/key-metrics.spec.ts");
    judge = mod.judgeKeyMetrics;
    spec = declared.find((d) => d.meta.id === "MON-002")!;
  });

  it("applies on the monitoring node only", () => {
    expect(spec.def.appliesTo({ prometheus: { url: "u", nodeLabel: "node" } } as unknown as NodeDecl)).toBe(true);
    expect(spec.def.appliesTo({} as NodeDecl)).toBe(false);
  });

  it("the early answer: every node misses families, each named with its collector; unscraped nodes have none", () => {
    const f = parseKeyMetrics("node", read("prometheus-key-metrics-lab.json"), "", 0);
    const out = judge(NODES, "node", f);
    expect(out.map((x) => x.subject)).toEqual(NODES.map((n) => `${n} (node="${n}")`));
    expect(out.find((x) => x.subject.startsWith("vm102"))!.actual).toMatch(/^none of them: Prometheus holds no current node-exporter series/);
    expect(out.find((x) => x.subject.startsWith("pve"))!.actual).toContain("disk usage (node_filesystem_avail_bytes: node-exporter's filesystem collector; is it off with --no-collector.filesystem?)");
    expect(out.find((x) => x.subject.startsWith("pve"))!.actual).not.toContain("CPU load");
  });

  it.runIf(existsSync(new URL("prometheus-key-metrics-lab-full.json", dir)))("the settled lab answer: every node has every family", () => {
    const f = parseKeyMetrics("node", read("prometheus-key-metrics-lab-full.json"), "", 0);
    expect(judge(NODES, "node", f)).toEqual([]);
  });
});
