// Guest configurations as the Proxmox host prints them (`qm config VMID`, `pct config VMID`) and
// the host's subordinate id ranges (/etc/subuid, /etc/subgid): what the boot specs (§3.1, §3.3)
// and the idmap spec (§4.4, §5.3) judge. Read on the hypervisor only. Captures of both probes on
// the Proxmox stand-in are in fixtures/captured/proxmox/.
import { shQuote } from "../transport/shell.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

export type GuestType = "qemu" | "lxc";

/** `startup: [order=]N,up=N,down=N` (PVE's pve-startup-order format). */
export interface Startup {
  order?: number;
  up?: number;
  down?: number;
}

/** One `lxc.idmap: u|g CT HOST COUNT` line. */
export interface IdmapEntry {
  kind: "u" | "g";
  /** First id inside the container. */
  ct: number;
  /** First id on the host it maps to. */
  host: number;
  count: number;
  /** The value as written, e.g. "u 0 100000 1001". */
  raw: string;
}

export interface GuestConfig {
  vmid: number;
  type: GuestType;
  /** The command as run on the host, e.g. "pct config 210". */
  command: string;
  /** false when the command failed (no such guest on this host, wrong type, ...). */
  found: boolean;
  exitCode: number | null;
  /** What the command printed on stderr (Proxmox's error when not found). */
  error: string;
  /** Every `key: value` of the main section, raw (lxc.* keys are in `lxc`). */
  options: Record<string, string>;
  /** Raw `lxc.*` keys, in order (a key may repeat). */
  lxc: Array<{ key: string; value: string }>;
  /** VM `name:` or CT `hostname:`. */
  name?: string;
  /** `onboot:`; Proxmox's default is off. */
  onboot: boolean;
  /** `startup:` as written, when present. */
  startupRaw?: string;
  /** Parsed `startup:`; undefined when absent or not in Proxmox's format (see startupError). */
  startup?: Startup;
  startupError?: string;
  /** CT only: `unprivileged:` (Proxmox's default is 0, privileged). */
  unprivileged: boolean;
  /** CT only: readable `lxc.idmap` lines, in order. */
  idmap: IdmapEntry[];
  /** CT only: `lxc.idmap` values that are not `u|g CT HOST COUNT`. */
  idmapErrors: string[];
}

export interface GuestRef {
  vmid: number;
  type: GuestType;
}

export const GUEST_CONFIGS = "proxmox-guest-configs";
export const SUBORDINATE_IDS = "subordinate-ids";

const MARK = "--- hlc-probe:";
/**
 * Runs one command framed for the parser: its stdout, a blank line, its stderr with "! " before
 * each line, and its exit status. POSIX sh (dash): stdout goes straight out through fd 3 while
 * stderr is captured, so the two never interleave. Shared with ./tailscale.ts (with readSections).
 */
export const RUN_FN =
  `hlc_run() { printf '%s\\n' "${MARK} $* ---"; { e=$("$@" 2>&1 >&3); r=$?; } 3>&1; printf '\\n'; ` +
  `[ -z "$e" ] || printf '%s\\n' "$e" | sed 's/^/! /'; printf '%s\\n' "${MARK} exit $r ---"; }`;

const tool = (type: GuestType) => (type === "qemu" ? "qm" : "pct");

/**
 * The configs of the given guests, as the hypervisor prints them, in one probe: `qm config` for
 * a VM, `pct config` for a CT. Guests are asked in VMID order; each answer is framed apart.
 */
export function guestConfigs(guests: readonly GuestRef[]): Probe<GuestConfig[]> {
  const unique = [...new Map(guests.map((g) => [`${g.type}:${g.vmid}`, g])).values()].sort(
    (a, b) => a.vmid - b.vmid || a.type.localeCompare(b.type),
  );
  const calls = unique.map((g) => `hlc_run ${tool(g.type)} config ${shQuote(String(g.vmid))}`);
  return {
    name: GUEST_CONFIGS,
    command: [RUN_FN, ...calls].join("; "),
    parse(output) {
      const sections = readSections(GUEST_CONFIGS, output);
      return unique.map((g) => {
        const command = `${tool(g.type)} config ${g.vmid}`;
        const s = sections.get(command);
        if (!s) throw new ProbeParseError(GUEST_CONFIGS, `no answer for \`${command}\` in the output`);
        return parseGuestConfig(g, command, s);
      });
    },
  };
}

export interface SubIdRange {
  /** Login name or numeric uid, as written. */
  owner: string;
  start: number;
  count: number;
}

export interface SubIdFile {
  /** false when the file does not exist (no subordinate ids for anyone). */
  exists: boolean;
  ranges: SubIdRange[];
  error: string;
}

export interface SubordinateIds {
  subuid: SubIdFile;
  subgid: SubIdFile;
}

/** /etc/subuid and /etc/subgid of the host (shadow's `name:start:count`). */
export const subordinateIds: Probe<SubordinateIds> = {
  name: SUBORDINATE_IDS,
  command: [RUN_FN, "hlc_run cat /etc/subuid", "hlc_run cat /etc/subgid"].join("; "),
  parse(output) {
    const sections = readSections(SUBORDINATE_IDS, output);
    const file = (path: string): SubIdFile => {
      const s = sections.get(`cat ${path}`);
      if (!s) throw new ProbeParseError(SUBORDINATE_IDS, `no answer for \`cat ${path}\` in the output`);
      if (s.code !== 0) {
        if (/No such file or directory/.test(s.stderr)) return { exists: false, ranges: [], error: s.stderr };
        throw new ProbeParseError(SUBORDINATE_IDS, `cat ${path} exited ${s.code}: ${s.stderr}`);
      }
      return { exists: true, ranges: parseSubIds(path, s.body), error: s.stderr };
    };
    return { subuid: file("/etc/subuid"), subgid: file("/etc/subgid") };
  },
};

