// §4.4 "`systemctl --failed` shows mount/automount unit failure", §3.3 converge with no manual step.
import { failedUnits, podmanHealthcheckOf } from "../../helpers/probes/systemd.ts";
import { unique, unitDiagnostics } from "../../helpers/spec/diagnostics.ts";
import { invariant } from "../../helpers/spec/invariant.ts";

export default invariant(
  {
    id: "BOOT-006",
    title: "No failed systemd units",
    must: "A node MUST have no unit in the failed state (`systemctl --failed` is empty): a failed mount, automount or service is a step the reboot did not converge on. (podman's healthcheck service of a container fails with the container's health, which CONT-002 judges.)",
    fix: (f, node) => `on ${node.name}: journalctl -b -u ${f.subject} -n 50 shows why ${f.subject} failed; fix that cause, then: systemctl reset-failed ${f.subject} && systemctl restart ${f.subject}`,
    section: "§3.3, §4.4",
    family: "boot",
    severity: "critical",
    playbook: "§4.4 CIFS mount failure in a service LXC/VM (`systemctl --failed`)",
  },
  {
    appliesTo: () => true,
    reads: () => ({ failedUnits }),
    check({ facts }) {
      const f = facts.failedUnits;
      // A node without systemd has no units to fail (the evidence says so).
      if (!f.systemd) return [];
      // podman's healthcheck service of a container (podmanHealthcheckOf) fails with the
      // container's health, which CONT-002 owns: counted there, not here a second time.
      return f.units.filter((u) => podmanHealthcheckOf(u) === undefined).map((u) => ({
        subject: u.unit,
        expected: "not failed",
        actual: `${u.active}/${u.sub}${u.load !== "loaded" ? ` (unit file ${u.load})` : ""}${u.description && u.description !== u.unit ? ` — ${u.description}` : ""}; see \`systemctl status ${u.unit}\` and \`journalctl -u ${u.unit}\` (§4.4)`,
      }));
    },
    // §4.4: each failed unit's status and journal (and findmnt -T for a mount unit).
    diagnose: (_ctx, findings) => unique(findings.flatMap((f) => unitDiagnostics(f.subject))),
  },
);
