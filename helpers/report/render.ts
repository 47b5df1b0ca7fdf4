// `npm run report`: Allure results -> one self-contained, offline HTML file.
//
//   1. generate a single-file Awesome report with the Allure 3 CLI and ./allurerc.mjs into a
//      private staging dir (the CLI also writes summary.json etc. that we don't ship);
//   2. strip Allure's analytics and pin an offline CSP (./offline.ts), failing loudly if the
//      template changed; hide its test-runner widgets, put the run's duration in its header
//      (./allure-widgets.ts) and the verdict banner above it (./verdict-banner.ts);
//   3. write reports/conformance-report.html and print its path.
//
// Environment:
//   HLC_ALLURE_RESULTS  results dir (default reports/allure-results; relative to the cwd)
//   HLC_REPORT_OUT      output file (default reports/conformance-report.html)
//   HLC_ALLURE_HISTORY  history file read by allurerc.mjs (default reports/history.jsonl)
//   HLC_RESULTS_JSON    the run's results.json (default: beside the results dir), for the
//                       report's first level: new failures, failures, waived, fixed (./lead.ts)
//   HLC_REPORT=0        do not render (e.g. a scheduled run that only keeps results.json and the
//                       Allure results; `npm run report` renders them later)
import { PACKAGE_ROOT } from "../paths.ts";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { execa } from "execa";
import { SKIP_REASON_LABEL } from "../spec/meta.ts";
import { leadWithAnswer } from "./lead.ts";
import { withVerdictBanner } from "./verdict-banner.ts";
import { fitAllureWidgets } from "./allure-widgets.ts";
import { makeOffline } from "./offline.ts";
import { readResults } from "./results.ts";
import { envMark, recordPhases } from "./phases.ts";

export const REPO_ROOT = PACKAGE_ROOT;
export const DEFAULT_RESULTS_DIR = join(REPO_ROOT, "reports", "allure-results");
export const DEFAULT_OUT_FILE = join(REPO_ROOT, "reports", "conformance-report.html");
export const ALLURE_CONFIG = join(REPO_ROOT, "allurerc.mjs");

export class ReportError extends Error {
  override name = "ReportError";
}

export interface RenderOptions {
  resultsDir?: string;
  outFile?: string;
  /** History file; passed to allurerc.mjs as HLC_ALLURE_HISTORY. Default: the config's (reports/history.jsonl). */
  historyPath?: string;
  configPath?: string;
  /** results.json of the run (baseline, waivers); default beside the results dir, when it exists. */
  resultsJson?: string;
}

export interface RenderResult {
  outFile: string;
  bytes: number;
  /** Snippets stripped from Allure's HTML. */
  removed: string[];
  resultFiles: number;
  generateMs: number;
  totalMs: number;
}

/** The Allure CLI entry (node_modules/allure/cli.js), run with this Node rather than through npx. */
function allureCli(): string {
  const main = createRequire(import.meta.url).resolve("allure"); // …/allure/dist/index.js
  const cli = resolve(dirname(main), "..", "cli.js");
  if (!existsSync(cli)) throw new ReportError(`Allure CLI not found at ${cli}; is the "allure" package installed?`);
  return cli;
}

async function countResults(resultsDir: string): Promise<number> {
  let info;
  try {
    info = await stat(resultsDir);
  } catch {
    throw new ReportError(`Allure results directory ${resultsDir} does not exist. Run the suite first (npm test / npm run conformance) or set HLC_ALLURE_RESULTS.`);
  }
  if (!info.isDirectory()) throw new ReportError(`Allure results path ${resultsDir} is not a directory.`);
  const entries = await readdir(resultsDir);
  if (entries.length === 0) throw new ReportError(`Allure results directory ${resultsDir} is empty: no tests have reported into it.`);
  const results = entries.filter((e) => e.endsWith("-result.json")).length;
  if (results === 0) {
    throw new ReportError(`Allure results directory ${resultsDir} holds ${entries.length} file(s) but no *-result.json: nothing to report.`);
  }
  return results;
}


