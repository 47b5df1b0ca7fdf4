// The CLI for change reviews, end to end on a lab (storage vm102, its consumer vm100, monitoring
// lxc200), through scripts/conformance.ts exactly as an operator runs it:
//   1. conformant: exit 0; junit.xml and summary.md written; this results.json is the baseline;
//   2. drift monitoring-target-down applied, --baseline --fail-on new: exactly that drift's
//      expected results (fixtures/lab/drifts.ts) are the new failures, exit 1;
//   3. same state with waivers: one in force (waived, not passed), one expired (fails again and
//      says so), one matching no failure (stale);
//   4. the drift reverted, against run 2 as baseline: exactly those results fixed, exit 0;
//   5. --node vm100: only vm100 is connected to (run-stats.json), only its results reported.
import { execa } from "execa";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultLab } from "../../fixtures/lab/default-lab.ts";
import { findDrift } from "../../fixtures/lab/drifts.ts";
import { applyDrift, startLab, type Lab } from "../../fixtures/lab/lab.ts";
import { VERDICT_LABEL, VERDICTS } from "../../helpers/report/lead.ts";
import { readResults, type ResultsFile } from "../../helpers/report/results.ts";

const DRIFT = findDrift("monitoring-target-down");
const EXPECTED = DRIFT.expect.map((e) => `${e.spec} ${e.node ?? DRIFT.node}`).sort();

interface CliRun {
  code: number;
  out: string;
  dir: string;
  results: ResultsFile;
  stats: { connections: Array<{ node: string }>; nodes: Array<{ node: string }>; leftOut?: string[] };
}

async function cli(lab: Lab, args: string[]): Promise<CliRun> {
  const dir = mkdtempSync(join(tmpdir(), "hlc-cli-"));
  const env = {
    HLC_RESULTS_JSON: join(dir, "results.json"),
    HLC_RUN_STATS: join(dir, "run-stats.json"),
    HLC_VITEST_JSON: join(dir, "vitest.json"),
    HLC_ALLURE_RESULTS: join(dir, "allure-results"),
    HLC_ALLURE_HISTORY: join(dir, "history.jsonl"),
    HLC_REPORT_OUT: join(dir, "report.html"),
    HLC_PROGRESS: "1",
  };
  const r = await execa("npx", ["tsx", "scripts/conformance.ts", "--inventory", lab.inventoryFile, "--report", ...args], { env, reject: false, all: true });
  if (!existsSync(env.HLC_RESULTS_JSON)) throw new Error(`no results.json (exit ${r.exitCode}):\n${(r.all ?? "").slice(-4000)}`);
  return { code: r.exitCode ?? -1, out: r.all ?? "", dir, results: readResults(env.HLC_RESULTS_JSON), stats: JSON.parse(readFileSync(env.HLC_RUN_STATS, "utf8")) };
}

const keys = (r: ResultsFile, status: string) => r.results.filter((x) => x.status === status).map((x) => `${x.id} ${x.node}`).sort();

let lab: Lab;
let base: CliRun;
let drifted: CliRun;
let waived: CliRun;
let reverted: CliRun;
let oneNode: CliRun;
const work = mkdtempSync(join(tmpdir(), "hlc-review-"));

beforeAll(async () => {
  // Without pve: the guests' `proxmox` declarations (which need their hypervisor) are left out.
  const nodes = defaultLab()
    .filter((n) => ["vm102", "vm100", "lxc200"].includes(n.name))
    .map(({ declare, ...n }) => ({ ...n, declare: Object.fromEntries(Object.entries(declare ?? {}).filter(([k]) => k !== "proxmox")) }));
  lab = await startLab(nodes);
  base = await cli(lab, []);
  copyFileSync(join(base.dir, "results.json"), join(work, "before.json"));

  await applyDrift(lab, DRIFT);
  drifted = await cli(lab, ["--baseline", join(work, "before.json"), "--fail-on", "new"]);
  copyFileSync(join(drifted.dir, "results.json"), join(work, "drifted.json"));

  const [first, second] = EXPECTED.map((k) => k.split(" "));
  writeFileSync(
    join(work, "waivers.yaml"),
    `version: 1
waivers:
  - invariant: ${first![0]}
    node: ${first![1]}
    justification: storage VM exporter off during the disk migration
    owner: alice
    expires: 2099-12-31
  - invariant: ${second![0]}
    node: ${second![1]}
    justification: accepted for last month's maintenance only
    owner: bob
    expires: 2020-01-31
  - invariant: MON-001
    node: vm100
    justification: monitoring moved off vm100 since
    owner: carol
    expires: 2099-12-31
`,
  );
  waived = await cli(lab, ["--waivers", join(work, "waivers.yaml")]);

  // Revert: the exporter back, and Prometheus seeing it up again.
  await lab.containers.get("vm102")!.exec(["systemctl", "start", "prometheus-node-exporter"]);
  const mon = lab.containers.get("lxc200")!;
  for (let i = 0; i < 60; i++) {
    const r = await mon.exec(["sh", "-c", `curl -fsS 'http://127.0.0.1:9090/api/v1/targets?state=active' | grep -q '"node":"vm102"}[^{}]*"health":"up"'`]);
    if (r.exitCode === 0) break;
    await new Promise((res) => setTimeout(res, 1000));
  }
  reverted = await cli(lab, ["--baseline", join(work, "drifted.json")]);
  oneNode = await cli(lab, ["--node", "vm100"]);
}, 1_500_000);

