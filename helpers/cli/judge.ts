// The judging part of a run, in the CLI's own process: vitest started through its Node API
// (startVitest, vitest/node) on the spec files as they run here (compiled .js under dist/, or .ts
// from source), with the conformance project's settings given inline: no vitest.config.ts to
// bundle, no npx, no second Node process. The gather and the judging run in this process, started
// (specs/global-setup.ts startRun) before vitest is even imported, so vitest's start overlaps the
// gather; the one test file, in a worker thread, reports the results.
// vitest's own reporter is not used: the terminal answer is the CLI's (helpers/report/terminal.ts).
import type { Reporter } from "vitest/node";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CODE_EXT, codePath, CODE_ROOT, COMPILED } from "../paths.ts";

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export interface JudgeOptions {
  /** Spec files to run (a filtered run); empty: every spec file. */
  files: string[];
  /** What the operator gave after `--`, as vitest's own command line would read it. */
  vitestArgs: string[];
}

/** The conformance project's settings (mirrors vitest.config.ts's "conformance" project). */
export async function conformanceConfig(resultsChannel: string): Promise<Record<string, unknown>> {
  const [{ default: PhasesReporter }, { default: ResultsReporter }] = await Promise.all([
    import("../report/phases-reporter.ts"),
    import("../report/results-reporter.ts"),
  ]);
  const reporters: Array<Reporter | string | [string, Record<string, unknown>]> = [
    new PhasesReporter({ at: "judged" }),
    new ResultsReporter(),
    ["allure-vitest/reporter", { resultsDir: process.env.HLC_ALLURE_RESULTS ?? "reports/allure-results", reportMatchers: false }],
    ...(process.env.HLC_VITEST_JSON ? [["json", { outputFile: process.env.HLC_VITEST_JSON }] as [string, Record<string, unknown>]] : []),
    new PhasesReporter({ at: "results" }),
  ];
  return {
    root: CODE_ROOT,
    config: false,
    // One test file reports every result (the gather and the judging are the global setup's);
    // the invariants are specs/**/*.spec files, read by helpers/spec/catalog.ts.
    include: [`specs/conformance.test${CODE_EXT}`],
    setupFiles: ["allure-vitest/setup"],
    globalSetup: [codePath(`specs/global-setup${CODE_EXT}`)],
    // The run started by judge() below: the setup leaves it alone, the test file asks it.
    provide: { hlcResultsChannel: resultsChannel },
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // One worker imports the shared helpers once and runs the spec files one after another.
    isolate: false,
    pool: "threads",
    maxWorkers: 1,
    watch: false,
    reporters,
    // Nothing written beside the code: an installed package or a read-only checkout (the
    // scheduled unit's ProtectSystem=strict) must run as well.
    cache: false,
    // Compiled, the suite's own modules are plain ESM that Node imports as it is: vite's module
    // runner would parse and transform each again (~0.7 s of CPU per run, measured).
    ...(COMPILED ? { server: { deps: { external: [new RegExp(`^${escapeRe(CODE_ROOT)}/`)] } } } : {}),
  };
}

/** Runs the specs; resolves when every reporter has written. The exit code is the CLI's to decide. */
export async function judge(o: JudgeOptions): Promise<void> {
  // The run first: the nodes answer while vitest loads (~0.3 s), configures and starts its worker.
  const { startRun } = await import("../../specs/global-setup.ts");
  const run = startRun();
  try {
    await vitestRun(o, run.channel);
  } finally {
    // vitest has ended; a run its worker never asked for (vitest failed to start) still ends here.
    await run.outcome;
    run.close();
  }
}

async function vitestRun(o: JudgeOptions, resultsChannel: string): Promise<void> {
  const { startVitest, parseCLI } = await import("vitest/node");
  const extra = o.vitestArgs.length ? parseCLI(["vitest", "run", ...o.vitestArgs]) : { filter: [], options: {} };
  const base = await conformanceConfig(resultsChannel);
  const vitest = await startVitest("test", [...o.files, ...extra.filter], { ...base, ...extra.options, run: true } as never, {
    // vite's own cache directory, out of the code tree.
    cacheDir: join(tmpdir(), `hlc-vite-${process.getuid?.() ?? "u"}`),
    logLevel: "silent",
  } as never);
  await vitest.close();
}
