// The conformance run an operator starts:
//   npm run conformance                        the built-in fixture lab: up, every spec, report, down
//   npm run conformance -- --inventory FILE    a live homelab, read-only
//   ... -- --drift NAME                        the lab with a drift of fixtures/lab/drifts.ts applied (repeatable)
//   ... -- --keep-lab                          leave the lab running afterwards (then `npm run lab:down`)
// Anything else (e.g. `-t EXPOSE`) is passed to vitest.
import { execa } from "execa";
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { defaultLab } from "../fixtures/lab/default-lab.ts";
import { findDrift, type Drift } from "../fixtures/lab/drifts.ts";
import { startLab, type Lab } from "../fixtures/lab/lab.ts";

const args = process.argv.slice(2);
let inventory: string | undefined;
let keepLab = false;
const drifts: Drift[] = [];
const vitestArgs: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === "--inventory") inventory = args[++i];
  else if (a.startsWith("--inventory=")) inventory = a.slice("--inventory=".length);
  else if (a === "--keep-lab") keepLab = true;
  else if (a === "--drift") drifts.push(findDrift(args[++i] ?? ""));
  else vitestArgs.push(a);
}

let lab: Lab | undefined;
if (!inventory) {
  console.log("No --inventory given: starting the built-in fixture lab (see README, 'Default target').");
  lab = await startLab(defaultLab(), { drifts });
  if (drifts.length) console.log(`Drifts applied: ${drifts.map((d) => `${d.name} (${d.node}: ${d.summary})`).join("; ")}`);
  inventory = lab.inventoryFile;
  console.log(`Lab ${lab.id} is up; inventory ${inventory}`);
}

rmSync("reports/allure-results", { recursive: true, force: true });
const run = await execa("npx", ["vitest", "run", "--project", "conformance", ...vitestArgs], {
  stdio: "inherit",
  reject: false,
  env: { HLC_INVENTORY: resolve(inventory), HLC_TARGET: lab ? "lab" : "live" },
});
const report = await execa("npx", ["tsx", "helpers/report/render.ts"], { stdio: "inherit", reject: false });

if (lab && !keepLab) await lab.stop();
else if (lab) console.log(`Lab ${lab.id} left running (inventory ${inventory}); remove it with npm run lab:down.`);
process.exit(run.exitCode || report.exitCode || 0);
