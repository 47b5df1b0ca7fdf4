// The command line of `homelab-conformance` (scripts/conformance.ts): parsed without side effects,
// so bad arguments are reported before anything starts (exit 2: no Docker, no setup, no SSH) and
// the parser is unit-tested. Node's own parser (node:util parseArgs, strict: an option it does not
// know is an error, never passed on); what follows `--` is vitest's, and only that.
import { parseArgs as nodeParseArgs } from "node:util";
import { closest } from "../inventory/suggest.ts";

/** Exit codes of the CLI (documented in --help, README and docs/CLI.md). */
export const EXIT = {
  /** Every judged result passed (waived and skipped results do not fail a run). */
  conformant: 0,
  /** At least one result failed (with `--fail-on new`: at least one NEW failure), or a spec file failed to load. */
  failures: 1,
  /** Bad arguments, inventory, waivers file or baseline: nothing was run. */
  usage: 2,
  /** The run could not be carried out: the lab did not start, the gather phase or vitest crashed, no results were written. */
  couldNotRun: 3,
  /** Nothing else failed, but at least one node could not be reached: its results could not be judged. */
  unreachable: 4,
} as const;

export const SUBCOMMANDS = ["run", "list", "discover", "init", "schedule", "report", "lab", "doctor"] as const;
export type Subcommand = (typeof SUBCOMMANDS)[number];
export const FORMATS = ["json", "junit", "markdown"] as const;
export type Format = (typeof FORMATS)[number];

export interface CliArgs {
  command: Subcommand;
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
  /** Opt-ins: only from these flags (an inherited HLC_* variable alone changes nothing). */
  allowWrites: boolean;
  acceptNewHostKeys: boolean;
  quiet: boolean;
  format?: Format;
  outputDir?: string;
  /** Render the HTML report: default on an interactive terminal, off otherwise (--report / --no-report). */
  report?: boolean;
  /** What follows `--`, passed to vitest (e.g. `-- -t EXPOSE`). */
  vitest: string[];
  /** The words after a subcommand that takes its own (schedule, lab, report, discover). */
  rest: string[];
}

export class UsageError extends Error {
  override name = "UsageError";
}

type OptSpec = { type: "string" | "boolean"; multiple?: boolean; short?: string; value?: string; help: string; group: string };

/** Every option of `run` (and `list`), in the order --help shows them. */
export const RUN_OPTIONS: Record<string, OptSpec> = {
  inventory: { type: "string", value: "FILE", group: "Target", help: "check the live homelab FILE declares (read-only; validated before anything connects). Fallback: HLC_INVENTORY" },
  drift: { type: "string", multiple: true, value: "NAME", group: "Target", help: "the built-in lab with a drift of fixtures/lab/drifts.ts applied (repeatable)" },
  "keep-lab": { type: "boolean", group: "Target", help: "leave the lab running afterwards (then: homelab-conformance lab down)" },
  reboot: { type: "string", value: "NODE", group: "Target", help: "reboot NODE first (it must declare reboot.allowed), wait for convergence, then run" },
  "confirm-reboot": { type: "string", value: "NODE", group: "Target", help: "repeat NODE to confirm --reboot. Fallback: HLC_CONFIRM_REBOOT" },
  invariant: { type: "string", multiple: true, value: "ID", group: "What to check", help: "e.g. --invariant EXPOSE-001,EXPOSE-002 (repeatable, comma lists)" },
  family: { type: "string", multiple: true, value: "F", group: "What to check", help: "exposure, shares, boot, containers, data, identity, monitoring" },
  node: { type: "string", multiple: true, value: "N", group: "What to check", help: "inventory node name; a node left out is never connected to" },
  list: { type: "boolean", group: "What to check", help: "list every invariant and the nodes it applies to, connecting to nothing (= the list subcommand)" },
  "allow-writes": { type: "boolean", group: "Opt-ins (printed at the start, recorded in results.json)", help: "run the probes that write on live nodes (SMB write matrix, restore tests into scratch copies); the lab always runs them" },
  "accept-new-hostkeys": { type: "boolean", group: "Opt-ins (printed at the start, recorded in results.json)", help: "trust a node's SSH host key on first use (otherwise: pinned ssh.hostKey or known_hosts only)" },
  "host-limits": { type: "string", value: "FILE", group: "Opt-ins (printed at the start, recorded in results.json)", help: "what the machine hosting a LAB cannot exhibit (its host-limits.json); refused for a live inventory" },
  baseline: { type: "string", value: "FILE", group: "Review", help: "compare with an earlier run's results.json: new failures, fixed, still failing, new and removed checks" },
  "fail-on": { type: "string", value: "any|new", group: "Review", help: "any (default): every failure fails the run; new: only failures new since --baseline do" },
  waivers: { type: "string", value: "FILE", group: "Review", help: "accepted failures (YAML: invariant, node, justification, owner, expires)" },
  quiet: { type: "boolean", short: "q", group: "Output", help: "no progress, no table: the failures with their fixes and the verdict line only" },
  format: { type: "string", value: "json|junit|markdown", group: "Output", help: "write results.json, junit.xml or summary.md to stdout instead of the terminal answer" },
  "output-dir": { type: "string", value: "DIR", group: "Output", help: "where the outputs go (default ./reports). Fallbacks: HLC_RESULTS_JSON and the other HLC_* output paths" },
  report: { type: "boolean", group: "Output", help: "render the HTML report (default: only when stdout is a terminal)" },
  "no-report": { type: "boolean", group: "Output", help: "do not render the HTML report" },
  version: { type: "boolean", short: "V", group: "General", help: "print the suite's version" },
  help: { type: "boolean", short: "h", group: "General", help: "this text (also: homelab-conformance SUBCOMMAND --help)" },
};