export interface Section {
  body: string[];
  stderr: string;
  code: number | null;
}

/** Split hlc_run frames: "--- hlc-probe: CMD ---" ... "--- hlc-probe: exit N ---". */
export function readSections(probe: string, { stdout, stderr, code }: ProbeOutput): Map<string, Section> {
  const out = new Map<string, Section>();
  let current: { cmd: string; body: string[]; err: string[] } | undefined;
  for (const line of stdout.split("\n")) {
    const exit = /^--- hlc-probe: exit (\d+) ---$/.exec(line);
    if (exit && current) {
      out.set(current.cmd, { body: current.body, stderr: current.err.join("\n"), code: Number(exit[1]) });
      current = undefined;
      continue;
    }
    const begin = /^--- hlc-probe: (.+) ---$/.exec(line);
    if (begin) {
      current = { cmd: begin[1]!, body: [], err: [] };
      continue;
    }
    if (!current) {
      if (line.trim() !== "") throw new ProbeParseError(probe, `output outside any frame: ${JSON.stringify(line)}`);
      continue;
    }
    if (line.startsWith("! ")) current.err.push(line.slice(2));
    else if (line.trim() !== "") current.body.push(line);
  }
  if (current) {
    // The batch was cut short (timeout): keep nothing half-read.
    throw new ProbeParseError(probe, `\`${current.cmd}\` did not finish (exit ${code}): ${stderr.trim()}`);
  }
  return out;
}

// PVE option names: lowercase letters, digits and '_' (net0, hostpci0, mp0, lxc.* raw keys have dots).
const LINE = /^([a-z][a-z0-9_]*|lxc\.[a-z0-9_.-]+):\s?(.*)$/;

export function parseGuestConfig(g: GuestRef, command: string, s: Section): GuestConfig {
  const base: GuestConfig = {
    vmid: g.vmid,
    type: g.type,
    command,
    found: s.code === 0,
    exitCode: s.code,
    error: s.stderr,
    options: {},
    lxc: [],
    onboot: false,
    unprivileged: false,
    idmap: [],
    idmapErrors: [],
  };
  if (!base.found) return base;
  for (const line of s.body) {
    const m = LINE.exec(line);
    if (!m) throw new ProbeParseError(GUEST_CONFIGS, `${command}: not a \`key: value\` line: ${JSON.stringify(line)}`);
    const [key, value] = [m[1]!, m[2]!.trim()];
    if (key.startsWith("lxc.")) base.lxc.push({ key, value });
    else base.options[key] = value;
  }
  const o = base.options;
  const name = g.type === "qemu" ? o.name : o.hostname;
  if (name !== undefined) base.name = name;
  base.onboot = pveBoolean(o.onboot ?? "0", command, "onboot");
  if (o.startup !== undefined) {
    base.startupRaw = o.startup;
    const parsed = parseStartup(o.startup);
    if (parsed) base.startup = parsed;
    else base.startupError = `startup: ${JSON.stringify(o.startup)} is not Proxmox's [order=]N,up=N,down=N`;
  }
  if (g.type === "lxc") {
    base.unprivileged = pveBoolean(o.unprivileged ?? "0", command, "unprivileged");
    for (const { key, value } of base.lxc) {
      // lxc.id_map is the pre-LXC-3 spelling Proxmox still reads.
      if (key !== "lxc.idmap" && key !== "lxc.id_map") continue;
      const e = parseIdmapValue(value);
      if (e) base.idmap.push(e);
      else base.idmapErrors.push(value);
    }
  }
  return base;
}

/** Proxmox's boolean spellings (PVE::JSONSchema): 1/0, yes/no, on/off, true/false. */
function pveBoolean(value: string, command: string, key: string): boolean {
  const v = value.toLowerCase();
  if (["1", "yes", "on", "true"].includes(v)) return true;
  if (["0", "no", "off", "false"].includes(v)) return false;
  throw new ProbeParseError(GUEST_CONFIGS, `${command}: ${key}: ${JSON.stringify(value)} is not a boolean`);
}

/** PVE::JSONSchema::pve_parse_startup_order: comma-separated `[order=]N`, `up=N`, `down=N`. */
export function parseStartup(value: string): Startup | undefined {
  const res: Startup = {};
  for (const part of value.split(",")) {
    if (part.trim() === "") continue;
    let m: RegExpExecArray | null;
    if ((m = /^(?:order=)?(\d+)$/.exec(part))) res.order = Number(m[1]);
    else if ((m = /^up=(\d+)$/.exec(part))) res.up = Number(m[1]);
    else if ((m = /^down=(\d+)$/.exec(part))) res.down = Number(m[1]);
    else return undefined;
  }
  return res;
}

/** PVE::LXC::parse_id_maps: `u|g CT HOST COUNT`. */
export function parseIdmapValue(value: string): IdmapEntry | undefined {
  const m = /^([ug])\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(value.trim());
  if (!m) return undefined;
  return { kind: m[1] as "u" | "g", ct: Number(m[2]), host: Number(m[3]), count: Number(m[4]), raw: value.trim() };
}

function parseSubIds(path: string, lines: string[]): SubIdRange[] {
  const ranges: SubIdRange[] = [];
  for (const line of lines) {
    if (/^\s*(#|$)/.test(line)) continue;
    const m = /^([^:\s]+):(\d+):(\d+)\s*$/.exec(line);
    if (!m) throw new ProbeParseError(SUBORDINATE_IDS, `${path}: not a name:start:count line: ${JSON.stringify(line)}`);
    ranges.push({ owner: m[1]!, start: Number(m[2]), count: Number(m[3]) });
  }
  return ranges;
}
