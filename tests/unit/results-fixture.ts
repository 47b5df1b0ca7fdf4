// A small results.json body for the report tests: one of each status, as the reporter writes them.
import { countResults, RESULTS_SCHEMA, RESULTS_VERSION, type ResultRecord, type ResultsFile } from "../../helpers/report/results.ts";

export function record(id: string, node: string, status: ResultRecord["status"], extra: Partial<ResultRecord> = {}): ResultRecord {
  const family = id.startsWith("EXPOSE") ? "exposure" : id.startsWith("DATA") ? "data" : id.startsWith("BOOT") ? "boot" : "identity";
  return { id, node, title: `title of ${id}`, section: "§5.1", family, severity: "critical", layer: node === "pve" ? 0 : node === "vm102" ? 1 : 3, status, durationMs: 3, ...extra };
}

export const EXPOSE_FAIL: Partial<ResultRecord> = {
  message: "EXPOSE-001 [lxc200] Internal services bind to loopback only (§1, §5.1)\n  - prometheus tcp/9090: expected listening on loopback only (127.0.0.1/8, ::1); actual listening on *:9090 by prometheus <dual-stack> & | pipes",
  findings: [{ subject: "prometheus tcp/9090", expected: "listening on loopback only (127.0.0.1/8, ::1)", actual: "listening on *:9090 by prometheus <dual-stack> & | pipes" }],
};

export function resultsBody(results: ResultRecord[], extra: Partial<ResultsFile> = {}): ResultsFile {
  const errors = extra.errors ?? [];
  return {
    schema: RESULTS_SCHEMA,
    version: RESULTS_VERSION,
    suite: { name: "homelab-conformance", version: "0.1.0" },
    run: { startedAt: "2026-12-03T09:00:00.123Z", finishedAt: "2026-12-03T09:00:30.000Z", durationMs: 29_877, inventory: "/x/inventory.yaml", target: "lab", hostLimits: 0 },
    counts: countResults(results, errors),
    nodes: [],
    results,
    errors,
    ...extra,
  };
}

export const MIXED: ResultRecord[] = [
  record("EXPOSE-001", "lxc200", "failed", EXPOSE_FAIL),
  record("EXPOSE-001", "vm100", "passed"),
  record("DATA-010", "vm102", "skipped", { kind: "planned", message: "DATA-010 [vm102] not checked: planned in §7: declare storage.smart" }),
  record("BOOT-006", "vm100", "waived", {
    message: "BOOT-006 [vm100] No failed systemd units (§3.3, §4.4)\n  - unit x.service: expected not failed; actual failed\n  WAIVED until 2099-01-31 by alice: known flaky unit, replaced next week",
    findings: [{ subject: "unit x.service", expected: "not failed", actual: "failed" }],
    waiver: { owner: "alice", justification: "known flaky unit, replaced next week", expires: "2099-01-31", state: "active", at: "waivers.yaml:3" },
  }),
  record("IDENT-001", "vm102", "failed", { message: "IDENT-001 [vm102] One identity (§5.3)\n  - node unreachable, nothing could be checked: connect ECONNREFUSED", kind: "unreachable" }),
];
