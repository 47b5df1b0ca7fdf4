// A results.json body for tests of what is derived from it (metrics, alerts), two nodes, one unreachable.
import type { ResultRecord, ResultsFile } from "../../helpers/report/results.ts";

export function sampleResults(results: ResultRecord[], extra: Partial<ResultsFile> = {}): ResultsFile {
  return {
    schema: "homelab-conformance/results",
    version: 1,
    suite: { name: "homelab-conformance", version: "0.1.0" },
    run: { startedAt: "2026-12-03T04:00:00.000Z", finishedAt: "2026-12-03T04:00:27.500Z", durationMs: 27500, inventory: "/etc/homelab-conformance/inventory.yaml", target: "live", hostLimits: 0 },
    counts: { total: results.length, passed: 0, failed: 0, skipped: 0, waived: 0 },
    nodes: [
      { node: "lxc200", reachable: true, gatherMs: 200, roundTrips: 1 },
      { node: "vm100", reachable: false, error: "connect ECONNREFUSED", gatherMs: 3, roundTrips: 0 },
    ],
    results,
    errors: [],
    ...extra,
  };
}
