// A run whose gather or judging throws is a run error naming why, never an empty green run: the
// judged results reach the test file over a channel (specs/global-setup.ts), and so does the error.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

// Two ways a run starts: the CLI's judge() starts it before vitest loads; vitest run by itself
// (vitest.config.ts's conformance project, as fixtures/lab/run-suite.ts does) starts it in the
// global setup. Either way the error reaches results.json.
const STARTS: Array<[string, (out: string) => string[]]> = [
  [
    "started by the CLI before vitest",
    () => [
      "--import",
      pathToFileURL(join(process.cwd(), "node_modules/tsx/dist/esm/index.mjs")).href,
      "--input-type=module",
      "-e",
      `const { judge } = await import(${JSON.stringify(join(process.cwd(), "helpers/cli/judge.ts"))}); await judge({ files: [], vitestArgs: [] });`,
    ],
  ],
  ["started by the global setup (vitest alone)", () => [join(process.cwd(), "node_modules/vitest/vitest.mjs"), "run", "--root", process.cwd(), "--project", "conformance", "--reporter", join(process.cwd(), "helpers/report/results-reporter.ts")]],
];

it.each(STARTS)("a run that throws before it judged records the error in results.json, with no result passed (%s)", async (_how, argv) => {
  const out = mkdtempSync(join(tmpdir(), "hlc-run-error-"));
  const inventory = join(out, "inventory.yaml");
  const { writeFileSync } = await import("node:fs");
  writeFileSync(inventory, "version: 1\nnodes:\n  - name: n1\n    role: service\n    layer: 3\n    ssh: { host: 127.0.0.1, port: 1, identityFile: /dev/null }\n");
  const env = {
    ...process.env,
    HLC_INVENTORY: inventory,
    // readHostLimits throws on a file that is not there: the run ends before it gathers anything.
    HLC_HOST_LIMITS: join(out, "no-such-host-limits.json"),
    HLC_RESULTS_JSON: join(out, "results.json"),
    HLC_ALLURE_RESULTS: join(out, "allure-results"),
    HLC_RUN_STATS: join(out, "run-stats.json"),
  };
  // vitest sets the exit code of a run with a failed file: the child's status is not the point here.
  await promisify(execFile)(process.execPath, argv(out), { env, cwd: out, timeout: 120_000 }).catch((e: { code?: number }) => {
    if (e.code !== 1) throw e;
  });
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as { counts: { passed: number }; errors: Array<{ message: string }> };
  expect(results.counts.passed).toBe(0);
  expect(results.errors.map((e) => e.message).join("\n")).toMatch(/the run could not judge: .*no-such-host-limits\.json, which does not exist/);
}, 180_000);
