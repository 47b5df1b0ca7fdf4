// systemd unit state via systemctl (systemd 252 captures in fixtures/captured/probes/systemctl-*.txt).
// Nodes without systemd (containers, other inits) answer with a marker instead of systemctl's
// "System has not been booted with systemd" error, so the fact says { systemd: false }.
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

export const NO_SYSTEMD_MARKER = "hlc-probe: no systemd";
// The test systemd itself uses (sd_booted()): /run/systemd/system exists only under systemd as PID 1.
const guard = (cmd: string) =>
  `if [ -d /run/systemd/system ]; then ${cmd}; else echo '${NO_SYSTEMD_MARKER}'; fi`;

export type SystemdFact<T> = { systemd: false } | { systemd: true; units: T };

/** Properties of one unit as `systemctl show` prints them (values are strings, possibly empty). */
export type UnitProps = Record<string, string>;

export const DEFAULT_UNIT_PROPS = [
  "Id", "Names", "Description", "LoadState", "ActiveState", "SubState",
  "UnitFileState", "Result", "MainPID", "ExecMainStatus", "NRestarts",
] as const;

/**
 * `systemctl show` for the given units, keyed by the canonical Id. An alias (runlevel3.target) or
 * a unit that does not exist still gets a block: look it up with findUnit(), which also checks
 * Names. Id and Names are always requested. Properties that don't apply to a unit type (Result
 * on a target) are simply absent.
 */
export function unitProperties(units: string[], props: readonly string[] = DEFAULT_UNIT_PROPS): Probe<SystemdFact<Record<string, UnitProps>>> {
  if (units.length === 0) throw new Error("unitProperties: no units given");
  for (const p of props) if (!/^[A-Za-z0-9]+$/.test(p)) throw new Error(`unitProperties: bad property name ${JSON.stringify(p)}`);
  // systemd's own unit-name alphabet; also keeps glob patterns out (one block per argument).
  for (const u of units) if (!/^[A-Za-z0-9:_.\\@-]+$/.test(u)) throw new Error(`unitProperties: bad unit name ${JSON.stringify(u)}`);
  const wanted = [...new Set(["Id", "Names", ...props])];
  const name = `unit-properties:${units.join(",")}`;
  // "--" because unit names may start with "-" (the root mount is "-.mount").
  const command = guard(`systemctl show --no-pager -p ${wanted.join(",")} -- ${units.map(shq).join(" ")}`);
  return {
    name,
    command,
    parse(output) {
      return systemdOrNot(name, output, (stdout) => parseShow(name, stdout, units.length));
    },
  };
}

/** Find a unit in a unitProperties fact by Id or by any of its Names (aliases). */
export function findUnit(units: Record<string, UnitProps>, name: string): UnitProps | undefined {
  return units[name] ?? Object.values(units).find((u) => (u.Names ?? "").split(" ").includes(name));
}

function parseShow(name: string, stdout: string, expected: number): Record<string, UnitProps> {
  const units: Record<string, UnitProps> = {};
  // One block per unit argument, in order, separated by one blank line.
  const blocks = stdout.replace(/\n+$/, "").split(/\n\n/);
  if (blocks.length !== expected) {
    throw new ProbeParseError(name, `expected ${expected} unit blocks, got ${blocks.length}`);
  }
  for (const block of blocks) {
    const props: UnitProps = {};
    for (const line of block.split("\n")) {
      const m = /^([A-Za-z0-9]+)=(.*)$/.exec(line); // split at the FIRST "=": values may contain "="
      if (!m) throw new ProbeParseError(name, `not a Property=value line: ${JSON.stringify(line)}`);
      props[m[1]!] = m[2]!;
    }
    if (!props.Id) throw new ProbeParseError(name, `unit block without Id: ${JSON.stringify(block)}`);
    units[props.Id] = props;
  }
  return units;
}

export interface FailedUnit {
  unit: string;
  /** LoadState: "loaded", or "not-found" when the unit file was removed after it failed. */
  load: string;
  active: string;
  sub: string;
  /** systemctl shows the unit name here when the unit has no Description=. */
  description: string;
}

