// §1 planned "SMART metrics integration", §6 monthly "Review disk SMART health (once integrated)",
// §7 "SMART monitoring integration", §4.1/§4.2: a disk that reports itself failing is replaced
// before it takes data (or parity) with it. Defect counts and self-tests: DATA-025; the tie of each
// SnapRAID disk to a declared device: DATA-026. SMART unsupported (a virtio disk: "Unable to detect
// device type", exit bit 0) or unreadable fails here, naming smartctl's reason, never passed.
import { exitBits, unreadable, type SmartHealth } from "../../helpers/probes/smart.ts";
import { smartProbe } from "../../helpers/probes/smart.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

const named = (h: SmartHealth) => {
  const id = [h.model, h.serial ? `serial ${h.serial}` : undefined].filter(Boolean).join(", ");
  return `${h.device}${h.type ? ` (-d ${h.type})` : ""}${id ? ` [${id}]` : ""}`;
};
const said = (h: SmartHealth) => (h.messages.length ? `: ${h.messages.map((m) => m.string).join("; ")}` : "");

/** What is wrong with one disk's answer (undefined = healthy). */
export function judgeDisk(h: SmartHealth): Finding | undefined {
  const subject = `disk ${named(h)}`;
  const expected = "SMART overall-health self-assessment PASSED";
  if (!h.json) {
    return { subject, expected, actual: `smartctl gave no JSON (exit status ${h.exitStatus}; smartmontools 7.0 or later is needed for -j): ${JSON.stringify(h.text ?? "")}` };
  }
  if (h.passed === false || (h.exitStatus & 8) !== 0) {
    return { subject, expected, actual: `FAILED: the disk reports it is failing (smartctl exit status ${h.exitStatus}: ${exitBits(h.exitStatus).join("; ")})${said(h)}; copy its data off and replace it (§4.1, §4.2)` };
  }
  if (unreadable(h.exitStatus)) {
    return { subject, expected, actual: `could not be read (smartctl exit status ${h.exitStatus}: ${exitBits(h.exitStatus).join("; ")})${said(h)}` };
  }
  if (h.passed === undefined) {
    return { subject, expected, actual: `no health status in smartctl's answer (SMART unsupported or disabled on this device?)${said(h)}` };
  }
  return undefined;
}

export default invariant(
  {
    id: "DATA-010",
    title: "Disks report SMART health PASSED",
    must: "Every disk declared under `storage.smart.devices` MUST answer `smartctl -j -a [-d TYPE]` (the same one call per disk DATA-025 reads; no exit-status bit 0-2: the command parsed, the device opened, the SMART command succeeded) and its `smart_status.passed` MUST be true (exit-status bit 3 \"DISK FAILING\" fails); a failing or unreadable disk fails naming the device and, when known, its model and serial.",
    fix: (f, node) => `on ${node.name}: smartctl -a ${f.actual.match(/\/dev\/\S+/)?.[0] ?? "<device>"} for the details; replace a failing disk, then restore its data: snapraid -d <disk name> -l fix.log fix`,
    section: "§1, §6, §7, §4.1",
    family: "data",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.storage?.smart !== undefined,
    planned: (node) =>
      node.storage?.snapraid && !node.storage.smart
        ? "planned in §1/§6 (SMART integration): declare storage.smart.devices (the array's disks, on the node that sees them) to check their SMART health"
        : undefined,
    reads: (node) => ({ smart: smartProbe(node.storage!.smart!) }),
    check({ node, facts }) {
      const f = facts.smart;
      if (!f.smartctl) return [{ subject: "smartctl", expected: "installed (smartmontools ≥ 7.0)", actual: "not found on the node: no disk's SMART health can be read" }];
      return f.devices.map(judgeDisk).filter((x): x is Finding => x !== undefined);
    },
  },
);