/** `--inventry` -> "unknown option --inventry (did you mean --inventory?)". */
function unknownOption(token: string, known: string[]): UsageError {
  const bare = token.replace(/^-+/, "").split("=")[0]!;
  const near = closest(bare, known, Math.max(2, Math.floor(bare.length / 3)));
  return new UsageError(`unknown option ${token.split("=")[0]}${near ? ` (did you mean --${near}?)` : ""}; vitest's own options go after \`--\``);
}

/**
 * Node's strict parser with our messages: an unknown option is refused with the nearest known one,
 * a missing value named. Returns the values and the positionals.
 */
export function strictParse(argv: readonly string[], options: Record<string, OptSpec>, positionals = false): { values: Record<string, unknown>; positionals: string[] } {
  const opts = Object.fromEntries(Object.entries(options).map(([k, o]) => [k, { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) }]));
  try {
    const r = nodeParseArgs({ args: [...argv], options: opts, strict: true, allowPositionals: positionals });
    return { values: r.values as Record<string, unknown>, positionals: r.positionals };
  } catch (e) {
    const err = e as Error & { code?: string };
    const m = /'(-[^']*)'/.exec(err.message);
    if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && m) throw unknownOption(m[1]!, Object.keys(options));
    if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && m) {
      const name = m[1]!.replace(/^-\w, /, "").split(" ")[0]!;
      throw new UsageError(/argument missing|argument is ambiguous/.test(err.message) ? `${name} needs a value` : `${name}: ${err.message}`);
    }
    if (err.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      const p = /'([^']*)'/.exec(err.message)?.[1] ?? "";
      const sub = closest(p, SUBCOMMANDS);
      throw new UsageError(`unexpected argument ${JSON.stringify(p)}${sub ? ` (did you mean the subcommand ${sub}? It comes first)` : ""}; vitest's own arguments go after \`--\``);
    }
    throw new UsageError(err.message);
  }
}

/** A value option must not swallow the next option (`--inventory --node x`). */
function checkValues(values: Record<string, unknown>, options: Record<string, OptSpec>): void {
  for (const [k, v] of Object.entries(values)) {
    if (options[k]?.type !== "string") continue;
    for (const one of Array.isArray(v) ? v : [v]) {
      if (typeof one === "string" && (one === "" || (one.startsWith("--") && one.length > 2))) throw new UsageError(`--${k} needs a value`);
    }
  }
}

const list = (v: unknown, opt: string): string[] =>
  ((v as string[] | undefined) ?? []).flatMap((s) => {
    const items = s.split(",").map((x) => x.trim()).filter(Boolean);
    if (items.length === 0) throw new UsageError(`--${opt} needs a value`);
    return items;
  });