/**
 * allure-vitest writes a skipped test without the note of `ctx.skip(note)`: move the reason the
 * suite put in a label into statusDetails.message, where the report shows it. In place, idempotent.
 */
export async function showSkipReasons(resultsDir: string): Promise<number> {
  let patched = 0;
  for (const f of (await readdir(resultsDir)).filter((x) => x.endsWith("-result.json"))) {
    const file = join(resultsDir, f);
    const r = JSON.parse(await readFile(file, "utf8")) as { status?: string; statusDetails?: { message?: string }; labels?: Array<{ name: string; value: string }> };
    const reason = r.labels?.find((l) => l.name === SKIP_REASON_LABEL)?.value;
    if (r.status !== "skipped" || !reason || r.statusDetails?.message === reason) continue;
    r.statusDetails = { ...r.statusDetails, message: reason };
    r.labels = r.labels!.filter((l) => l.name !== SKIP_REASON_LABEL);
    await writeFile(file, JSON.stringify(r));
    patched++;
  }
  return patched;
}

/**
 * Copy the run history for Allure, keeping only the lines that parse as JSON objects: a line cut
 * by a killed writer (or any other damage) is dropped, with a warning, instead of breaking the report.
 */
export async function stageHistory(from: string, to: string): Promise<{ kept: number; dropped: number }> {
  if (!existsSync(from)) return { kept: 0, dropped: 0 };
  const lines = (await readFile(from, "utf8")).split("\n").filter((l) => l.trim() !== "");
  const kept = lines.filter((l) => {
    try {
      const v: unknown = JSON.parse(l);
      return typeof v === "object" && v !== null && !Array.isArray(v);
    } catch {
      return false;
    }
  });
  if (kept.length < lines.length) console.error(`report: ${lines.length - kept.length} damaged line(s) of ${from} dropped (a run killed while writing it?)`);
  await writeFile(to, kept.map((l) => `${l}\n`).join(""));
  return { kept: kept.length, dropped: lines.length - kept.length };
}

