// The command line of `homelab-conformance` (scripts/conformance.ts): parsed without side effects,
// so bad arguments are reported before anything starts (exit 2) and the parser is unit-tested.

/** Exit codes of the CLI (documented in --help and README). */
export const EXIT = {
  /** Every judged result passed (waived and skipped results do not fail a run). */
  conformant: 0,
  /** At least one result failed (with `--fail-on new`: at least one NEW failure), or a spec file failed to load. */
  failures: 1,
  /** Bad arguments, inventory, waivers file or baseline: nothing was run. */
  usage: 2,
  /** The run could not be carried out: the lab did not start, the gather phase or vitest crashed, no results were written. */
  couldNotRun: 3,
} as const;

export interface CliArgs {
  help: boolean;
  version: boolean;
  list: boolean;
  inventory?: string;
  drifts: string[];
  keepLab: boolean;
  hostLimits?: string;
  reboot?: string;
  confirmReboot?: string;
  invariants: string[];
  families: string[];
  nodes: string[];
  baseline?: string;
  failOn: "any" | "new";
  waivers?: string;
  /** Anything else, passed to vitest (e.g. `-t EXPOSE`). */
  vitest: string[];
}

export class UsageError extends Error {
  override name = "UsageError";
}

const LIST_OPTIONS = { "--invariant": "invariants", "--family": "families", "--node": "nodes" } as const;
const VALUE_OPTIONS = ["--inventory", "--drift", "--host-limits", "--reboot", "--confirm-reboot", "--baseline", "--fail-on", "--waivers", ...Object.keys(LIST_OPTIONS)];

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliArgs {
  const a: CliArgs = { help: false, version: false, list: false, drifts: [], keepLab: false, invariants: [], families: [], nodes: [], failOn: "any", vitest: [], ...(env.HLC_CONFIRM_REBOOT ? { confirmReboot: env.HLC_CONFIRM_REBOOT } : {}) };
  for (let i = 0; i < argv.length; i++) {
    let opt = argv[i]!;
    let value: string | undefined;
    const eq = opt.indexOf("=");
    if (opt.startsWith("--") && eq > 0 && VALUE_OPTIONS.includes(opt.slice(0, eq))) {
      value = opt.slice(eq + 1);
      opt = opt.slice(0, eq);
    }
    const take = (): string => {
      if (value !== undefined) return value;
      const v = argv[++i];
      if (v === undefined || (v.startsWith("--") && v.length > 2)) throw new UsageError(`${opt} needs a value`);
      return v;
    };
    if (opt === "--") {
      a.vitest.push(...argv.slice(i + 1));
      break;
    }
    if (opt === "--help" || opt === "-h") a.help = true;
    else if (opt === "--version" || opt === "-V") a.version = true;
    else if (opt === "--list") a.list = true;
    else if (opt === "--keep-lab") a.keepLab = true;
    else if (opt === "--inventory") a.inventory = take();
    else if (opt === "--drift") a.drifts.push(take());
    else if (opt === "--host-limits") a.hostLimits = take();
    else if (opt === "--reboot") a.reboot = take();
    else if (opt === "--confirm-reboot") a.confirmReboot = take();
    else if (opt === "--baseline") a.baseline = take();
    else if (opt === "--waivers") a.waivers = take();
    else if (opt === "--fail-on") {
      const v = take();
      if (v !== "any" && v !== "new") throw new UsageError(`--fail-on must be "any" or "new", got ${JSON.stringify(v)}`);
      a.failOn = v;
    } else if (opt in LIST_OPTIONS) {
      const key = LIST_OPTIONS[opt as keyof typeof LIST_OPTIONS];
      const items = take().split(",").map((s) => s.trim()).filter(Boolean);
      if (items.length === 0) throw new UsageError(`${opt} needs a value`);
      a[key].push(...items);
    } else a.vitest.push(opt);
  }
  if (a.failOn === "new" && !a.baseline) throw new UsageError("--fail-on new needs --baseline (the run to compare with)");
  if (a.drifts.length && a.inventory) throw new UsageError("--drift applies to the built-in lab; it cannot be combined with --inventory");
  return a;
}

export const HELP = `homelab-conformance: check a Proxmox homelab against its operations document

Usage:
  homelab-conformance [options] [-- vitest options]
  npm run conformance -- [options]

Target (default: the built-in fixture lab, started and removed around the run):
  --inventory FILE        check the live homelab FILE declares (read-only; validated before anything connects)
  --drift NAME            the lab with a drift of fixtures/lab/drifts.ts applied (repeatable)
  --keep-lab              leave the lab running afterwards (then: npm run lab:down)
  --host-limits FILE      what the machine hosting the nodes cannot exhibit (a lab's host-limits.json)
  --reboot NODE --confirm-reboot NODE
                          reboot NODE first (it must declare reboot.allowed), wait for convergence, then run

What to check (repeatable, or comma lists; only what is selected is gathered: a node left out
is never connected to):
  --invariant ID          e.g. --invariant EXPOSE-001,EXPOSE-002
  --family F              exposure, shares, boot, containers, data, identity, monitoring
  --node N                inventory node name
  --list                  list every invariant (ID, section, title) and the nodes it applies to, connecting to nothing

Review:
  --baseline FILE         compare with an earlier run's results.json: new failures, fixed, still failing,
                          new and removed checks (terminal, summary.md, HTML report)
  --fail-on any|new       any (default): every failure fails the run; new: only failures that are new
                          since --baseline do
  --waivers FILE          accepted failures (YAML: invariant, node, justification, owner, expires);
                          a waived failure is reported "waived", an expired waiver fails again, a waiver
                          that matches no failure is reported stale

  --version               print the suite's version
  -h, --help              this text

Outputs (reports/): results.json (docs/RESULTS.md), junit.xml, summary.md, conformance-report.html,
run-stats.json.

Exit codes:
  0  conformant: nothing failed (waived and skipped results do not fail a run)
  1  failures (with --fail-on new: new failures), or a spec file failed to load
  2  bad arguments, inventory, waivers file or baseline; a refused --reboot: nothing was run
  3  could not run: the lab did not start, the gather phase or vitest crashed, no results written
`;