/**
 * `homelab-conformance [SUBCOMMAND] [options] [-- vitest options]`. No subcommand is `run` (the
 * quick start: no arguments at all runs the built-in lab). `env` is read only for the fallbacks
 * --help documents (HLC_INVENTORY, HLC_CONFIRM_REBOOT); never for an opt-in.
 */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliArgs {
  let words = [...argv];
  let command: Subcommand = "run";
  const first = words[0];
  if (first !== undefined && !first.startsWith("-")) {
    if (!(SUBCOMMANDS as readonly string[]).includes(first)) {
      const near = closest(first, SUBCOMMANDS);
      throw new UsageError(`unknown subcommand ${JSON.stringify(first)}${near ? ` (did you mean ${near}?)` : ""}; subcommands: ${SUBCOMMANDS.join(", ")}`);
    }
    command = first as Subcommand;
    words = words.slice(1);
  }
  const a: CliArgs = {
    command,
    help: false,
    version: false,
    list: command === "list",
    drifts: [],
    keepLab: false,
    invariants: [],
    families: [],
    nodes: [],
    failOn: "any",
    allowWrites: false,
    acceptNewHostKeys: false,
    quiet: false,
    vitest: [],
    rest: [],
  };
  // Subcommands with their own words: their own parser (scripts/schedule.ts, ...) reads them;
  // only --help is ours.
  if (command === "schedule" || command === "lab" || command === "report" || command === "discover" || command === "init" || command === "doctor") {
    a.rest = words;
    a.help = words.includes("--help") || words.includes("-h");
    return a;
  }
  const dash = words.indexOf("--");
  if (dash >= 0) {
    a.vitest = words.slice(dash + 1);
    words = words.slice(0, dash);
  }
  const { values: v } = strictParse(words, RUN_OPTIONS);
  checkValues(v, RUN_OPTIONS);
  a.help = Boolean(v.help);
  a.version = Boolean(v.version);
  a.list = a.list || Boolean(v.list);
  a.keepLab = Boolean(v["keep-lab"]);
  a.allowWrites = Boolean(v["allow-writes"]);
  a.acceptNewHostKeys = Boolean(v["accept-new-hostkeys"]);
  a.quiet = Boolean(v.quiet);
  a.drifts = (v.drift as string[] | undefined) ?? [];
  a.invariants = list(v.invariant, "invariant");
  a.families = list(v.family, "family");
  a.nodes = list(v.node, "node");
  const inventory = (v.inventory as string | undefined) ?? (env.HLC_INVENTORY || undefined);
  if (inventory) a.inventory = inventory;
  for (const [key, opt] of [["hostLimits", "host-limits"], ["reboot", "reboot"], ["baseline", "baseline"], ["waivers", "waivers"], ["outputDir", "output-dir"]] as const) {
    if (typeof v[opt] === "string") a[key] = v[opt] as string;
  }
  const confirm = (v["confirm-reboot"] as string | undefined) ?? (env.HLC_CONFIRM_REBOOT || undefined);
  if (confirm) a.confirmReboot = confirm;
  if (v["fail-on"] !== undefined) {
    const f = v["fail-on"] as string;
    if (f !== "any" && f !== "new") throw new UsageError(`--fail-on must be "any" or "new", got ${JSON.stringify(f)}`);
    a.failOn = f;
  }
  if (v.format !== undefined) {
    const f = v.format as string;
    if (!(FORMATS as readonly string[]).includes(f)) throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, got ${JSON.stringify(f)}`);
    a.format = f as Format;
  }
  if (v.report && v["no-report"]) throw new UsageError("--report and --no-report contradict each other");
  if (v.report) a.report = true;
  if (v["no-report"]) a.report = false;
  if (a.failOn === "new" && !a.baseline) throw new UsageError("--fail-on new needs --baseline (the run to compare with)");
  if (a.drifts.length && a.inventory) throw new UsageError("--drift applies to the built-in lab; it cannot be combined with --inventory");
  return a;
}

function optionLines(options: Record<string, OptSpec>): string {
  const groups = new Map<string, string[]>();
  for (const [name, o] of Object.entries(options)) {
    const left = `${o.short ? `-${o.short}, ` : "    "}--${name}${o.value ? ` ${o.value}` : ""}`;
    const line = left.length < 26 ? `  ${left.padEnd(26)}${o.help}` : `  ${left}\n  ${"".padEnd(26)}${o.help}`;
    groups.set(o.group, [...(groups.get(o.group) ?? []), line]);
  }
  return [...groups].map(([g, lines]) => `${g}:\n${lines.join("\n")}`).join("\n\n");
}

export const EXIT_TABLE = `Exit codes:
  0  conformant: nothing failed (waived and skipped results do not fail a run)
  1  failures (with --fail-on new: new failures), or a spec file failed to load
  2  bad arguments, inventory, waivers file or baseline; a refused --reboot: nothing was run
  3  could not run: the lab did not start, the gather phase or vitest crashed, no results written
  4  a node was unreachable (and nothing else failed): its checks could not be judged`;

export const HELP = `homelab-conformance: check a Proxmox homelab against its operations document

Usage:
  homelab-conformance [run] [options] [-- vitest options]
  homelab-conformance list [--inventory FILE]      the invariants and where they apply
  homelab-conformance report [--help]               render the HTML report of the last run
  homelab-conformance schedule install|uninstall    the scheduled run (systemd timer)
  homelab-conformance lab up|down [--drift NAME]    the built-in fixture lab by hand
  homelab-conformance doctor                        what this machine can host for the lab
  homelab-conformance discover                      draft an inventory from a homelab
  homelab-conformance init                          the smallest valid inventory, commented

With no --inventory the target is the built-in fixture lab (Docker; started and removed around
the run). An unknown option is refused (exit 2) before anything starts.

${optionLines(RUN_OPTIONS)}

Outputs (--output-dir, default reports/): results.json (docs/RESULTS.md), junit.xml, summary.md,
run-stats.json, homelab_conformance.prom, conformance-report.html (when rendered).

Environment (fallbacks only; an option given wins): HLC_INVENTORY, HLC_CONFIRM_REBOOT, NO_COLOR.
HLC_ALLOW_WRITE_PROBES, HLC_ACCEPT_NEW_HOSTKEYS and HLC_HOST_LIMITS are ignored: use the flags.

${EXIT_TABLE}
`;