afterAll(async () => {
  await lab?.stop();
});

describe("review outputs on the lab", () => {
  it("conformant: exit 0, nothing failed, junit.xml and summary.md beside results.json", () => {
    expect(base.code, base.out.slice(-3000)).toBe(0);
    expect(base.results.counts.failed).toBe(0);
    expect(readFileSync(join(base.dir, "junit.xml"), "utf8")).toMatch(/^<\?xml/);
    expect(readFileSync(join(base.dir, "summary.md"), "utf8")).toMatch(/^## Homelab conformance: conformant/);
    expect(base.out).toMatch(/\[gather\] \d+ nodes in [\d.]+ s, slowest \S+/);
    expect(base.out).toContain("CONFORMANT:");
  });

  it("--baseline after the drift: exactly the drift's expected results are the new failures, exit 1 with --fail-on new", () => {
    expect(drifted.results.baseline!.newFailures.sort()).toEqual(EXPECTED);
    expect(drifted.results.baseline).toMatchObject({ fixed: [], stillFailing: [], newChecks: [], removedChecks: [] });
    expect(keys(drifted.results, "failed")).toEqual(EXPECTED);
    expect(drifted.code).toBe(1);
    const md = readFileSync(join(drifted.dir, "summary.md"), "utf8");
    expect(md).toContain("### Since the baseline");
    for (const k of EXPECTED) expect(md).toMatch(new RegExp(`\\| \\*\\*new\\*\\* \\| ${k.split(" ")[1]} \\| ${k.split(" ")[0]} \\|`));
    expect(drifted.out).toMatch(/NEW\s+lxc200\s+MON-001/);
    expect(drifted.out).toContain(`${EXPECTED.length} new failures`);
  });

  it("waivers: in force -> waived with justification and owner; expired -> failed, saying so; matching nothing -> stale", () => {
    const [first, second] = EXPECTED;
    const w = waived.results;
    const a = w.results.find((r) => `${r.id} ${r.node}` === first)!;
    expect(a.status).toBe("waived");
    expect(a.waiver).toMatchObject({ owner: "alice", state: "active", expires: "2099-12-31" });
    expect(a.message).toContain("WAIVED until 2099-12-31 by alice: storage VM exporter off during the disk migration");
    const e = w.results.find((r) => `${r.id} ${r.node}` === second)!;
    expect(e.status).toBe("failed");
    expect(e.message).toContain("waiver EXPIRED on 2020-01-31, failing again");
    expect(w.waivers!.map((x) => [x.invariant, x.node, x.state])).toEqual([
      [...first!.split(" "), "active"],
      [...second!.split(" "), "expired"],
      ["MON-001", "vm100", "stale"],
    ]);
    expect(waived.code).toBe(1);
    expect(waived.out).toContain("Stale waivers (1)");
  });

  it("reverted, against the drifted run as baseline: exactly those results fixed, exit 0", () => {
    expect(reverted.results.baseline!.fixed.sort()).toEqual(EXPECTED);
    expect(reverted.results.baseline!.newFailures).toEqual([]);
    expect(reverted.code, reverted.out.slice(-3000)).toBe(0);
    expect(readFileSync(join(reverted.dir, "summary.md"), "utf8")).toContain(`Fixed: ${EXPECTED.map((k) => `\`${k}\``).join(", ")}`);
  });

  it("--node vm100 connects to vm100 only, and reports only its results", () => {
    expect(oneNode.stats.connections.map((c) => c.node)).toEqual(["vm100"]);
    expect(oneNode.stats.nodes.map((n) => n.node)).toEqual(["vm100"]);
    expect(oneNode.stats.leftOut!.sort()).toEqual(["lxc200", "vm102"]);
    expect(new Set(oneNode.results.results.map((r) => r.node))).toEqual(new Set(["vm100"]));
    expect(oneNode.results.run.scope).toEqual({ invariants: [], families: [], nodes: ["vm100"] });
    // EXPOSE-005 judges vm100 by lxc200's connection attempts: not gathered, so not judged.
    const x = oneNode.results.results.find((r) => r.id === "EXPOSE-005");
    if (x) expect(x).toMatchObject({ status: "skipped", kind: "left-out" });
    expect(oneNode.results.counts.failed).toBe(0);
    expect(oneNode.code).toBe(0);
  });

  it("the HTML report of the drifted run leads with the new failures (its first level: the verdict)", () => {
    expect(readFileSync(join(drifted.dir, "report.html"), "utf8").length).toBeGreaterThan(10_000);
    const dir = join(drifted.dir, "allure-results");
    const verdicts = readdirSync(dir)
      .filter((f) => f.endsWith("-result.json"))
      .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as { labels: Array<{ name: string; value: string }> })
      .map((r) => [`${r.labels.find((l) => l.name === "invariant")?.value} ${r.labels.find((l) => l.name === "node")?.value}`, r.labels.find((l) => l.name === VERDICT_LABEL)?.value]);
    expect(verdicts.filter(([, v]) => v === VERDICTS.new).map(([k]) => k).sort()).toEqual(EXPECTED);
    expect(verdicts.every(([, v]) => v !== undefined)).toBe(true);
  });
});
