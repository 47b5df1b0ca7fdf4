// §1 planned "SMART metrics integration", §6 monthly "Review disk SMART health (once integrated)",
// §7 "SMART monitoring integration", §4.1 (a data disk failing): the overall-health flag (DATA-010)
// turns FAILED late — a drive passes its own self-assessment with hundreds of reallocated sectors
// (smartctl_exporter's ST3500418AS capture: 304, PASSED). What the operator reviews monthly is
// what this judges: sectors that went bad (reallocated, pending, offline-uncorrectable; NVMe media
// errors and critical warnings), and whether the disk passed a self-test recently.
//
// Its own invariant, not more findings of DATA-010: DATA-010 is the drive's verdict on itself
// (nothing to declare, replace the disk); this one is the operator's policy (allowances and a
// self-test cadence declared in storage.smart, fixed by scheduling tests in smartd as often as by
// replacing a disk). Both read the same one smartctl call per disk (the smart-health probe).
//
// A disk whose SMART could not be read (no JSON, exit bits 0-2, SMART unsupported as on a virtio
// disk) fails here too, naming why, as it fails DATA-010: nothing unread is passed.
import { exitBits, unreadable, type SmartHealth } from "../../helpers/probes/smart.ts";
import { smartProbe } from "../../helpers/probes/smart.ts";
import type { SmartDecl } from "../../helpers/inventory/sections/storage.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

const named = (h: SmartHealth) => {
  const id = [h.model, h.serial ? `serial ${h.serial}` : undefined].filter(Boolean).join(", ");
  return `${h.device}${h.type ? ` (-d ${h.type})` : ""}${id ? ` [${id}]` : ""}`;
};

/** NVMe SMART/health log "Critical Warning" bits (NVMe Base Specification, SMART / Health Information log, byte 0). */
const NVME_WARNINGS: Array<[number, string]> = [
  [0x01, "available spare below its threshold"],
  [0x02, "temperature outside its thresholds"],
  [0x04, "NVM subsystem reliability degraded (media or internal errors)"],
  [0x08, "media placed in read-only mode"],
  [0x10, "volatile memory backup device failed"],
  [0x20, "persistent memory region read-only or unreliable"],
];

/** ATA self-test log stamps are the low 16 bits of the power-on hours (they wrap past 65535). */
export function selfTestAgeHours(powerOnHours: number, stamp: number, wraps: boolean): number {
  if (!wraps) return powerOnHours - stamp;
  return (((powerOnHours - stamp) % 65536) + 65536) % 65536;
}

const days = (h: number) => `${Math.floor(h / 24)}d ${h % 24}h`;

/** The findings of one disk (pure: unit-tested on real captures). */
export function judgeDefects(h: SmartHealth, decl: SmartDecl): Finding[] {
  const subject = `disk ${named(h)}`;
  if (!h.json) {
    return [{ subject, expected: "SMART attributes and self-test log read", actual: `not read: smartctl gave no JSON (exit status ${h.exitStatus}; smartmontools 7.0 or later is needed for -j)` }];
  }
  if (unreadable(h.exitStatus)) {
    const said = h.messages.length ? `: ${h.messages.map((m) => m.string).join("; ")}` : "";
    return [{ subject, expected: "SMART attributes and self-test log read", actual: `not read (smartctl exit status ${h.exitStatus}: ${exitBits(h.exitStatus).join("; ")})${said}` }];
  }
  const out: Finding[] = [];
  const allowReal = decl.devices.find((d) => d.device === h.device && d.type === h.type)?.maxReallocated ?? decl.maxReallocated;
  const over = (what: string, n: number | undefined, max: number, key: string) => {
    if (n !== undefined && n > max) out.push({ subject, expected: `${what} at most ${max} (${key})`, actual: `${n}` });
  };
  const proto = h.protocol ?? (h.nvme ? "NVMe" : "ATA");
  if (proto === "ATA") {
    if (h.reallocated === undefined && h.pending === undefined && h.offlineUncorrectable === undefined) {
      out.push({ subject, expected: "ATA attributes 5, 197, 198 read", actual: "none in smartctl's answer (no attribute table: SMART unsupported or disabled on this device?)" });
    }
    over("reallocated sectors (attribute 5 Reallocated_Sector_Ct, raw)", h.reallocated, allowReal, "storage.smart.maxReallocated");
    over("pending sectors (attribute 197 Current_Pending_Sector, raw)", h.pending, decl.maxPending, "storage.smart.maxPending");
    over("offline-uncorrectable sectors (attribute 198 Offline_Uncorrectable, raw)", h.offlineUncorrectable, decl.maxUncorrectable, "storage.smart.maxUncorrectable");
  } else if (proto === "NVMe") {
    if (!h.nvme) {
      out.push({ subject, expected: "NVMe SMART/health log read", actual: "none in smartctl's answer" });
    } else {
      const n = h.nvme;
      const bits = NVME_WARNINGS.filter(([b]) => (n.criticalWarning & b) !== 0).map(([, w]) => w);
      if (n.criticalWarning !== 0) out.push({ subject, expected: "NVMe critical warning 0x00", actual: `0x${n.criticalWarning.toString(16).padStart(2, "0")}: ${bits.join("; ") || "unknown bit"}` });
      if (n.availableSpare < n.availableSpareThreshold) out.push({ subject, expected: `NVMe available spare at or above its threshold ${n.availableSpareThreshold}%`, actual: `${n.availableSpare}%` });
      over("NVMe media and data integrity errors", n.mediaErrors, decl.maxUncorrectable, "storage.smart.maxUncorrectable");
    }
  } else if (proto === "SCSI") {
    if (h.grownDefects === undefined) out.push({ subject, expected: "SCSI grown defect list read", actual: "none in smartctl's answer" });
    over("grown defects (SCSI grown defect list)", h.grownDefects, allowReal, "storage.smart.maxReallocated");
  } else {
    out.push({ subject, expected: "an ATA, NVMe or SCSI disk", actual: `protocol ${JSON.stringify(proto)}: its defect counters are not read by this check` });
  }

  const maxH = decl.maxSelfTestAgeDays * 24;
  const selfTest = `a completed self-test that passed within ${decl.maxSelfTestAgeDays} days of power-on time (storage.smart.maxSelfTestAgeDays)`;
  if (!h.selfTests) {
    const why = proto === "NVMe" ? " (smartctl reads an NVMe self-test log from smartmontools 7.4 on)" : proto === "SCSI" ? " (a SCSI self-test log is not read by this check)" : "";
    out.push({ subject, expected: selfTest, actual: `no self-test log in smartctl's answer${why}` });
    return out;
  }
  const last = h.selfTests.find((t) => t.passed !== undefined);
  if (!last) {
    const seen = h.selfTests.length ? `; the log holds only aborted or interrupted tests (newest: ${h.selfTests[0]!.type}, ${h.selfTests[0]!.status})` : ": the log is empty";
    out.push({ subject, expected: selfTest, actual: `no completed self-test${seen}` });
    return out;
  }
  const age = h.powerOnHours !== undefined ? selfTestAgeHours(h.powerOnHours, last.hours, last.wraps) : undefined;
  const when = age !== undefined ? `${days(age)} of power-on time ago (at ${last.hours} h; the disk is at ${h.powerOnHours} h)` : `at ${last.hours} h`;
  if (!last.passed) {
    out.push({ subject, expected: "its last completed self-test passed", actual: `${last.type} self-test ${when}: ${last.status}${last.lba !== undefined ? `, first failing LBA ${last.lba}` : ""}` });
  } else if (age === undefined) {
    out.push({ subject, expected: selfTest, actual: `last passed ${last.type} self-test at ${last.hours} h; the disk's power-on hours are not in smartctl's answer, so its age is unknown` });
  } else if (age > maxH) {
    out.push({ subject, expected: selfTest, actual: `last passed ${last.type} self-test ${when}` });
  }
  return out;
}

