// The scheduled conformance run (deploy/systemd/homelab-conformance.service runs this):
//   npx tsx scripts/scheduled-run.ts --inventory FILE [--textfile-dir DIR] [--runs-dir DIR] [--keep N]
//                                     [--stale-after 26h] [--host-limits FILE] [--allow-writes]
//                                     [--accept-new-hostkeys] [--report] [-- vitest args]
// The plain options also come from the environment (HLC_INVENTORY, HLC_TEXTFILE_DIR, HLC_RUNS_DIR,
// HLC_RUNS_KEEP, HLC_STALE_AFTER), which is how the unit passes them; the opt-ins (host limits,
// writes, new host keys) only from flags: an inherited variable changes nothing (issue 21 pt 7).
//
// 1. every output of the run goes under <runs>/<UTC time>/ (results.json, run-stats.json, the
//    Allure results, the report, homelab_conformance.prom, output.log);
// 2. once the run wrote its results.json and metrics (never before): <runs>/latest points at it,
//    and runs beyond --keep (newest first) are removed;
// 3. the run's .prom is copied into the textfile directory atomically (temp file there + rename).
// Exit 0 when the run produced its results and metrics, whatever they say (a drift pages through
// the metrics, not through a failed unit); 2 when it could not (then the metrics age and
// HomelabConformanceRunStale fires).
import { PACKAGE_ROOT } from "../helpers/paths.ts";
import { OPT_IN_ENV, optInLines } from "../helpers/cli/opt-ins.ts";
import { chmodSync, copyFileSync, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { hostLimitsBeside } from "../helpers/spec/limits.ts";
import { staleAfterFromEnv } from "../helpers/report/metrics.ts";

const ROOT = PACKAGE_ROOT;
export const PROM_NAME = "homelab_conformance.prom";
/** A run folder's name: the UTC start time, sortable, no colons (20261203T041502Z). */
export const RUN_NAME = /^\d{8}T\d{6}Z(-\d+)?$/;

export interface ScheduledOptions {
  inventory: string;
  textfileDir?: string;
  runsDir: string;
  keep: number;
  staleAfter?: string;
  hostLimits?: string;
  /** Opt-ins, from the command line only (as the CLI's: helpers/cli/opt-ins.ts). */
  allowWrites?: boolean;
  acceptNewHostKeys?: boolean;
  /** Render the HTML report too (--report): off by default, no one reads it at 04:00. */
  report?: boolean;
  vitestArgs: string[];
}

export function runName(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ScheduledOptions {
  const o: Partial<ScheduledOptions> & { vitestArgs: string[] } = {
    inventory: env.HLC_INVENTORY || undefined,
    textfileDir: env.HLC_TEXTFILE_DIR || undefined,
    runsDir: env.HLC_RUNS_DIR || join(ROOT, "reports", "runs"),
    staleAfter: env.HLC_STALE_AFTER || undefined,
    vitestArgs: [],
  };
  let keep = env.HLC_RUNS_KEEP || "30";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--inventory") o.inventory = value();
    else if (a === "--textfile-dir") o.textfileDir = value();
    else if (a === "--runs-dir") o.runsDir = value();
    else if (a === "--keep") keep = value();
    else if (a === "--stale-after") o.staleAfter = value();
    else if (a === "--host-limits") o.hostLimits = value();
    else if (a === "--report") o.report = true;
    else if (a === "--allow-writes") o.allowWrites = true;
    else if (a === "--accept-new-hostkeys") o.acceptNewHostKeys = true;
    else if (a === "--") o.vitestArgs.push(...argv.slice(i + 1)), (i = argv.length);
    else throw new Error(`unknown option ${a} (see the head of scripts/scheduled-run.ts)`);
  }
  if (!o.inventory) throw new Error("no inventory: give --inventory FILE (or HLC_INVENTORY)");
  if (!/^[1-9][0-9]*$/.test(keep)) throw new Error(`--keep / HLC_RUNS_KEEP: expected a whole number of runs ≥ 1, got ${JSON.stringify(keep)}`);
  staleAfterFromEnv(o.staleAfter); // a bad bound is refused before the run, not after it
  return { ...(o as ScheduledOptions), keep: Number(keep) };
}

/** Run folders to remove so that `keep` remain: the oldest first; never the one `latest` names. */
export function runsToPrune(names: string[], keep: number, latest?: string): string[] {
  const runs = names.filter((n) => RUN_NAME.test(n)).sort();
  return runs.slice(0, Math.max(0, runs.length - keep)).filter((n) => n !== latest);
}

/** `latest` -> name, replaced atomically (a new link beside it, renamed over it). */
export function pointLatest(runsDir: string, name: string): void {
  const tmp = join(runsDir, `.latest.tmp-${process.pid}`);
  rmSync(tmp, { force: true });
  symlinkSync(name, tmp);
  renameSync(tmp, join(runsDir, "latest"));
}

/**
 * Into the textfile directory: a temp file there (node-exporter reads only *.prom), readable by
 * node-exporter's user whatever the unit's umask, renamed over the old one.
 */
export function deliverMetrics(prom: string, textfileDir: string): string {
  const target = join(textfileDir, PROM_NAME);
  const tmp = join(textfileDir, `.${PROM_NAME}.tmp-${process.pid}`);
  copyFileSync(prom, tmp);
  chmodSync(tmp, 0o644);
  renameSync(tmp, target);
  return target;
}

/** The two steps of a run (the suite, then the report), replaceable in tests. */
export interface RunSteps {
  suite(env: Record<string, string>, vitestArgs: string[], output: NodeJS.WritableStream): Promise<{ exitCode?: number }>;
  report(env: Record<string, string>): Promise<{ exitCode?: number; all?: string }>;
}

const realSteps: RunSteps = { suite: suiteInProcess, report: reportInProcess };

export async function scheduledRun(o: ScheduledOptions, log: (line: string) => void = console.log, steps: RunSteps = realSteps): Promise<number> {
  const inventory = resolve(o.inventory);
  const runsDir = resolve(o.runsDir);
  mkdirSync(runsDir, { recursive: true });
  let name = runName(new Date());
  for (let n = 1; existsSync(join(runsDir, name)); n++) name = `${runName(new Date())}-${n}`;
  const run = join(runsDir, name);
  mkdirSync(run);
  // A lab's inventory (under .lab/) brings its host limits; a live inventory has none.
  const isLab = inventory.startsWith(join(ROOT, ".lab") + "/");
  const hostLimits = o.hostLimits ? resolve(o.hostLimits) : isLab ? hostLimitsBeside(inventory) : undefined;
  const env: Record<string, string> = {
    HLC_INVENTORY: inventory,
    HLC_TARGET: isLab ? "lab" : "live",
    HLC_ALLURE_RESULTS: join(run, "allure-results"),
    HLC_RESULTS_JSON: join(run, "results.json"),
    HLC_RUN_STATS: join(run, "run-stats.json"),
    HLC_VITEST_JSON: join(run, "vitest.json"),
    HLC_METRICS_PROM: join(run, PROM_NAME),
    HLC_REPORT_OUT: join(run, "conformance-report.html"),
    // One trend history across the scheduled runs, beside them.
    HLC_ALLURE_HISTORY: join(runsDir, "history.jsonl"),
    ...(o.staleAfter ? { HLC_STALE_AFTER: o.staleAfter } : {}),
    ...(hostLimits ? { HLC_HOST_LIMITS: hostLimits } : {}),
    ...(o.allowWrites ? { HLC_ALLOW_WRITE_PROBES: "1" } : {}),
    ...(o.acceptNewHostKeys ? { HLC_ACCEPT_NEW_HOSTKEYS: "1" } : {}),
  };
  log(`conformance run ${name}: inventory ${inventory}, outputs in ${run}`);
  log(optInLines({ allowWrites: !!o.allowWrites, acceptNewHostKeys: !!o.acceptNewHostKeys, ...(hostLimits ? { hostLimits } : {}) }, isLab ? "lab" : "live"));
  const output = createWriteStream(join(run, "output.log"));
  const suite = await steps.suite(env, o.vitestArgs, output);
  // The HTML report is for a person: `homelab-conformance report --results <run>/allure-results`
  // renders it when one wants it; a scheduled run renders it only with --report.
  const report = o.report
    ? await steps.report(env)
    : { exitCode: 0, all: `report: not rendered (a scheduled run; homelab-conformance report --results ${join(run, "allure-results")} --out ${join(run, "conformance-report.html")})
` };
  output.write(report.all ?? "");
  await new Promise<void>((done) => output.end(done));

  // `latest` and the retention move only after a run that wrote its results (issue 21): a run
  // that wrote none leaves the last good run as `latest` and every earlier run in place.
  const prom = join(run, PROM_NAME);
  if (!existsSync(join(run, "results.json")) || !existsSync(prom)) {
    log(`conformance run ${name} produced no results (suite exit ${suite.exitCode}); see ${join(run, "output.log")}. \`latest\` still names the last run that did, nothing was pruned, and the metrics are not replaced: they age until HomelabConformanceRunStale fires.`);
    return 2;
  }
  pointLatest(runsDir, name);
  for (const old of runsToPrune(readdirSync(runsDir), o.keep, name)) rmSync(join(runsDir, old), { recursive: true, force: true });
  if (report.exitCode !== 0) log(`conformance run ${name}: the report could not be written (see output.log); results and metrics are written`);
  if (o.textfileDir) log(`metrics: ${deliverMetrics(prom, resolve(o.textfileDir))}`);
  log(`conformance run ${name} done: ${suite.exitCode === 0 ? "nothing failed" : "failures found (see the report)"}; ${join(runsDir, "latest")} -> ${name}`);
  return 0;
}

/**
 * The suite in this process (issue 25: one lean process per run), as the CLI runs it
 * (helpers/cli/judge.ts: vitest's Node API on the compiled specs, the gather in this process): no
 * vitest child, no tsx, no config to bundle (the unit's checkout is read-only to it). What the run
 * reads is `env`, set on this process once the inherited opt-ins are dropped (an opt-in comes from
 * this run's flags only, as the CLI's: helpers/cli/opt-ins.ts). Everything it prints goes to the
 * journal (stdout) and to the run's output.log; the verdict with each failure's fix closes it.
 */
async function suiteInProcess(env: Record<string, string>, vitestArgs: string[], output: NodeJS.WritableStream): Promise<{ exitCode?: number }> {
  for (const k of OPT_IN_ENV) delete process.env[k];
  Object.assign(process.env, env);
  return teeOutput(output, async () => {
    let crashed: string | undefined;
    try {
      const { judge } = await import("../helpers/cli/judge.ts");
      await judge({ files: [], vitestArgs });
    } catch (e) {
      crashed = (e as Error).stack ?? String(e);
    }
    const { readResults } = await import("../helpers/report/results.ts");
    const { renderTerminal } = await import("../helpers/report/terminal.ts");
    const { failingResults } = await import("../helpers/report/baseline.ts");
    try {
      const body = readResults(env.HLC_RESULTS_JSON!);
      console.log(renderTerminal(body, { tty: false, failOn: "any", width: 120, quiet: true }));
      return { exitCode: failingResults(body, "any").length + body.errors.length ? 1 : 0 };
    } catch (e) {
      console.error(`the run wrote no results${crashed ? ` (the judging part crashed: ${crashed})` : ""}: ${(e as Error).message}`);
      return { exitCode: 3 };
    }
  });
}

/** The HTML report, in this process (only with --report). */
async function reportInProcess(env: Record<string, string>): Promise<{ exitCode?: number; all?: string }> {
  Object.assign(process.env, env);
  const lines: string[] = [];
  const sink = { write: (c: string | Buffer) => (lines.push(String(c)), true) } as unknown as NodeJS.WritableStream;
  const exitCode = await teeOutput(sink, async () => (await import("../helpers/report/render.ts")).reportMain([]));
  return { exitCode, all: lines.join("") };
}

/** Runs `f` with whatever this process writes to stdout and stderr also written to `output`. */
async function teeOutput<T>(output: NodeJS.WritableStream, f: () => Promise<T>): Promise<T> {
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((s) => s.write);
  streams.forEach((s, i) => {
    s.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      output.write(typeof chunk === "string" ? chunk : Buffer.from(chunk));
      return (originals[i] as (...a: unknown[]) => boolean).call(s, chunk, ...rest);
    }) as typeof s.write;
  });
  try {
    return await f();
  } finally {
    streams.forEach((s, i) => (s.write = originals[i]!));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  // The run's phases count from this process's start (helpers/report/phases.ts), as the CLI's do.
  process.env.HLC_T0 ??= String(Math.round(performance.timeOrigin));
  let options: ScheduledOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`scheduled-run: ${(e as Error).message}`);
    process.exit(2);
  }
  process.exit(await scheduledRun(options));
}
