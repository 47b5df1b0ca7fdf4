// results.json -> Prometheus text format (helpers/report/metrics.ts). The file is validated with the
// real promtool in tests/integration/prometheus-tools.test.ts; here: the encoding of each result.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_STALE_AFTER_SEC, renderMetrics, staleAfterFromEnv, writeMetrics } from "../../helpers/report/metrics.ts";
import type { ResultRecord } from "../../helpers/report/results.ts";
import { sampleResults } from "./results-support.ts";

const rec = (r: Partial<ResultRecord> & Pick<ResultRecord, "id" | "status">): ResultRecord => ({
  node: "lxc200", title: "t", section: "§1, §5.1", family: "exposure", severity: "critical", layer: 3, ...r,
});

const sample = (text: string, name: string) => text.split("\n").filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

describe("Prometheus metrics of a run", () => {
  const body = sampleResults([
    rec({ id: "EXPOSE-001", status: "passed" }),
    rec({ id: "EXPOSE-002", status: "failed", message: "a \"quoted\" \\ message\nsecond line" }),
    rec({ id: "DATA-010", node: "vm102", family: "data", section: "§1, §6, §7, §4.1", status: "skipped", kind: "planned" }),
    rec({ id: "CONT-002", node: "vm100", family: "container", section: "§4.5", status: "failed", kind: "unreachable" }),
    rec({ id: "MON-001", node: null, family: "monitoring", severity: "normal", status: "skipped", kind: "no-node" }),
    // A waived failure (accepted until its expiry) is never passing either.
    rec({ id: "SHARE-003", node: "vm102", family: "share", section: "§0, §5.3", severity: "blocker", status: "waived" }),
  ]);
  const text = renderMetrics(body);

  it("one gauge per (invariant, node): 1 only for passed, the status label says the rest", () => {
    expect(sample(text, "homelab_conformance_result")).toEqual([
      'homelab_conformance_result{invariant="EXPOSE-001",node="lxc200",family="exposure",section="§1, §5.1",severity="critical",status="passed"} 1',
      'homelab_conformance_result{invariant="EXPOSE-002",node="lxc200",family="exposure",section="§1, §5.1",severity="critical",status="failed"} 0',
      'homelab_conformance_result{invariant="DATA-010",node="vm102",family="data",section="§1, §6, §7, §4.1",severity="critical",status="skipped",kind="planned"} 0',
      'homelab_conformance_result{invariant="CONT-002",node="vm100",family="container",section="§4.5",severity="critical",status="failed",kind="unreachable"} 0',
      // No node: the label is left out (Prometheus reads an empty label as none).
      'homelab_conformance_result{invariant="MON-001",family="monitoring",section="§1, §5.1",severity="normal",status="skipped",kind="no-node"} 0',
      'homelab_conformance_result{invariant="SHARE-003",node="vm102",family="share",section="§0, §5.3",severity="blocker",status="waived"} 0',
    ]);
  });

  it("the run: timestamp, duration, stale bound, counts by status, nodes, the suite's version", () => {
    expect(sample(text, "homelab_conformance_last_run_timestamp_seconds")).toEqual(["homelab_conformance_last_run_timestamp_seconds 1796270427.5"]);
    expect(sample(text, "homelab_conformance_run_duration_seconds")).toEqual(["homelab_conformance_run_duration_seconds 27.5"]);
    expect(sample(text, "homelab_conformance_stale_after_seconds")).toEqual([`homelab_conformance_stale_after_seconds ${DEFAULT_STALE_AFTER_SEC}`]);
    expect(sample(text, "homelab_conformance_results")).toEqual([
      'homelab_conformance_results{status="passed"} 1',
      'homelab_conformance_results{status="failed"} 2',
      'homelab_conformance_results{status="skipped"} 2',
      'homelab_conformance_results{status="waived"} 1',
    ]);
    expect(sample(text, "homelab_conformance_nodes")).toEqual(["homelab_conformance_nodes 2"]);
    expect(sample(text, "homelab_conformance_nodes_unreachable")).toEqual(["homelab_conformance_nodes_unreachable 1"]);
    expect(sample(text, "homelab_conformance_node_reachable")).toEqual(['homelab_conformance_node_reachable{node="lxc200"} 1', 'homelab_conformance_node_reachable{node="vm100"} 0']);
    expect(sample(text, "homelab_conformance_info")).toEqual(['homelab_conformance_info{suite="homelab-conformance",version="0.1.0",results_version="1",target="live"} 1']);
    expect(sample(text, "homelab_conformance_run_errors")).toEqual(["homelab_conformance_run_errors 0"]);
  });

  it("every metric is a gauge with HELP and TYPE, never a counter summed over runs", () => {
    const types = text.split("\n").filter((l) => l.startsWith("# TYPE "));
    expect(types).toHaveLength(10);
    for (const t of types) expect(t).toMatch(/ gauge$/);
    expect(text.split("\n").filter((l) => l.startsWith("# HELP "))).toHaveLength(10);
    expect(text.endsWith("\n")).toBe(true);
  });

  it("a spec file that failed as a whole counts as a failure; the stale bound follows the schedule", () => {
    const t = renderMetrics(sampleResults([], { errors: [{ file: "specs/x.spec.ts", message: "boom" }] }), { staleAfterSec: 600 });
    expect(sample(t, "homelab_conformance_results")).toContain('homelab_conformance_results{status="failed"} 1');
    expect(sample(t, "homelab_conformance_run_errors")).toEqual(["homelab_conformance_run_errors 1"]);
    expect(sample(t, "homelab_conformance_stale_after_seconds")).toEqual(["homelab_conformance_stale_after_seconds 600"]);
  });

  it("label values are escaped; a duplicate (invariant, node) keeps the worse result (node-exporter drops a file with duplicates)", () => {
    const t = renderMetrics(sampleResults([rec({ id: "X-001", section: 'a "b" \\ c\nd', status: "passed" }), rec({ id: "X-001", section: 'a "b" \\ c\nd', status: "failed" })]));
    expect(sample(t, "homelab_conformance_result")).toEqual(['homelab_conformance_result{invariant="X-001",node="lxc200",family="exposure",section="a \\"b\\" \\\\ c\\nd",severity="critical",status="failed"} 0']);
  });

  it("written atomically: a temp file beside it (not *.prom, which node-exporter would read), renamed over it", () => {
    const dir = mkdtempSync(join(tmpdir(), "hlc-prom-"));
    writeMetrics(join(dir, "homelab_conformance.prom"), "a 1\n");
    writeMetrics(join(dir, "homelab_conformance.prom"), text);
    expect(readdirSync(dir)).toEqual(["homelab_conformance.prom"]);
    expect(readFileSync(join(dir, "homelab_conformance.prom"), "utf8")).toBe(text);
  });

  it("HLC_STALE_AFTER: seconds or a duration; anything else is refused naming it", () => {
    expect(staleAfterFromEnv(undefined)).toBeUndefined();
    expect(staleAfterFromEnv("90")).toBe(90);
    expect(staleAfterFromEnv("1d2h")).toBe(93600);
    expect(() => staleAfterFromEnv("soon")).toThrow('HLC_STALE_AFTER: expected seconds or a duration like 26h or 1d2h, got "soon"');
    expect(() => staleAfterFromEnv("0")).toThrow(/HLC_STALE_AFTER/);
  });
});