const deviceOf = (f: Finding) => f.subject.match(/\/dev\/\S+/)?.[0] ?? "<device>";
const typeOf = (f: Finding) => f.subject.match(/\(-d (\S+)\)/)?.[1];

export default invariant(
  {
    id: "DATA-025",
    title: "Disks show no growing defects and pass recent self-tests",
    must:
      "Every disk declared under `storage.smart.devices` MUST, in `smartctl -j -a [-d TYPE]`, show no more reallocated sectors (ATA attribute 5 raw, SAS grown defect list) than `maxReallocated` (per disk or for the node; default 0), no more pending (ATA 197) than `maxPending` and no more offline-uncorrectable sectors (ATA 198) or NVMe media errors than `maxUncorrectable` (default 0 each), no NVMe critical warning and an NVMe available spare at or above its threshold; and its self-test log's newest completed test MUST have passed and have ended within `maxSelfTestAgeDays` (default 31, §6 monthly) of the disk's power-on hours. A disk whose attributes or self-test log cannot be read fails, naming why.",
    fix: (f, node) => {
      const dev = deviceOf(f);
      const d = typeOf(f) ? ` -d ${typeOf(f)}` : "";
      if (/ read$|^an ATA, NVMe or SCSI disk$/.test(f.expected)) return `on ${node.name}: smartctl${d} -a ${dev} must show the disk's attributes and logs; pass the disk (its controller) through to this node or set storage.smart.devices[].type`;
      if (/self-test/.test(f.expected) && /passed$/.test(f.expected)) {
        return `on ${node.name}: smartctl${d} -l selftest ${dev} names the failing LBA; copy the disk's data off and replace it, then snapraid -d <disk name> -l fix.log fix (§4.1)`;
      }
      if (/self-test/.test(f.expected)) {
        return `on ${node.name}: smartctl${d} -t long ${dev} now (read the result with smartctl -l selftest ${dev} when it ends), and schedule tests in /etc/smartd.conf: ${dev}${d} -a -s (S/../.././02|L/../../6/03) -m root, then systemctl restart smartd`;
      }
      return `on ${node.name}: the disk is losing sectors: smartctl${d} -t long ${dev}, snapraid -d <disk name> check (or scrub), and plan its replacement (§4.1); if the count is old and stable, declare it as storage.smart.devices[].maxReallocated`;
    },
    section: "§1, §6, §7, §4.1",
    family: "data",
    severity: "critical",
    playbook: "§4.1 Disk failure",
  },
  {
    appliesTo: (node) => node.storage?.smart !== undefined,
    planned: (node) =>
      node.storage?.snapraid && !node.storage.smart
        ? "planned in §1/§6 (SMART integration): declare storage.smart.devices (the array's disks, on the node that sees them) to check defects and self-tests"
        : undefined,
    reads: (node) => ({ smart: smartProbe(node.storage!.smart!) }),
    check({ node, facts }) {
      const f = facts.smart;
      if (!f.smartctl) return [{ subject: "smartctl", expected: "installed (smartmontools ≥ 7.0)", actual: "not found on the node: no disk's attributes or self-test log can be read" }];
      return f.devices.flatMap((h) => judgeDefects(h, node.storage!.smart!));
    },
  },
);
