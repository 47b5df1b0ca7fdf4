// §3.2 "Consumers: systemd automount for CIFS; no hard failure on boot if storage is unavailable",
// §3.3 converge after a reboot with no manual step.
import { exampleMountUnits, exampleNetworkMounts } from "../../helpers/facts/planners/mounts.ts";
import { escapePath } from "../../helpers/inventory/sections/mounts.ts";
import { option, timeSpanSec } from "../../helpers/probes/network-mounts.ts";
import { findUnit } from "../../helpers/probes/systemd.ts";
import { mountDiagnostics } from "../../helpers/spec/diagnostics.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

invariant(
  {
    id: "BOOT-004",
    title: "Network mounts are systemd automounts that never block the boot",
    must: "Every network mount of a consumer MUST be a systemd automount: its /etc/fstab line MUST carry `x-systemd.automount`, `_netdev`, `nofail` and an `x-systemd.mount-timeout` no longer than declared, and its `.automount` unit MUST be active.",
    section: "§3.2, §3.3",
    family: "boot",
    severity: "critical",
    playbook: "§4.4 CIFS mount failure in a service LXC/VM",
  },
  {
    appliesTo: (node) => (node.mounts?.length ?? 0) > 0,
    probes: [exampleNetworkMounts, exampleMountUnits],
    check({ node, fact }) {
      const decl = node.mounts!;
      const nm = fact(exampleNetworkMounts);
      const units = fact(exampleMountUnits);
      const findings: Finding[] = [];
      for (const m of decl) {
        const subject = `${m.path} (${m.source})`;
        const lines = nm.fstab.filter((e) => e.target === m.path);
        if (lines.length === 0) {
          findings.push({ subject, expected: "an /etc/fstab line for the mount point", actual: "no /etc/fstab line" });
          continue;
        }
        const e = lines.at(-1)!;
        const missing = ["x-systemd.automount", "_netdev", "nofail"].filter((o) => option(e.options, o) === undefined);
        if (missing.length > 0) {
          findings.push({ subject: `${subject} /etc/fstab options`, expected: "x-systemd.automount, _netdev, nofail", actual: `missing ${missing.join(", ")} (options: ${e.options.join(",")})` });
        }
        const t = option(e.options, "x-systemd.mount-timeout");
        const sec = typeof t === "string" ? timeSpanSec(t) : undefined;
        if (t === undefined) {
          findings.push({ subject: `${subject} x-systemd.mount-timeout`, expected: `≤ ${m.maxMountTimeoutSec}s`, actual: "not set (systemd's default of 90s blocks the mount that long)" });
        } else if (sec === undefined || sec > m.maxMountTimeoutSec) {
          findings.push({ subject: `${subject} x-systemd.mount-timeout`, expected: `≤ ${m.maxMountTimeoutSec}s`, actual: String(t) });
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
