// The conformance reporter's end of run (helpers/report/results-reporter.ts): results.json, and the
// same body as homelab_conformance.prom. A run whose gather phase threw judged nothing: that is a
// run error (a failure, run_errors 1), never an empty run whose metrics look clean.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import ResultsReporter from "../../helpers/report/results-reporter.ts";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe("results reporter", () => {
  it("an error outside every spec file (the gather phase threw) is a failure of the run, in results.json and the metrics", () => {
    const dir = mkdtempSync(join(tmpdir(), "hlc-reporter-"));
    Object.assign(process.env, {
      HLC_RESULTS_JSON: join(dir, "results.json"),
      HLC_METRICS_PROM: join(dir, "homelab_conformance.prom"),
      HLC_RUN_STATS: join(dir, "none.json"),
      HLC_STALE_AFTER: "2h",
    });
    const r = new ResultsReporter();
    r.onTestRunStart();
    r.onTestRunEnd([], [{ message: "inventory.yaml:45:7: at nodes[0].proxmox: needs its Proxmox host" } as never]);
    const body = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    expect(body.errors).toEqual([{ file: "(run)", message: "inventory.yaml:45:7: at nodes[0].proxmox: needs its Proxmox host" }]);
    expect(body.counts).toEqual({ total: 1, passed: 0, failed: 1, skipped: 0, waived: 0 });
    const prom = readFileSync(join(dir, "homelab_conformance.prom"), "utf8");
    expect(prom).toMatch(/^homelab_conformance_run_errors 1$/m);
    expect(prom).toMatch(/^homelab_conformance_results\{status="failed"\} 1$/m);
    expect(prom).toMatch(/^homelab_conformance_stale_after_seconds 7200$/m);
  });

  it("a run that judged nothing and reported no error is a run error too (a global setup that refused the inventory)", () => {
    const dir = mkdtempSync(join(tmpdir(), "hlc-reporter-"));
    Object.assign(process.env, { HLC_RESULTS_JSON: join(dir, "results.json"), HLC_METRICS_PROM: join(dir, "homelab_conformance.prom"), HLC_RUN_STATS: join(dir, "none.json"), HLC_STALE_AFTER: "2h" });
    const r = new ResultsReporter();
    r.onTestRunStart();
    r.onTestRunEnd([], []);
    const body = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    expect(body.errors[0].message).toMatch(/^no result was judged/);
    expect(readFileSync(join(dir, "homelab_conformance.prom"), "utf8")).toMatch(/^homelab_conformance_run_errors 1$/m);
  });
});
