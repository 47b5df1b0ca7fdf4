// §3.2 consumers mount CIFS through a systemd automount "to avoid hard failure on boot if storage is
// temporarily unavailable", §3.3 converge after a reboot with no manual step.
//
// Each access to an automount point whose share is not mounted starts its `.mount` unit. With the
// storage off, every access is a failed start, and systemd's default start limit (5 starts in
// 10 s, DefaultStartLimitBurst/IntervalSec) refuses the 6th ("Start request repeated too
// quickly"): the `.automount` then fails for good with `mount-start-limit-hit`, the path becomes a
// plain empty directory (reads SUCCEED, empty), and it stays so after the storage returns, until
// `systemctl reset-failed`. Seen in the lab (systemd 252): vm100 rebooted with vm102 off, 6 `ls
// /mnt/media` within 2 s. A homelab's own services (healthchecks, library scans) access that fast.
//
// fstab cannot turn it off (no `x-systemd.*` option sets [Unit] StartLimit*): a drop-in for the
// mount unit (or for every mount unit, `/etc/systemd/system/mount.d/*.conf`) with
// `[Unit] StartLimitIntervalSec=0` does. Only the `.mount` unit needs it: the `.automount` is
// started once and fails only because its mount unit was refused.
import { mountUnit as unitFor } from "../../helpers/inventory/sections/mounts.ts";
import { findUnit } from "../../helpers/probes/systemd.ts";
import { DIAGNOSTIC_TIMEOUT_SEC, mountDiagnostics, type Diagnostic } from "../../helpers/spec/diagnostics.ts";
import { mountUnitsProbe } from "../../helpers/probes/network-mounts.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";
import { shQuote } from "../../helpers/transport/shell.ts";

/** systemd's rate limit is off when either the interval or the burst is 0 (ratelimit_enabled()). */
function startLimited(props: { StartLimitBurst?: string; StartLimitIntervalUSec?: string }): boolean | undefined {
  const { StartLimitBurst: burst, StartLimitIntervalUSec: interval } = props;
  if (burst === undefined || interval === undefined) return undefined;
  return !(burst.trim() === "0" || interval.trim() === "0");
}

/** `systemctl cat`: the unit with its drop-ins, where the start limit would be set. */
const systemctlCat = (unit: string): Diagnostic => ({
  what: `systemctl cat ${unit}`,
  command: `timeout ${DIAGNOSTIC_TIMEOUT_SEC} systemctl cat --no-pager -- ${shQuote(unit)}`,
});

export default invariant(
  {
    id: "BOOT-007",
    title: "A network mount cannot be locked out by systemd's start limit",
    must: "The `.mount` unit of every network mount of a consumer MUST have systemd's start-rate limit off (`StartLimitIntervalUSec=0` or `StartLimitBurst=0`, from a drop-in with `[Unit] StartLimitIntervalSec=0`: fstab cannot set it), and its `.automount` MUST NOT be failed with `mount-start-limit-hit`: otherwise a few accesses while the storage is off fail the automount for good and the share stays an empty directory after the storage returns, until a manual `systemctl reset-failed`.",
    fix: (f, node) => { const unit = unitOf(f)?.replace(/\.automount$/, ".mount") ?? `$(systemd-escape -p --suffix=mount ${path(f)})`; return `on ${node.name}: mkdir -p /etc/systemd/system/${unit}.d && printf '[Unit]\\nStartLimitIntervalSec=0\\n' > /etc/systemd/system/${unit}.d/no-start-limit.conf && systemctl daemon-reload && systemctl reset-failed ${unit} ${unit.replace(/\.mount$/, ".automount")}`; },
    section: "§3.2, §3.3",
    family: "boot",
    severity: "critical",
    playbook: "§4.4 CIFS mount failure in a service LXC/VM",
  },
  {
    appliesTo: (node) => (node.mounts?.length ?? 0) > 0,
    reads: (node) => ({ units: mountUnitsProbe(node.mounts!) }),
    check({ node, facts }) {
      const units = facts.units;
      const findings: Finding[] = [];
      for (const m of node.mounts!) {
        const mountUnit = unitFor(m.path);
        const automountUnit = unitFor(m.path, "automount");
        const subject = `${mountUnit} (${m.path}, ${m.source})`;
        if (!units.systemd) {
          findings.push({ subject, expected: "a systemd mount unit without start limit", actual: "the node does not run systemd" });
          continue;
        }
        const u = findUnit(units.units, mountUnit);
        if (!u || u.LoadState !== "loaded") {
          findings.push({ subject, expected: "loaded (from the /etc/fstab line), start limit off", actual: `${u?.LoadState ?? "absent"}` });
          continue;
        }
        const limited = startLimited(u);
        if (limited === undefined) {
          findings.push({ subject, expected: "StartLimitIntervalUSec=0 or StartLimitBurst=0", actual: "systemctl show reports no StartLimitBurst/StartLimitIntervalUSec" });
        } else if (limited) {
          findings.push({
            subject: `${subject} start limit`,
            expected: "off: StartLimitIntervalUSec=0 (a drop-in `[Unit] StartLimitIntervalSec=0`, e.g. /etc/systemd/system/" + mountUnit + ".d/no-start-limit.conf)",
            actual: `StartLimitBurst=${u.StartLimitBurst} in StartLimitIntervalUSec=${u.StartLimitIntervalUSec}: while ${m.source} is unreachable, access ${Number(u.StartLimitBurst) + 1} within ${u.StartLimitIntervalUSec} fails ${automountUnit} for good (mount-start-limit-hit)`,
          });
        }
        const a = findUnit(units.units, automountUnit);
        if (a?.Result === "mount-start-limit-hit") {
          findings.push({
            subject: automountUnit,
            expected: "not locked out",
            actual: `${a.ActiveState}/${a.SubState}, result mount-start-limit-hit: ${m.path} is a plain directory until \`systemctl reset-failed ${mountUnit} ${automountUnit} && systemctl start ${automountUnit}\``,
          });
        }
      }
      return findings;
    },
    // §4.4: findmnt -T, the units' status and journal, and the mount unit with its drop-ins.
    diagnose({ node }, findings) {
      const failed = node.mounts!.filter((m) => findings.length === 0 || findings.some((f) => f.subject.startsWith(`${unitFor(m.path)} `) || f.subject === unitFor(m.path, "automount")));
      return failed.flatMap((m) => [...mountDiagnostics(m.path, { automount: true }), systemctlCat(unitFor(m.path))]);
    },
  },
);

// Where a finding names it (the subject the check above writes), for the fix line.
const path = (f: Finding): string => /\/[^\s,;:()]+/.exec(f.subject)?.[0] ?? "<mount point>";
const unitOf = (f: Finding): string | undefined => /\S+\.(?:automount|mount)\b/.exec(f.subject)?.[0];
