// A conformance run (`homelab-conformance [run]`, scripts/conformance.ts): everything the
// operator gave checked before anything starts (exit 2), the lab when it is the target, the
// gather and judging in this process (helpers/cli/judge.ts), then the outputs and the exit code.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { EXIT, UsageError, type CliArgs } from "./args.ts";
import { applyOptIns, isLabInventory, optInLines } from "./opt-ins.ts";
import { applicability, checkScope, selectsAnything } from "./select.ts";
import { InventoryError, loadInventory } from "../inventory/load.ts";
import type { Inventory } from "../inventory/types.ts";
import { failingResults } from "../report/baseline.ts";
import { derivedPaths } from "../report/derived.ts";
import { readResults, suiteVersion, RESULTS_VERSION, type ResultsFile } from "../report/results.ts";
import { renderTerminal } from "../report/terminal.ts";
import { loadCatalogFor, type Declared } from "../spec/catalog.ts";
import { readCatalogIndex } from "../spec/catalog-index.ts";
import { hostLimitsBeside } from "../spec/limits.ts";
import { isFiltered, SCOPE_ENV, scopeToEnv, type RunScope } from "../spec/scope.ts";
import { loadWaivers, WaiversError } from "../waivers/load.ts";
import { WAIVERS_ENV } from "../waivers/env.ts";


