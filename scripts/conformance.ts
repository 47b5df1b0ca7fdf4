// The conformance run an operator starts:
//   npm run conformance                        the built-in fixture lab: up, every spec, report, down
//   npm run conformance -- --inventory FILE    a live homelab, read-only
//   ... -- --drift NAME                        the lab with a drift of fixtures/lab/drifts.ts applied (repeatable)
//   ... -- --keep-lab                          leave the lab running afterwards (then `npm run lab:down`)
//   ... -- --host-limits FILE                  what the machine hosting the nodes cannot exhibit (a lab's
//                                              host-limits.json; a lab's own inventory under .lab/ finds it by itself)
//   ... -- --inventory FILE --reboot NODE --confirm-reboot NODE
//                                              reboot NODE first (it must declare `reboot: { allowed: true }`;
//                                              HLC_CONFIRM_REBOOT=NODE also confirms), wait for its new boot
//                                              and its convergence (reports/convergence.json), then run the suite
// Anything else (e.g. `-t EXPOSE`) is passed to vitest.
import { execa } from "execa";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { decideReboot, rebootLive } from "../helpers/convergence/live.ts";
import { loadInventory } from "../helpers/inventory/load.ts";
import { defaultLab } from "../fixtures/lab/default-lab.ts";
import { findDrift, type Drift } from "../fixtures/lab/drifts.ts";
import { LAB_ROOT, startLab, type Lab } from "../fixtures/lab/lab.ts";
import { hostLimitsBeside } from "../fixtures/lab/run-suite.ts";

const args = process.argv.slice(2);
let inventory: string | undefined;
let keepLab = false;
let hostLimits: string | undefined;
let rebootNode: string | undefined;
let confirmReboot: string | undefined = process.env.HLC_CONFIRM_REBOOT || undefined;
const drifts: Drift[] = [];
const vitestArgs: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === "--inventory") inventory = args[++i];
  else if (a.startsWith("--inventory=")) inventory = a.slice("--inventory=".length);
  else if (a === "--keep-lab") keepLab = true;
  else if (a === "--host-limits") hostLimits = args[++i];
  else if (a === "--reboot") rebootNode = args[++i];
  else if (a === "--confirm-reboot") confirmReboot = args[++i];
  else if (a === "--drift") drifts.push(findDrift(args[++i] ?? ""));
  else vitestArgs.push(a);
}

let rebootFailed = false;
if (rebootNode !== undefined) {
  if (!inventory) {
    console.error("Refusing --reboot without --inventory: the fixture lab's reboots are the scenarios of tests/integration/reboot.test.ts.");
    process.exit(2);
  }
  const file = resolve(inventory);
  const inv = loadInventory(file);
  const decision = decideReboot(inv, rebootNode, confirmReboot);
  if (!decision.ok) {
    console.error(`Refusing to reboot: ${decision.reason}`);
    process.exit(2);
  }
  const r = await rebootLive(inv, decision, { refresh: async () => loadInventory(file), log: (l) => console.log(`[reboot] ${l}`) }).catch((e: Error) => {
    // Nothing was rebooted: the node did not answer before (its boot id could not be read).
    console.error(`Not rebooting ${rebootNode}: ${e.message}`);
    process.exit(2);
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

let lab: Lab | undefined;
if (!inventory) {
  console.log("No --inventory given: starting the built-in fixture lab (see README, 'Default target').");
  lab = await startLab(defaultLab(), { drifts });
  if (drifts.length) console.log(`Drifts applied: ${drifts.map((d) => `${d.name} (${d.node}: ${d.summary})`).join("; ")}`);
  inventory = lab.inventoryFile;
  console.log(`Lab ${lab.id} is up; inventory ${inventory}`);
}

// Host limits: the lab's own, or those of a lab started by hand (lab:up) whose inventory is run.
hostLimits ??= lab?.hostLimitsFile ?? (resolve(inventory).startsWith(LAB_ROOT + "/") ? hostLimitsBeside(inventory) : undefined);

rmSync("reports/allure-results", { recursive: true, force: true });
const run = await execa("npx", ["vitest", "run", "--project", "conformance", ...vitestArgs], {
  stdio: "inherit",
  reject: false,
  env: { HLC_INVENTORY: resolve(inventory), HLC_TARGET: lab ? "lab" : "live", ...(hostLimits ? { HLC_HOST_LIMITS: resolve(hostLimits) } : {}) },
});
const report = await execa("npx", ["tsx", "helpers/report/render.ts"], { stdio: "inherit", reject: false });

if (lab && !keepLab) await lab.stop();
else if (lab) console.log(`Lab ${lab.id} left running (inventory ${inventory}); remove it with npm run lab:down.`);
process.exit(run.exitCode || report.exitCode || (rebootFailed ? 1 : 0));
