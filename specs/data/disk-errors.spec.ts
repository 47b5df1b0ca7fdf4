// §4.1 Disk failure, symptoms "IO errors, filesystem read-only remount"; §4.2 parity disk
// "unreadable"; §4.3 MergerFS mount failure; §3.1 L1 "all disks mounted": a disk that went
// read-only or logged filesystem errors is failing before SnapRAID notices (a sync onto it fails).
import { diskStateProbe, readOnlyBecause, type DiskRole, type DiskStateFact } from "../../helpers/probes/disk-state.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

const ROLE_WORDS: Record<DiskRole, string> = {
  root: "root filesystem",
  declared: "declared filesystem",
  pool: "MergerFS pool",
  branch: "MergerFS branch",
  data: "SnapRAID data disk",
  parity: "SnapRAID parity",
  "parity+": "SnapRAID parity",
};

const when = (epoch: number) => new Date(epoch * 1000).toISOString().replace(".000Z", "Z");

/** The findings of one node's disk state (pure: unit-tested on captures). */
export function judgeDiskState(f: DiskStateFact): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const e of f.entries) {
    if (!e.mount) {
      findings.push({ subject: `${e.path} (${ROLE_WORDS[e.role]})`, expected: "its filesystem found by findmnt -T", actual: `not read: ${e.error ?? "no answer"}` });
      continue;
    }
    const why = readOnlyBecause(e.mount);
    const key = `${e.mount.target}\0${e.role}`;
    if (why && !seen.has(key)) {
      seen.add(key);
      findings.push({
        subject: `${e.path} (${ROLE_WORDS[e.role]}) on ${e.mount.target} (${e.mount.fstype} on ${e.mount.source})`,
        expected: "mounted read-write",
        actual: `read-only: ${why} (options ${e.mount.options.join(",")}); §4.1: check the disk (smartctl, the kernel log) before remounting`,
      });
    }
  }
  const mountOf = (majMin: string) => f.entries.find((e) => e.mount?.majMin === majMin)?.mount?.target;
  for (const x of f.ext4.filter((x) => x.errors > 0)) {
    const where = mountOf(x.majMin);
    findings.push({
      subject: `ext4 on /dev/${x.device}${where ? ` (${where})` : ""}`,
      expected: "errors_count 0",
      actual: `${x.errors} filesystem error(s) recorded${x.firstErrorTime ? `, first ${when(x.firstErrorTime)}` : ""}${x.lastErrorTime ? `, last ${when(x.lastErrorTime)}` : ""}: run e2fsck on it unmounted (§4.1)`,
    });
  }
  if (findings.length && f.kernel.readable && f.kernel.lines.length) {
    findings.push({ subject: "kernel log since boot", expected: "no disk or filesystem errors", actual: `${f.kernel.lines.length} line(s), last: ${f.kernel.lines[f.kernel.lines.length - 1]}` });
  }
  return findings;
}

export default invariant(
  {
    id: "DATA-021",
    title: "Disks and the pool are mounted read-write and report no filesystem errors",
    must:
      "On every node the root filesystem, and on a storage node every MergerFS branch, the pool, every SnapRAID data disk and parity, MUST be mounted read-write (neither `ro` nor ext4's `emergency_ro`), and every mounted ext4 filesystem MUST report `errors_count` 0; the kernel's disk and filesystem error lines since boot are listed in the evidence.",
    section: "§4.1, §4.2, §4.3, §3.1",
    family: "data",
    severity: "critical",
    fix: (f, node) => /read-write/.test(f.expected) ? `on ${node.name}: §4.1 first: smartctl -a on the disk and journalctl -k for the cause; then fsck the filesystem (unmounted) and mount -o remount,rw ${f.subject.split(" ")[0]}` : /errors_count/.test(f.expected) ? `on ${node.name}: §4.1: smartctl -a on the disk; unmount and e2fsck -f ${f.subject.match(/\/dev\/\S+/)?.[0] ?? "<device>"}, a clean fsck resets the error count` : /kernel/.test(f.subject) ? `on ${node.name}: journalctl -k -b | grep -iE 'i/o error|ext4-fs error' names the device; check it with smartctl -a and replace a failing disk (§4.1)` : `on ${node.name}: findmnt -T ${f.subject.split(" ")[0]} must answer; check the mount`,
    playbook: "§4.1 Disk failure",
  },
  {
    appliesTo: () => true,
    reads: (node) => ({ disks: diskStateProbe(node) }),
    check: ({ node, facts }) => judgeDiskState(facts.disks),
  },
);
