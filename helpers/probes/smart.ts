// SMART health of declared disks (§1 planned "SMART metrics integration", §6 monthly "Review disk
// SMART health"): `smartctl -j -a [-d TYPE] DEVICE`, one call per disk (smartmontools ≥ 7.0 for -j).
// -a is -H (the drive's overall-health self-assessment, DATA-010), -i (model and serial, to name
// a disk), -A (the attribute table / NVMe health log) and the error and self-test logs (DATA-025).
// All read-only: no self-test is started, no setting is changed.
//
// The JSON fields read, as smartmontools writes them (smartmontools/smartmontools, src/ataprint.cpp
// and src/nvmeprint.cpp at RELEASE_7_4 0c0bada5eedb759c9d7bb50ff54959cf0809c5a9; the JSON layout
// is documented in smartctl(8), "-j"):
// - ATA: `ata_smart_attributes.table[]` {id, name, raw.value}; id 5 Reallocated_Sector_Ct,
//   197 Current_Pending_Sector, 198 Offline_Uncorrectable (the names are the drive database's
//   defaults; the id is what the standard fixes). `power_on_time.hours`.
//   `ata_smart_self_test_log.standard.table[]` (-a reads the standard log; -x reads `extended`),
//   newest first, each {type.string, status {value, string, passed?, remaining_percent?},
//   lifetime_hours, lba?}. ataprint.cpp sets `status.passed` only for a test that ran to its end:
//   status>>4 of 1-3 (aborted by host, interrupted by reset, fatal/unknown) have no `passed`;
//   0xf ("Self-test routine in progress") is the running test. lifetime_hours is the log's 16-bit
//   power-on-hours stamp (ACS "life timestamp"): past 65535 hours it wraps.
// - NVMe: `nvme_smart_health_information_log` {critical_warning, available_spare,
//   available_spare_threshold, media_errors}; `nvme_self_test_log.table[]` (newest first; unused
//   slots skipped, so holes are null) {self_test_code.string, self_test_result {value, string},
//   power_on_hours}; result 0 completed without error, 6-7 completed with failed segments, 1-5/8/9
//   aborted or "fatal or unknown" (read here like ATA's 1-3: no verdict). smartctl reads
//   the NVMe self-test log only from 7.4 on (-a includes it there; 7.3's -a does not).
// - SCSI/SAS: `scsi_grown_defect_list` (the grown defect list: sectors remapped since manufacture).
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
  /** device.protocol: "ATA", "NVMe", "SCSI". */
  protocol?: string;
  /** power_on_time.hours. */
  powerOnHours?: number;
  /** ATA attributes 5, 197, 198 (raw values), when the attribute table has them. */
  reallocated?: number;
  pending?: number;
  offlineUncorrectable?: number;
  /** SCSI: scsi_grown_defect_list. */
  grownDefects?: number;
  /** NVMe SMART/health log, when present. */
  nvme?: { criticalWarning: number; availableSpare: number; availableSpareThreshold: number; mediaErrors: number };
  /** The self-test log, newest first (in-progress entries left out); undefined when smartctl printed none. */
  selfTests?: SelfTest[];
}

export interface SelfTest {
  type: string;
  status: string;
  /** True/false for a test that ran to its end; undefined for an aborted or interrupted one. */
  passed?: boolean;
  /** The disk's power-on hours when the test ended, as the log stamps it. */
  hours: number;
  /** ATA standard/extended log stamps are 16 bits (wrap at 65536); NVMe's are 64. */
  wraps: boolean;
  lba?: number;
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
    const args = ["-j", "-a", ...(d.type ? ["-d", d.type] : []), "--", d.device].map((a) => (a.startsWith("-") ? a : shQuote(a))).join(" ");
    return `echo ${shQuote(`${DEV}${d.device}${d.type ? ` ${d.type}` : ""}`)}; smartctl ${args}; echo "${EXIT}$?"`;
  });
  // smartctl lives in /usr/sbin, outside a non-root login's PATH.
  const command = `PATH="$PATH:/usr/sbin:/sbin"; if ! command -v smartctl >/dev/null 2>&1; then echo '${NO_SMARTCTL_MARKER}'; exit 0; fi; ${parts.join("; ")}`;
  // slow: an array disk in standby spins up for smartctl (seconds each, one after another), and a
  // failing disk can stall a command until the kernel's timeout; the node's quick facts come first.
  return { name: "smart-health", command, parse: (o) => parseSmartOutput(devices, o), slow: true };
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
  if (typeof dev.protocol === "string") h.protocol = dev.protocol;
  const poh = num(obj(j.power_on_time).hours);
  if (poh !== undefined) h.powerOnHours = poh;
  const table = obj(j.ata_smart_attributes).table;
  if (Array.isArray(table)) {
    const raw = (id: number) => num(obj(obj(table.map(obj).find((a) => a.id === id)).raw).value);
    const [r, p, u] = [raw(5), raw(197), raw(198)];
    if (r !== undefined) h.reallocated = r;
    if (p !== undefined) h.pending = p;
    if (u !== undefined) h.offlineUncorrectable = u;
  }
  const gd = num(j.scsi_grown_defect_list);
  if (gd !== undefined) h.grownDefects = gd;
  const nv = obj(j.nvme_smart_health_information_log);
  const [cw, sp, th, me] = [num(nv.critical_warning), num(nv.available_spare), num(nv.available_spare_threshold), num(nv.media_errors)];
  if (cw !== undefined && sp !== undefined && th !== undefined && me !== undefined) h.nvme = { criticalWarning: cw, availableSpare: sp, availableSpareThreshold: th, mediaErrors: me };
  const tests = selfTestLog(j);
  if (tests) h.selfTests = tests;
  return h;
}

/** The self-test log smartctl printed (ATA standard or extended, or NVMe), newest first, running tests left out. */
function selfTestLog(j: Record<string, unknown>): SelfTest[] | undefined {
  const ata = obj(j.ata_smart_self_test_log);
  const log = "standard" in ata ? obj(ata.standard) : "extended" in ata ? obj(ata.extended) : undefined;
  if (log) {
    // A log with no entries has no `table` (count 0).
    const rows = Array.isArray(log.table) ? log.table.map(obj) : [];
    return rows
      .filter((r) => (num(obj(r.status).value) ?? 0) >> 4 !== 0xf)
      .map((r) => {
        const st = obj(r.status);
        const t: SelfTest = { type: str(obj(r.type).string) ?? "?", status: str(st.string) ?? "?", hours: num(r.lifetime_hours) ?? 0, wraps: true };
        if (typeof st.passed === "boolean") t.passed = st.passed;
        const lba = num(r.lba);
        if (lba !== undefined) t.lba = lba;
        return t;
      });
  }
  const nv = j.nvme_self_test_log;
  if (nv === undefined) return undefined;
  const rows = Array.isArray(obj(nv).table) ? (obj(nv).table as unknown[]).filter((r) => r !== null).map(obj) : [];
  return rows.map((r) => {
    const res = obj(r.self_test_result);
    const v = num(res.value);
    const t: SelfTest = { type: str(obj(r.self_test_code).string) ?? "?", status: str(res.string) ?? "?", hours: num(r.power_on_hours) ?? 0, wraps: false };
    if (v === 0) t.passed = true;
    else if (v === 6 || v === 7) t.passed = false; // 1-5, 8, 9: aborted or "fatal or unknown", no verdict (as ATA's 1-3)
    return t;
  });
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

function obj(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function smartProbe(smart: SmartDecl): Probe<SmartFact> {
  return smartHealth(smart.devices);
}