/**
 * The container whose health this failed unit is, when it is podman's healthcheck service, else
 * undefined. podman runs a container's healthcheck from a transient systemd timer it creates with
 * `systemd-run --unit <container ID> --on-unit-inactive=<interval> … <podman> healthcheck run <ID>`
 * (libpod/healthcheck_linux.go, createTimer; newer releases add `-<random hex>` to the unit name),
 * so the service is `<ID>[-<hex>].service` and its Description, systemd-run's default, is that
 * command line. It fails whenever a check fails or finds the container gone (a restart loop):
 * that is the container's health, not a step of the boot.
 * (Captured: fixtures/captured/boot/failed-units-podman-healthcheck.stdout.txt, podman 4.3.1.)
 */
export function podmanHealthcheckOf(u: FailedUnit): string | undefined {
  const name = /^([0-9a-f]{64})(?:-[0-9a-f]+)?\.service$/.exec(u.unit);
  if (!name) return undefined;
  const desc = /^(?:\S*\/)?podman healthcheck run ([0-9a-f]{64})$/.exec(u.description);
  return desc && desc[1] === name[1] ? name[1] : undefined;
}

const FAILED_NAME = "failed-units";

/**
 * "Nothing failed" prints nothing, and so does a broken or replaced systemctl: the probe also
 * asks `systemctl is-system-running`, whose one word must be a state systemd knows and agree
 * with the list (degraded means some unit failed). Its line ends the output.
 */
export const SYSTEM_STATE_MARK = "hlc-system-state";
const STATES = new Set(["initializing", "starting", "running", "degraded", "maintenance", "stopping", "offline", "unknown"]);

export const failedUnits: Probe<SystemdFact<FailedUnit[]>> = {
  name: FAILED_NAME,
  command: guard(
    `systemctl list-units --failed --plain --no-legend --no-pager; rc=$?; printf '${SYSTEM_STATE_MARK} %s\\n' "$(systemctl is-system-running 2>/dev/null)"; exit $rc`,
  ),
  parse: (output) => systemdOrNot(FAILED_NAME, output, parseFailedWithState),
};

function parseFailedWithState(stdout: string): FailedUnit[] {
  const lines = stdout.replace(/\n+$/, "").split("\n");
  const last = lines.pop() ?? "";
  const m = new RegExp(`^${SYSTEM_STATE_MARK} (.*)$`).exec(last);
  if (!m) throw new ProbeParseError(FAILED_NAME, `no "${SYSTEM_STATE_MARK}" line at the end: the output is not the probe's`);
  const state = m[1]!.trim();
  if (!STATES.has(state)) throw new ProbeParseError(FAILED_NAME, `systemctl is-system-running answered ${JSON.stringify(state.slice(0, 80))}, not a state of systemd: systemctl is broken or not systemd's`);
  const units = parseFailed(lines.join("\n"));
  if (state === "degraded" && units.length === 0) throw new ProbeParseError(FAILED_NAME, "the system is degraded but systemctl listed no failed unit: the list is not believable");
  return units;
}

// Without --plain, systemd prefixes each failed unit with "●" (U+25CF; "*" on non-UTF-8 setups).
// Unit names always carry a type suffix, which rejects headers, legends and other stray text.
const FAILED_LINE =
  /^(?:[●*]\s+)?(\S+\.(?:service|socket|target|device|mount|automount|swap|timer|path|slice|scope))\s+(\S+)\s+(\S+)\s+(\S+)(?:\s+(.*?))?\s*$/;

function parseFailed(stdout: string): FailedUnit[] {
  const out: FailedUnit[] = [];
  for (const line of stdout.split("\n")) {
    if (line.trim() === "") continue;
    const m = FAILED_LINE.exec(line);
    if (!m) throw new ProbeParseError(FAILED_NAME, `unrecognized line: ${JSON.stringify(line)}`);
    out.push({ unit: m[1]!, load: m[2]!, active: m[3]!, sub: m[4]!, description: m[5] ?? "" });
  }
  return out;
}

function systemdOrNot<T>(name: string, { stdout, stderr, code }: ProbeOutput, parse: (stdout: string) => T): SystemdFact<T> {
  if (code === 0 && stdout.trim() === NO_SYSTEMD_MARKER) return { systemd: false };
  if (code !== 0) throw new ProbeParseError(name, `systemctl exited ${code}: ${stderr.trim()}`);
  return { systemd: true, units: parse(stdout) };
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