/** Write a file so that a reader sees the old or the new content, never half: a temp file beside it, flushed, renamed. */
export async function replaceAtomically(file: string, data: string | Buffer): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fh = await open(tmp, "w");
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function renderReport(options: RenderOptions = {}): Promise<RenderResult> {
  const started = performance.now();
  const resultsDir = resolve(options.resultsDir ?? DEFAULT_RESULTS_DIR);
  const outFile = resolve(options.outFile ?? DEFAULT_OUT_FILE);
  const configPath = resolve(options.configPath ?? ALLURE_CONFIG);
  const resultFiles = await countResults(resultsDir);
  await showSkipReasons(resultsDir);
  const resultsJson = resolve(options.resultsJson ?? process.env.HLC_RESULTS_JSON ?? join(dirname(resultsDir), "results.json"));
  const body = existsSync(resultsJson) ? readResults(resultsJson) : undefined;
  await leadWithAnswer(resultsDir, body);

  const staging = await mkdtemp(join(tmpdir(), "hlc-allure-"));
  try {
    const output = join(staging, "out");
    const env: Record<string, string> = { FORCE_COLOR: "0" };
    // Allure rewrites its history file in place (@allurereport/core dist/history.js appendHistory:
    // it copies the kept entries to offset 0 of the same file, appends the new line, then
    // truncates), and refuses to generate when any line does not parse (readHistory:
    // JSON.parse per line). A run killed mid-write would break every later report. So Allure only
    // ever sees a private copy, with torn lines dropped, and the copy replaces the real file
    // whole (written beside it, then renamed) once the report was generated.
    const history = resolve(options.historyPath ?? process.env.HLC_ALLURE_HISTORY ?? join(REPO_ROOT, "reports", "history.jsonl"));
    const stagedHistory = join(staging, "history.jsonl");
    await stageHistory(history, stagedHistory);
    env.HLC_ALLURE_HISTORY = stagedHistory;
    const t0 = performance.now();
    // cwd is the staging dir, not the repo: Allure's local "CI detector" shells out to
    // `git remote get-url origin` / `git rev-parse` in its cwd, and we keep the repo's remote
    // and branch out of a report that gets attached to reviews. All paths here are absolute.
    const run = await execa(process.execPath, [allureCli(), "generate", resultsDir, "--config", configPath, "--output", output], {
      cwd: staging,
      env,
      all: true,
      reject: false,
      stdin: "ignore",
    });
    const generateMs = performance.now() - t0;
    const index = join(output, "index.html");
    if (run.exitCode !== 0 || !existsSync(index)) {
      throw new ReportError(
        `allure generate failed (exit ${run.exitCode ?? run.signal ?? "?"})${existsSync(index) ? "" : ", no index.html written"}:\n${run.all ?? ""}`,
      );
    }
    const extra = (await readdir(output)).filter((f) => f.endsWith(".html") && f !== "index.html");
    if (extra.length > 0) throw new ReportError(`expected a single-file report, but Allure also wrote ${extra.join(", ")}; is singleFile still set in allurerc.mjs?`);

    const offline = makeOffline(await readFile(index, "utf8"));
    const removed = offline.removed;
    // The answer first (verdict, target, failures by node with their fix), then Allure's page,
    // without its test-runner widgets and with the run's duration in its header.
    const fitted = fitAllureWidgets(offline.html, body);
    const html = body ? withVerdictBanner(fitted, body) : fitted;
    await mkdir(dirname(outFile), { recursive: true });
    await writeFile(outFile, html);
    if (existsSync(stagedHistory)) await replaceAtomically(history, await readFile(stagedHistory));
    return { outFile, bytes: Buffer.byteLength(html), removed, resultFiles, generateMs, totalMs: performance.now() - started };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * `homelab-conformance report [--results DIR] [--out FILE]` (and `npm run report`): renders the
 * last run's Allure results into the HTML report. Returns the exit code.
 */
export async function reportMain(argv: string[] = [], caller = process.cwd()): Promise<number> {
  const { strictParse, UsageError } = await import("../cli/args.ts");
  let values: Record<string, unknown>;
  try {
    ({ values } = strictParse(argv, {
      results: { type: "string", value: "DIR", group: "", help: "" },
      out: { type: "string", value: "FILE", group: "", help: "" },
    }));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`homelab-conformance report: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const given = (v: unknown, env: string | undefined) => (typeof v === "string" ? resolve(caller, v) : env ? resolve(env) : undefined);
  const resultsDir = given(values.results, process.env.HLC_ALLURE_RESULTS);
  const outFile = given(values.out, process.env.HLC_REPORT_OUT);
  try {
    const r = await renderReport({ resultsDir, outFile });
    console.error(
      `report: ${r.resultFiles} test result(s), ${(r.bytes / 1024 / 1024).toFixed(1)} MiB, ` +
        `stripped ${r.removed.length} analytics snippet(s), generated in ${(r.totalMs / 1000).toFixed(1)} s`,
    );
    console.log(r.outFile);
    // Inside a conformance run (HLC_T0 set): the report is the run's last phase.
    if (envMark("HLC_T0")) recordPhases({ reportStart: Math.round(performance.timeOrigin), reportEnd: Date.now() });
    return 0;
  } catch (err) {
    const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    console.error(`report: ${msg}`);
    return 1;
  }
}

async function main(): Promise<void> {
  if (process.env.HLC_REPORT === "0") {
    console.error("report: not rendered (HLC_REPORT=0); results in reports/results.json and reports/allure-results (npm run report renders them)");
    return;
  }
  process.exitCode = await reportMain(process.argv.slice(2));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
