// §3.2 "Consumers: systemd automount for CIFS; no hard failure on boot if storage is unavailable",
// §3.3 converge after a reboot with no manual step.
import { escapePath } from "../../helpers/inventory/sections/mounts.ts";
import { mountDefinition, timeSpanSec } from "../../helpers/probes/network-mounts.ts";
import { findUnit } from "../../helpers/probes/systemd.ts";
import { mountDiagnostics } from "../../helpers/spec/diagnostics.ts";
import { mountUnitsProbe, networkMountsProbe } from "../../helpers/probes/network-mounts.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

export default invariant(
  {
    id: "BOOT-004",
    title: "Network mounts are systemd automounts that never block the boot",
    must: "Every network mount of a consumer MUST be a systemd automount: its /etc/fstab line MUST carry `x-systemd.automount`, `_netdev`, `nofail` and an `x-systemd.mount-timeout` no longer than declared — or, defined by explicit unit files instead, an `.automount` unit file MUST arm a `.mount` unit that no target pulls in, ordered after the network (`_netdev`, a network file system type or `After=network-online.target`), with a `TimeoutSec=` no longer than declared — and its `.automount` unit MUST be active.",
    fix: (f, node) => /options|x-systemd|nofail|_netdev|timeout/.test(`${f.subject} ${f.expected}`) && !/\.automount$/.test(f.subject) ? `on ${node.name}, in /etc/fstab give the ${path(f)} line the options x-systemd.automount,_netdev,nofail,x-systemd.mount-timeout=<declared seconds>s (wanted: ${f.expected}); then: systemctl daemon-reload && systemctl restart remote-fs.target` : `on ${node.name}: systemctl daemon-reload && systemctl enable --now ${unitOf(f) ?? `$(systemd-escape -p --suffix=automount ${path(f)})`} (wanted: ${f.expected})`,
    section: "§3.2, §3.3",
    family: "boot",
    severity: "critical",
    playbook: "§4.4 CIFS mount failure in a service LXC/VM",
  },
  {
    appliesTo: (node) => (node.mounts?.length ?? 0) > 0,
    reads: (node) => ({ networkMounts: networkMountsProbe(node.mounts!), units: mountUnitsProbe(node.mounts!) }),
    check({ node, facts }) {
      const decl = node.mounts!;
      const nm = facts.networkMounts;
      const units = facts.units;
      const findings: Finding[] = [];
      for (const m of decl) {
        const subject = `${m.path} (${m.source})`;
        const e = mountDefinition(nm, m.path);
        if (!e) {
          findings.push({ subject, expected: "an /etc/fstab line (or explicit .mount/.automount units) for the mount point", actual: "no /etc/fstab line and no mount unit file" });
          continue;
        }
        if (e.kind === "fstab") {
          const missing = [["x-systemd.automount", e.automount], ["_netdev", e.netdev], ["nofail", e.nofail]].filter(([, ok]) => !ok).map(([o]) => o);
          if (missing.length > 0) {
            findings.push({ subject: `${subject} /etc/fstab options`, expected: "x-systemd.automount, _netdev, nofail", actual: `missing ${missing.join(", ")} (options: ${e.options.join(",")})` });
          }
        } else {
          const missing = [
            [`an .automount unit file for ${m.path}`, e.automount],
            ["ordered after the network (_netdev, a network file system type or After=network-online.target)", e.netdev],
            ["pulled in by no target (no [Install] WantedBy=/RequiredBy= on the .mount: only its automount starts it)", e.nofail],
          ].filter(([, ok]) => !ok).map(([o]) => o);
          if (missing.length > 0) findings.push({ subject: `${subject} ${e.origin}`, expected: "an automount that never blocks the boot", actual: `not ${missing.join("; not ")} (${e.line})` });
        }
        const t = e.timeout;
        const sec = t !== undefined ? timeSpanSec(t) : undefined;
        const key = e.kind === "fstab" ? "x-systemd.mount-timeout" : "TimeoutSec";
        if (t === undefined) {
          findings.push({ subject: `${subject} ${key}`, expected: `≤ ${m.maxMountTimeoutSec}s`, actual: "not set (systemd's default of 90s blocks the mount that long)" });
        } else if (sec === undefined || sec > m.maxMountTimeoutSec) {
          findings.push({ subject: `${subject} ${key}`, expected: `≤ ${m.maxMountTimeoutSec}s`, actual: String(t) });
        }
        const unit = `${escapePath(m.path)}.automount`;
        if (!units.systemd) {
          findings.push({ subject: unit, expected: "active", actual: "the node does not run systemd" });
          continue;
        }
        const u = findUnit(units.units, unit);
        if (!u || u.LoadState !== "loaded") {
          findings.push({ subject: unit, expected: "loaded and active", actual: `${u?.LoadState ?? "absent"} (no automount unit: the share is a plain mount)` });
        } else if (u.ActiveState !== "active") {
          findings.push({ subject: unit, expected: "active", actual: `${u.ActiveState}/${u.SubState}; see \`systemctl status ${unit}\`` });
        }
      }
      return findings;
    },
    // §4.4: findmnt -T <path>, the automount and mount units and their journal, per failed mount.
    diagnose({ node }, findings) {
      const failed = node.mounts!.filter((m) => findings.length === 0 || findings.some((f) => f.subject.startsWith(`${m.path} `) || f.subject.startsWith(`${escapePath(m.path)}.`)));
      return failed.flatMap((m) => mountDiagnostics(m.path, { automount: true }));
    },
  },
);

// Where a finding names it (the subject the check above writes), for the fix line.
const path = (f: Finding): string => /\/[^\s,;:()]+/.exec(f.subject)?.[0] ?? "<mount point>";
const unitOf = (f: Finding): string | undefined => /\S+\.(?:automount|mount)\b/.exec(f.subject)?.[0];
