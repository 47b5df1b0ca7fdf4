// `homelab-conformance` (bin/homelab-conformance, `npm run conformance -- ...`): the run an operator
// starts. `--help` says everything (helpers/cli/args.ts); in short:
//   (no target)                 the built-in fixture lab: up, every spec, outputs, down
//   --inventory FILE            a live homelab, read-only
//   --drift NAME / --keep-lab / --host-limits FILE / --reboot NODE --confirm-reboot NODE  as before
//   --invariant/--family/--node filters that also limit what is gathered
//   --list, --version, --baseline FILE, --fail-on any|new, --waivers FILE
// Anything else (e.g. `-t EXPOSE`) is passed to vitest. Exit codes: helpers/cli/args.ts EXIT.
import { execa } from "execa";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { EXIT, HELP, parseArgs, UsageError, type CliArgs } from "../helpers/cli/args.ts";
import { applicability, checkScope, renderList, selectsAnything } from "../helpers/cli/select.ts";
import { decideReboot, rebootLive } from "../helpers/convergence/live.ts";
import { InventoryError, loadInventory } from "../helpers/inventory/load.ts";
import type { Inventory } from "../helpers/inventory/types.ts";
import { failingResults } from "../helpers/report/baseline.ts";
import { derivedPaths } from "../helpers/report/derived.ts";
import { readResults, suiteVersion, RESULTS_VERSION, type ResultsFile } from "../helpers/report/results.ts";
import { renderTerminal } from "../helpers/report/terminal.ts";
import { loadCatalog, type Declared } from "../helpers/spec/catalog.ts";
import { isFiltered, scopeToEnv, type RunScope } from "../helpers/spec/scope.ts";
import { loadWaivers, WaiversError } from "../helpers/waivers/load.ts";
import { WAIVERS_ENV } from "../helpers/waivers/env.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
// bin/homelab-conformance runs this from the clone's root; paths the operator typed are theirs.
const CALLER = process.env.HLC_CALLER_CWD ?? process.cwd();
const userPath = (p: string) => (isAbsolute(p) ? p : resolve(CALLER, p));
process.chdir(ROOT);

function usage(message: string): never {
  console.error(`homelab-conformance: ${message}\n(--help for usage)`);
  process.exit(EXIT.usage);
}

let args: CliArgs;
try {
  args = parseArgs(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError) usage(e.message);
  throw e;
}
if (args.help) {
  process.stdout.write(HELP);
  process.exit(EXIT.conformant);
}
if (args.version) {
  const v = suiteVersion();
  console.log(`${v.name} ${v.version} (results.json version ${RESULTS_VERSION}, node ${process.version})`);
  process.exit(EXIT.conformant);
}

const scope: RunScope = { invariants: args.invariants, families: args.families, nodes: args.nodes };
const inventoryArg = args.inventory ? userPath(args.inventory) : undefined;

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
const needsCatalog = args.list || isFiltered(scope) || args.waivers !== undefined;
const catalog: Declared[] = needsCatalog ? await loadCatalog(join(ROOT, "specs")) : [];
// Without --inventory the lab is the target; its nodes are those of inventory/example.yaml.
const declaredInventory = readInventory(inventoryArg ?? join(ROOT, "inventory", "example.yaml"));

if (args.list) {
  process.stdout.write(renderList(applicability(catalog, declaredInventory), inventoryArg ?? "inventory/example.yaml (the nodes of the built-in lab)"));
  process.exit(EXIT.conformant);
}
const drifts = await (async () => {
  const { findDrift } = await import("../fixtures/lab/drifts.ts");
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

const { LAB_ROOT, startLab } = await import("../fixtures/lab/lab.ts");
const { defaultLab } = await import("../fixtures/lab/default-lab.ts");
const { hostLimitsBeside } = await import("../fixtures/lab/run-suite.ts");
let lab: Awaited<ReturnType<typeof startLab>> | undefined;
let inventory = inventoryArg;
if (!inventory) {
  console.log("No --inventory given: starting the built-in fixture lab (see README, 'Default target').");
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
const hostLimits = (args.hostLimits ? userPath(args.hostLimits) : undefined) ?? lab?.hostLimitsFile ?? (resolve(inventory).startsWith(LAB_ROOT + "/") ? hostLimitsBeside(inventory) : undefined);

// A filter that selects no result is the operator's mistake, said before anything runs.
const empty = isFiltered(scope) && !selectsAnything(applicability(catalog, loadInventory(inventory)), scope);
const resultsFile = resolve(process.env.HLC_RESULTS_JSON ?? "reports/results.json");
const derived = derivedPaths(resultsFile);
for (const f of [resultsFile, derived.junit, derived.summary]) rmSync(f, { force: true });
rmSync(process.env.HLC_ALLURE_RESULTS ?? "reports/allure-results", { recursive: true, force: true });

let code: number;
if (empty) {
  console.error(`Nothing to run: no selected invariant applies to the selected nodes (${scope.nodes.join(", ")}). --list shows where each applies.`);
  code = EXIT.usage;
} else {
  const run = await execa("npx", ["vitest", "run", "--project", "conformance", ...args.vitest], {
    stdio: "inherit",
    reject: false,
    env: {
      HLC_INVENTORY: resolve(inventory),
      HLC_TARGET: lab ? "lab" : "live",
      ...(hostLimits ? { HLC_HOST_LIMITS: resolve(hostLimits) } : {}),
      ...scopeToEnv(scope),
      ...(baselineFile ? { HLC_BASELINE: baselineFile } : {}),
      ...(waiversFile ? { [WAIVERS_ENV]: waiversFile } : {}),
    },
  });
  code = await finish(run.exitCode ?? EXIT.couldNotRun);
}

if (lab && !args.keepLab) await lab.stop();
else if (lab) console.log(`Lab ${lab.id} left running (inventory ${inventory}); remove it with npm run lab:down.`);
process.exit(code);

/** After vitest: the terminal answer, the HTML report, and the exit code, all from results.json. */
async function finish(vitestExit: number): Promise<number> {
  let body: ResultsFile;
  try {
    body = readResults(resultsFile);
  } catch (e) {
    console.error(`\nThe run wrote no results (vitest exit ${vitestExit}): ${(e as Error).message}`);
    return EXIT.couldNotRun;
  }
  const report = await execa("npx", ["tsx", "helpers/report/render.ts"], { stdio: "inherit", reject: false, env: { HLC_RESULTS_JSON: resultsFile } });
  console.log(renderTerminal(body, { tty: Boolean(process.stdout.isTTY), failOn: args.failOn, width: process.stdout.columns || 120 }));
  const html = process.env.HLC_REPORT_OUT ?? "reports/conformance-report.html";
  console.log(`Outputs: ${[resultsFile, derived.junit, derived.summary].map((f) => f.replace(`${ROOT}/`, "")).join(", ")}${report.exitCode === 0 ? `, ${html}` : ""}`);
  if (baseline && body.baseline === undefined) console.error("warning: --baseline was given but the run recorded no comparison");
  const failing = failingResults(body, args.failOn).length + body.errors.length;
  if (failing > 0 || rebootFailed) return EXIT.failures;
  if (report.exitCode !== 0) {
    console.error("The HTML report could not be written (above); results.json, junit.xml and summary.md were.");
    return EXIT.couldNotRun;
  }
  return EXIT.conformant;
}