export async function run(args: CliArgs, where: { root: string; caller: string }): Promise<number> {
  // --list answers from helpers/cli/list.ts (scripts/conformance.ts calls it directly).
  if (args.list) return (await import("./list.ts")).list(args, where);
  const ROOT = where.root;
  const CALLER = where.caller;
  // --format: stdout carries the chosen output alone; everything a person reads goes to stderr.
  const stdoutIsData = args.format !== undefined;
  if (stdoutIsData) console.log = console.error;
  // --quiet: no gather progress, no table: the failures with their fixes and the verdict.
  if (args.quiet || stdoutIsData) process.env.HLC_PROGRESS = "0";
  const say = (line: string) => {
    if (!args.quiet) console.log(line);
  };
  const userPath = (p: string) => (isAbsolute(p) ? p : resolve(CALLER, p));
  function usage(message: string): never {
    console.error(`homelab-conformance: ${message}\n(--help for usage)`);
    process.exit(EXIT.usage);
  }
  const scope: RunScope = { invariants: args.invariants, families: args.families, nodes: args.nodes };
  const inventoryArg = args.inventory ? userPath(args.inventory) : undefined;
  // Opt-ins from the flags only; the inherited variables are cleared before the inventory is read.
  let optIns: ReturnType<typeof applyOptIns>;
  try {
    optIns = applyOptIns({ ...args, ...(args.hostLimits ? { hostLimits: userPath(args.hostLimits) } : {}) }, inventoryArg, ROOT);
  } catch (e) {
    if (e instanceof UsageError) usage(e.message);
    throw e;
  }
  // What the run passes to its judging part is set below from the arguments, never inherited.
  for (const k of [...Object.values(SCOPE_ENV), "HLC_BASELINE", WAIVERS_ENV, "HLC_TARGET", "HLC_INVENTORY"]) delete process.env[k];

  // Everything the operator gave is checked before anything starts or connects (exit 2).
  function readInventory(file: string): Inventory {
    try {
      return loadInventory(file);
    } catch (e) {
      if (e instanceof InventoryError) {
        console.error(e.message);
        process.exit(EXIT.usage);
      }
      usage(`cannot read the inventory ${file}: ${(e as Error).message}`);
    }
  }
  // The filters and the waivers are checked against the invariants' IDs and families: from the
  // catalogue's index (dist/catalog.json) when it is current, else from the spec files. The spec
  // files themselves are imported only for what needs their code (a filter's applicability below).
  // A filter by invariant or family imports only the spec files it selects (loadCatalogFor).
  const needsCatalog = isFiltered(scope) || args.waivers !== undefined;
  const index = needsCatalog ? readCatalogIndex() : undefined;
  let specs: Promise<Declared[]> | undefined;
  const loadSpecs = () => (specs ??= loadCatalogFor(scope, index ?? null));
  const catalog: ReadonlyArray<{ meta: { id: string; family: string } }> = !needsCatalog ? [] : index ? index.invariants.map((meta) => ({ meta })) : await loadSpecs();
  // Without --inventory the lab is the target; its nodes are those of inventory/example.yaml.
  const declaredInventory = readInventory(inventoryArg ?? join(ROOT, "inventory", "example.yaml"));
  const drifts = await (async () => {
    if (args.drifts.length === 0) return [];
    const { findDrift } = await import("../../fixtures/lab/drifts.ts");
    try {
      return args.drifts.map((d) => findDrift(d));
    } catch (e) {
      usage((e as Error).message);
    }
  })();
  try {
    if (isFiltered(scope)) checkScope(scope, catalog, declaredInventory.nodes.map((n) => n.name));
  } catch (e) {
    if (e instanceof UsageError) usage(e.message);
    throw e;
  }
  const baselineFile = args.baseline ? userPath(args.baseline) : undefined;
  let baseline: ResultsFile | undefined;
  if (baselineFile) {
    try {
      baseline = readResults(baselineFile);
    } catch (e) {
      usage(`--baseline: ${(e as Error).message}`);
    }
  }
  const waiversFile = args.waivers ? userPath(args.waivers) : undefined;
  if (waiversFile) {
    try {
      loadWaivers(waiversFile, { invariants: catalog.map((d) => d.meta.id) });
    } catch (e) {
      if (e instanceof WaiversError) {
        console.error(e.message);
        process.exit(EXIT.usage);
      }
      throw e;
    }
  }

  let rebootFailed = false;
  if (args.reboot !== undefined) {
    if (!inventoryArg) {
      console.error("Refusing --reboot without --inventory: the fixture lab's reboots are the scenarios of tests/integration/reboot.test.ts.");
      process.exit(EXIT.usage);
    }
    const { decideReboot, rebootLive } = await import("../convergence/live.ts");
    const decision = decideReboot(declaredInventory, args.reboot, args.confirmReboot);
    if (!decision.ok) {
      console.error(`Refusing to reboot: ${decision.reason}`);
      process.exit(EXIT.usage);
    }
    const r = await rebootLive(declaredInventory, decision, { refresh: async () => loadInventory(inventoryArg), log: (l) => console.log(`[reboot] ${l}`) }).catch((e: Error) => {
      // Nothing was rebooted: the node did not answer before (its boot id could not be read).
      console.error(`Not rebooting ${args.reboot}: ${e.message}`);
      process.exit(EXIT.usage);
    });
    console.log(
      r.converged
        ? `[reboot] ${r.node} converged ${r.seconds.toFixed(1)} s after \`systemctl reboot\` (bound ${decision.boundSec} s)`
        : `[reboot] ${r.node} did NOT converge: ${r.error}`,
    );
    // reports/convergence.json: the same {scenario, node, seconds} records as the lab's reboot scenarios.
    mkdirSync("reports", { recursive: true });
    const out = "reports/convergence.json";
    let records: unknown[] = [];
    try {
      records = existsSync(out) ? (JSON.parse(readFileSync(out, "utf8")) as unknown[]) : [];
    } catch {
      records = [];
    }
    records.push({
      scenario: "live-reboot",
      node: r.node,
      seconds: Math.round(r.seconds * 1000) / 1000,
      converged: r.converged,
      boundSeconds: decision.boundSec,
      at: new Date().toISOString(),
      bootIdBefore: r.bootIdBefore,
      ...(r.bootIdAfter ? { bootIdAfter: r.bootIdAfter } : {}),
      ...(r.downSec !== undefined ? { downSeconds: Math.round(r.downSec * 1000) / 1000 } : {}),
      ...(r.upSec !== undefined ? { upSeconds: Math.round(r.upSec * 1000) / 1000 } : {}),
      ...(r.error ? { error: r.error } : {}),
    });
    writeFileSync(out, JSON.stringify(records, null, 2) + "\n");
    rebootFailed = !r.converged;
  }

  let lab: Awaited<ReturnType<typeof import("../../fixtures/lab/lab.ts").startLab>> | undefined;
  let inventory = inventoryArg;
  if (!inventory) {
    console.log("No --inventory given: starting the built-in fixture lab (see README, 'Default target').");
    // Only now, with every argument checked: the lab needs the Docker engine (installed and
    // started by scripts/setup.sh when absent) and its base image.
    const { execa } = await import("execa"); // only for the lab: ~0.15 s of CPU a live run would pay
    const setup = await execa("bash", [join(ROOT, "scripts", "setup.sh")], { stdio: ["ignore", stdoutIsData ? 2 : "inherit", "inherit"], reject: false });
    if (setup.exitCode !== 0) {
      console.error(`The lab cannot start: scripts/setup.sh failed (exit ${setup.exitCode}).`);
      process.exit(EXIT.couldNotRun);
    }
    const { startLab } = await import("../../fixtures/lab/lab.ts");
    const { defaultLab } = await import("../../fixtures/lab/default-lab.ts");
    try {
      lab = await startLab(defaultLab(), { drifts });
    } catch (e) {
      console.error(`The lab did not start: ${(e as Error).message}`);
      process.exit(EXIT.couldNotRun);
    }
    if (drifts.length) console.log(`Drifts applied: ${drifts.map((d) => `${d.name} (${d.node}: ${d.summary})`).join("; ")}`);
    inventory = lab.inventoryFile;
    console.log(`Lab ${lab.id} is up; inventory ${inventory}`);
  }

  // Host limits: the lab's own, or those of a lab started by hand (lab:up) whose inventory is run.
  const hostLimits = optIns.hostLimits ?? lab?.hostLimitsFile ?? (isLabInventory(inventory, ROOT) ? hostLimitsBeside(inventory) : undefined);
  if (hostLimits) {
    optIns.hostLimits = resolve(hostLimits);
    process.env.HLC_HOST_LIMITS = optIns.hostLimits;
  }
  console.log(optInLines(optIns, lab ? "lab" : "live"));

  // Where the outputs go: --output-dir, else the HLC_* output paths (documented fallbacks), else reports/.
  // An installed command writes where it is run (./reports), not into its package.
  const outputDir = args.outputDir ? userPath(args.outputDir) : process.env.HLC_RESULTS_JSON ? undefined : resolve(CALLER, "reports");
  if (outputDir) {
    const dir = outputDir;
    mkdirSync(dir, { recursive: true });
    Object.assign(process.env, {
      HLC_RESULTS_JSON: join(dir, "results.json"),
      HLC_RUN_STATS: join(dir, "run-stats.json"),
      HLC_ALLURE_RESULTS: join(dir, "allure-results"),
      HLC_REPORT_OUT: join(dir, "conformance-report.html"),
      HLC_METRICS_PROM: join(dir, "homelab_conformance.prom"),
    });
  }
  // The HTML report is for a person: rendered with --report, or when stdout is a terminal.
  const renderHtml = args.report ?? (Boolean(process.stdout.isTTY) && process.env.HLC_REPORT !== "0");

  // A filter that selects no result is the operator's mistake, said before anything runs.
  const empty = isFiltered(scope) && !selectsAnything(applicability(await loadSpecs(), loadInventory(inventory)), scope);
  const resultsFile = resolve(process.env.HLC_RESULTS_JSON ?? "reports/results.json");
  const derived = derivedPaths(resultsFile);
  for (const f of [resultsFile, derived.junit, derived.summary]) rmSync(f, { force: true });
  // The last run's Allure results are moved aside (one rename) and deleted while the nodes are
  // gathered: a few hundred unlinks cost ~1 s of wall time on a busy disk before anything started.
  const clearing = clearAside(resolve(process.env.HLC_ALLURE_RESULTS ?? "reports/allure-results"));

  let code: number;
  if (empty) {
    console.error(`Nothing to run: no selected invariant applies to the selected nodes (${scope.nodes.join(", ")}). --list shows where each applies.`);
    code = EXIT.usage;
  } else {
    // What the judging part reads (the gather phase and the reporters run in this process; the spec
    // worker thread inherits this environment).
    Object.assign(process.env, {
      HLC_INVENTORY: resolve(inventory),
      HLC_TARGET: lab ? "lab" : "live",
      ...scopeToEnv(scope),
      ...(baselineFile ? { HLC_BASELINE: baselineFile } : {}),
      ...(waiversFile ? { [WAIVERS_ENV]: waiversFile } : {}),
    });
    let crashed: string | undefined;
    try {
      const { judge } = await import("./judge.ts");
      await judge({ files: [], vitestArgs: args.vitest });
    } catch (e) {
      crashed = (e as Error).stack ?? String(e);
    }
    code = await finish(crashed);
  }

  await clearing;
  if (lab && !args.keepLab) await lab.stop();
  else if (lab) console.log(`Lab ${lab.id} left running (inventory ${inventory}); remove it with npm run lab:down.`);
  return code;

  /** After vitest: the terminal answer, the HTML report, and the exit code, all from results.json. */
  async function finish(crashed: string | undefined): Promise<number> {
    let body: ResultsFile;
    try {
      body = readResults(resultsFile);
    } catch (e) {
      console.error(`\nThe run wrote no results${crashed ? ` (the judging part crashed: ${crashed})` : ""}: ${(e as Error).message}`);
      return EXIT.couldNotRun;
    }
    const report = renderHtml ? { exitCode: await (await import("../report/render.ts")).reportMain([]) } : undefined;
    const tty = Boolean((stdoutIsData ? process.stderr : process.stdout).isTTY);
    console.log(renderTerminal(body, { tty, failOn: args.failOn, width: (stdoutIsData ? process.stderr : process.stdout).columns || 120, quiet: args.quiet }));
    if (args.format) {
      const file = { json: resultsFile, junit: derived.junit, markdown: derived.summary }[args.format];
      process.stdout.write(readFileSync(file, "utf8"));
    }
    const html = process.env.HLC_REPORT_OUT ?? "reports/conformance-report.html";
    say(`Outputs: ${[resultsFile, derived.junit, derived.summary].map((f) => f.replace(`${ROOT}/`, "")).join(", ")}${report?.exitCode === 0 ? `, ${html}` : " (HTML report not rendered: homelab-conformance report)"}`);
    if (baseline && body.baseline === undefined) console.error("warning: --baseline was given but the run recorded no comparison");
    const failing = failingResults(body, args.failOn);
    // Only unreachable nodes' results failed: its own exit code (nothing else was found wrong).
    if (failing.length > 0 && body.errors.length === 0 && !rebootFailed && failing.every((r) => r.kind === "unreachable")) return EXIT.unreachable;
    if (failing.length + body.errors.length > 0 || rebootFailed) return EXIT.failures;
    if (report && report.exitCode !== 0) {
      console.error("The HTML report could not be written (above); results.json, junit.xml and summary.md were.");
      return EXIT.couldNotRun;
    }
    return EXIT.conformant;
  }

}

/**
 * Empty `dir` at once for the run (renamed to a sibling `.NAME.old-PID`), and delete what it held,
 * and what a killed run left aside, in the background. Resolves when that is done; never rejects.
 */
export function clearAside(dir: string): Promise<void> {
  const parent = dirname(dir);
  const prefix = `.${basename(dir)}.old-`;
  try {
    renameSync(dir, join(parent, `${prefix}${process.pid}`));
  } catch (e) {
    // Absent: nothing to clear. Anything else (a rename refused): deleted in place, as before.
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") rmSync(dir, { recursive: true, force: true });
  }
  let aside: string[] = [];
  try {
    aside = readdirSync(parent).filter((f) => f.startsWith(prefix));
  } catch {
    /* no parent: nothing aside */
  }
  return Promise.all(aside.map((f) => rm(join(parent, f), { recursive: true, force: true }).catch(() => undefined))).then(() => undefined);
}
