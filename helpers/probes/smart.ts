// SMART health of declared disks (§1 planned "SMART metrics integration", §6 monthly "Review disk
// SMART health"): `smartctl -j -H -i [-d TYPE] DEVICE` per disk (smartmontools ≥ 7.0 for -j).
// -H asks the drive for its overall-health self-assessment; -i adds model and serial so a failing
// disk can be named. Both are read-only (no self-test is started, no setting is changed).
//
// smartctl's exit status is a bit mask (smartctl(8), "RETURN VALUES"); the JSON repeats it as
// smartctl.exit_status:
//   bit 0 command line did not parse, bit 1 device open failed, bit 2 a SMART or other command to
//   the disk failed — the first three mean "could not read the disk";
//   bit 3 SMART status "DISK FAILING"; bit 4 prefail attributes <= threshold; bit 5 attributes were
//   <= threshold in the past; bit 6 the device error log has errors; bit 7 the self-test log has errors.
// Captures (real smartctl JSON): fixtures/captured/smartctl/.
import { shQuote } from "../transport/shell.ts";
import type { SmartDecl } from "../inventory/sections/storage.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

export const NO_SMARTCTL_MARKER = "hlc-smart: no smartctl";
const DEV = "hlc-smart: device ";
const EXIT = "hlc-smart: exit ";

export interface SmartDevice {
  device: string;
  type?: string;
}

export interface SmartMessage {
  string: string;
  severity?: string;
}

export interface SmartHealth {
  device: string;
  type?: string;
  /** smartctl's exit status (the shell's; smartctl.exit_status when the JSON has it). */
  exitStatus: number;
  /** False when smartctl printed no JSON (smartctl < 7.0, or a crash): see `text`. */
  json: boolean;
  /** smart_status.passed; undefined when the drive gave no health status (unreadable, SMART unsupported). */
  passed?: boolean;
  model?: string;
  serial?: string;
  /** device.info_name, e.g. "/dev/sda [SAT]". */
  infoName?: string;
  /** smartctl.messages (errors and warnings, e.g. "Smartctl open device: /dev/sdz [SAT] failed: No such device"). */
  messages: SmartMessage[];
  /** smartctl's output when it is not JSON (first 500 characters). */
  text?: string;
}

export type SmartFact = { smartctl: false } | { smartctl: true; devices: SmartHealth[] };

const EXIT_BITS: Array<[number, string]> = [
  [1, "command line did not parse"],
  [2, "device open failed"],
  [4, "a SMART or other command to the disk failed"],
  [8, "SMART status DISK FAILING"],
  [16, "prefail attributes at or below threshold"],
  [32, "attributes were at or below threshold in the past"],
  [64, "the device error log has errors"],
  [128, "the self-test log has errors"],
];

/** The meaning of each bit set in smartctl's exit status, e.g. 216 → ["bit 3: SMART status DISK FAILING", …]. */
export function exitBits(status: number): string[] {
  return EXIT_BITS.filter(([bit]) => (status & bit) !== 0).map(([bit, what]) => `bit ${Math.log2(bit)}: ${what}`);
}

/** Bits 0-2: smartctl could not read the disk's health at all. */
export const unreadable = (status: number) => (status & 7) !== 0;

export function smartHealth(devices: SmartDevice[]): Probe<SmartFact> {
  if (devices.length === 0) throw new Error("smartHealth: no devices given");
  const parts = devices.map((d) => {
    const args = ["-j", "-H", "-i", ...(d.type ? ["-d", d.type] : []), "--", d.device].map((a) => (a.startsWith("-") ? a : shQuote(a))).join(" ");
    return `echo ${shQuote(`${DEV}${d.device}${d.type ? ` ${d.type}` : ""}`)}; smartctl ${args}; echo "${EXIT}$?"`;
  });
  // smartctl lives in /usr/sbin, outside a non-root login's PATH.
  const command = `PATH="$PATH:/usr/sbin:/sbin"; if ! command -v smartctl >/dev/null 2>&1; then echo '${NO_SMARTCTL_MARKER}'; exit 0; fi; ${parts.join("; ")}`;
  return { name: "smart-health", command, parse: (o) => parseSmartOutput(devices, o) };
}

export function parseSmartOutput(devices: SmartDevice[], { stdout, stderr, code }: ProbeOutput): SmartFact {
  const name = "smart-health";
  if (code === 0 && stdout.trim() === NO_SMARTCTL_MARKER) return { smartctl: false };
  if (code !== 0) throw new ProbeParseError(name, `exited ${code}: ${stderr.trim()}`);
  const out: SmartHealth[] = [];
  const lines = stdout.split("\n");
  let i = 0;
  for (const d of devices) {
    const header = `${DEV}${d.device}${d.type ? ` ${d.type}` : ""}`;
    while (i < lines.length && lines[i] === "") i++;
    if (lines[i] !== header) throw new ProbeParseError(name, `expected ${JSON.stringify(header)}, got ${JSON.stringify(lines[i] ?? "end of output")}`);
    i++;
    const body: string[] = [];
    while (i < lines.length && !lines[i]!.startsWith(EXIT)) body.push(lines[i++]!);
    const exit = /^hlc-smart: exit (\d+)$/.exec(lines[i] ?? "");
    if (!exit) throw new ProbeParseError(name, `no exit status after ${d.device}`);
    i++;
    out.push(parseSmartctlJson(d, body.join("\n"), Number(exit[1])));
  }
  return { smartctl: true, devices: out };
}

/** One device's `smartctl -j …` output (and exit status) → its health. Never throws on smartctl's own errors: they are facts. */
export function parseSmartctlJson(d: SmartDevice, text: string, exitStatus: number): SmartHealth {
  const base = { device: d.device, ...(d.type ? { type: d.type } : {}) };
  let j: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
    j = v as Record<string, unknown>;
  } catch {
    return { ...base, exitStatus, json: false, messages: [], text: text.trim().slice(0, 500) };
  }
  const sc = obj(j.smartctl);
  const status = typeof sc.exit_status === "number" ? sc.exit_status : exitStatus;
  const messages = Array.isArray(sc.messages)
    ? sc.messages.map((m) => obj(m)).filter((m) => typeof m.string === "string").map((m) => ({ string: m.string as string, ...(typeof m.severity === "string" ? { severity: m.severity } : {}) }))
    : [];
  const ss = obj(j.smart_status);
  const dev = obj(j.device);
  const h: SmartHealth = { ...base, exitStatus: status, json: true, messages };
  if (typeof ss.passed === "boolean") h.passed = ss.passed;
  if (typeof j.model_name === "string") h.model = j.model_name;
  if (typeof j.serial_number === "string") h.serial = j.serial_number;
  if (typeof dev.info_name === "string") h.infoName = dev.info_name;
  return h;
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function smartProbe(smart: SmartDecl): Probe<SmartFact> {
  return smartHealth(smart.devices);
}
