// Runs the real conformance suite (vitest --project conformance) as a child process against an
// inventory, exactly as `npm run conformance` does, and reads back per-(invariant, node) results.
import { execa } from "execa";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export interface SpecResult {
  id: string;
  node: string;
  status: "passed" | "failed" | "skipped" | "pending" | "todo";
  message: string;
}

export interface SuiteRun {
  exitCode: number;
  results: SpecResult[];
  /** reports/run-stats.json of that run: connections, round trips, timings. */
  stats: { gatherMs: number; connections: Array<{ node: string; ms: number }>; nodes: Array<{ node: string; reachable: boolean; roundTrips: number; gatherMs: number; error?: string }> };
  allureResults: string;
  output: string;
}

const TITLE = /^([A-Z]+-\d{3}) (\S+): /;

export async function runSuite(inventoryFile: string, options: { target?: "lab" | "live"; args?: string[] } = {}): Promise<SuiteRun> {
  const dir = mkdtempSync(join(tmpdir(), "hlc-suite-"));
  const env = {
    HLC_INVENTORY: resolve(inventoryFile),
    HLC_TARGET: options.target ?? "lab",
    HLC_VITEST_JSON: join(dir, "vitest.json"),
    HLC_ALLURE_RESULTS: join(dir, "allure-results"),
    HLC_RUN_STATS: join(dir, "run-stats.json"),
  };
  const child = await execa("npx", ["vitest", "run", "--project", "conformance", ...(options.args ?? [])], { env, reject: false, all: true });
  let json: { testResults: Array<{ assertionResults: Array<{ title: string; status: SpecResult["status"]; failureMessages: string[] }> }> };
  try {
    json = JSON.parse(readFileSync(env.HLC_VITEST_JSON, "utf8"));
  } catch {
    throw new Error(`the conformance run wrote no results (exit ${child.exitCode}):\n${child.all}`);
  }
  const results = json.testResults.flatMap((f) =>
    f.assertionResults.flatMap((a) => {
      const m = TITLE.exec(a.title);
      return m ? [{ id: m[1]!, node: m[2]!, status: a.status, message: a.failureMessages.join("\n") }] : [];
    }),
  );
  return {
    exitCode: child.exitCode ?? 1,
    results,
    stats: JSON.parse(readFileSync(env.HLC_RUN_STATS, "utf8")),
    allureResults: env.HLC_ALLURE_RESULTS,
    output: child.all ?? "",
  };
}

export function resultFor(run: SuiteRun, id: string, node: string): SpecResult {
  const r = run.results.find((x) => x.id === id && x.node === node);
  if (!r) throw new Error(`no result for ${id} on ${node}; have: ${run.results.map((x) => `${x.id}/${x.node}`).join(", ")}`);
  return r;
}
