// MON-002 and its probe on REAL Prometheus 2.42 answers from the lab's lxc200 (Debian's prometheus
// and prometheus-node-exporter 1.5), fixtures/captured/probes/:
// - prometheus-key-metrics-lab.json: the probe's query while the machine was overloaded (load
//   ~80): vm100's and lxc212's scrapes timed out ("context deadline exceeded"), so they have no
//   current series; the five others have all eight families.
// - prometheus-key-metrics-lab-by-name.json: the first version of the query (`count by (node,
//   __name__) … or …`), whose `or` matched label sets without the metric name and so kept
//   node_load1 only: why the query tags families with label_replace.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import { KEY_METRICS, keyMetrics, keyMetricsQuery, parseKeyMetrics } from "../../../helpers/probes/key-metrics.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { declared, type Declared } from "../catalog-support.ts";
import { NO_SCENE } from "../catalog-support.ts";

const dir = new URL("../../../fixtures/captured/probes/", import.meta.url);
const read = (f: string) => readFileSync(new URL(f, dir), "utf8");
const NODES = ["pve", "vm102", "vm100", "lxc200", "lxc210", "lxc212", "lxc230"];

describe("key metrics probe", () => {
  it("one count by node per family, tagged with label_replace, iowait by its mode, URL-encoded for curl and wget alike", () => {
    const q = keyMetricsQuery("node");
    expect(q.split(" or ")).toHaveLength(KEY_METRICS.length);
    expect(q).toContain('label_replace(count by (node) (node_cpu_seconds_total{node!="", mode="iowait"}), "family", "node_cpu_seconds_total", "", "")');
    const c = keyMetrics("http://127.0.0.1:9090", "node").command;
    expect(c).toContain("/api/v1/query?query=label_replace(count%20by%20(node)%20(node_load1%7Bnode!%3D%22%22%7D)");
    expect(() => keyMetrics("http://x", "node; rm")).toThrow(/bad label/);
  });

  it("parses the real answer: all eight families for five nodes, none for the two whose scrapes timed out", () => {
    const f = parseKeyMetrics("node", read("prometheus-key-metrics-lab.json"), "", 0);
    expect(Object.keys(f).sort()).toEqual(["lxc200", "lxc210", "lxc230", "pve", "vm102"]);
    expect(Object.keys(f.pve!).sort()).toEqual(KEY_METRICS.map((k) => k.metric).sort());
    expect(f.vm102!.node_cpu_seconds_total).toBeGreaterThan(0);
    expect(() => parseKeyMetrics("node", "<html>", "", 0)).toThrow(ProbeParseError);
    expect(() => parseKeyMetrics("node", '{"status":"error","errorType":"bad_data"}', "", 0)).toThrow(/unexpected answer/);
    expect(() => parseKeyMetrics("node", "", "curl: (7) Failed to connect", 7)).toThrow(/exit 7/);
  });

  it("the query by __name__ really lost every family but the first (why label_replace)", () => {
    const raw = JSON.parse(read("prometheus-key-metrics-lab-by-name.json")) as { data: { result: Array<{ metric: Record<string, string> }> } };
    expect(new Set(raw.data.result.map((r) => r.metric.__name__))).toEqual(new Set(["node_load1"]));
  });
});

describe("MON-002 on the captures", () => {
  let judge: (nodes: string[], label: string, f: Record<string, Record<string, number>>) => Array<{ subject: string; actual: string }>;
  let spec: Declared;
  beforeAll(async () => {
    const mod = await import("../../../specs/monitoring/key-metrics.spec.ts");
    judge = mod.judgeKeyMetrics;
    spec = declared.find((d) => d.meta.id === "MON-002")!;
  });

  it("applies on the monitoring node only", () => {
    expect(spec.def.appliesTo({ prometheus: { url: "u", nodeLabel: "node" } } as unknown as NodeDecl, NO_SCENE)).toBe(true);
    expect(spec.def.appliesTo({} as NodeDecl, NO_SCENE)).toBe(false);
  });

  it("nodes with no current series fail as such; a node missing one collector's families names it", () => {
    const f = parseKeyMetrics("node", read("prometheus-key-metrics-lab.json"), "", 0);
    const out = judge(NODES, "node", f);
    expect(out.map((x) => x.subject)).toEqual(['vm100 (node="vm100")', 'lxc212 (node="lxc212")']);
    expect(out[0]!.actual).toMatch(/^none of them: Prometheus holds no current node-exporter series/);
    // The same answer with lxc230's filesystem families taken out, as the drift node-exporter-no-filesystem leaves it.
    delete f.lxc230!.node_filesystem_avail_bytes;
    delete f.lxc230!.node_filesystem_files_free;
    const one = judge(["lxc230"], "node", f);
    expect(one).toHaveLength(1);
    expect(one[0]!.actual).toBe(
      "missing disk usage (node_filesystem_avail_bytes: node-exporter's filesystem collector; is it off with --no-collector.filesystem?); inode usage (node_filesystem_files_free: node-exporter's filesystem collector; is it off with --no-collector.filesystem?)",
    );
    expect(judge(["pve", "vm102", "lxc200"], "node", f)).toEqual([]);
  });
});
