// `homelab-conformance` (bin/homelab-conformance, `npm run conformance -- ...`): the command an
// operator runs. `--help` says everything (helpers/cli/args.ts); in short:
//   [run]                       no --inventory: the built-in fixture lab: up, every spec, outputs, down
//     --inventory FILE          a live homelab, read-only unless --allow-writes
//     --invariant/--family/--node filters that also limit what is gathered
//   list | report | schedule | lab | doctor | discover   subcommands (helpers/cli/subcommands.ts)
// The arguments are parsed strictly before anything starts: an unknown option exits 2 with the
// nearest known one, and neither Docker nor SSH is touched. vitest's own options only after `--`.
// Exit codes: helpers/cli/args.ts EXIT.
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { EXIT, HELP, parseArgs, UsageError, type CliArgs } from "../helpers/cli/args.ts";
import { PACKAGE_ROOT } from "../helpers/paths.ts";

const ROOT = PACKAGE_ROOT;
// bin/homelab-conformance runs this from the clone's root; paths the operator typed are theirs.
const CALLER = process.env.HLC_CALLER_CWD ?? process.cwd();
process.chdir(ROOT);
// The run's first phase mark (helpers/report/phases.ts), unless `npm run conformance` took it.
process.env.HLC_T0 ??= String(Math.round(performance.timeOrigin));

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
if (args.command !== "run" && args.command !== "list") {
  const { runSubcommand } = await import("../helpers/cli/subcommands.ts");
  process.exit(await runSubcommand(args, { root: ROOT, caller: CALLER }));
}
if (args.help) {
  process.stdout.write(HELP);
  process.exit(EXIT.conformant);
}
if (args.version) {
  const v = JSON.parse(readFileSync(resolve(ROOT, "package.json"), "utf8")) as { name: string; version: string };
  const { RESULTS_VERSION } = await import("../helpers/report/results.ts");
  console.log(`${v.name} ${v.version} (results.json version ${RESULTS_VERSION}, node ${process.version})`);
  process.exit(EXIT.conformant);
}

// --list: the inventory and the catalogue's index (the spec files only when the index cannot answer).
if (args.list) {
  const { list } = await import("../helpers/cli/list.ts");
  process.exit(await list(args, { root: ROOT, caller: CALLER }));
}

// Everything else (the inventory, the catalogue, the lab, vitest) is loaded only for a run.
const { run } = await import("../helpers/cli/run.ts");
process.exit(await run(args, { root: ROOT, caller: CALLER }));
