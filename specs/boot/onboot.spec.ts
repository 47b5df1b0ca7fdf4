// §3.3 Operational invariant: "After a reboot, the system should converge automatically ... No
// manual 'click-to-mount' steps should exist." A guest that does not start with the host is one.
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";
import { hostsDeclaredGuests, guestReads, guestsWithConfigs, guestTitle } from "./guests.ts";

export default invariant(
  {
    id: "BOOT-001",
    title: "Every guest starts on boot",
    must: "Every guest declared on a Proxmox host (a node with a `proxmox` section, or an entry of the host's `proxmox.guests`) MUST have `onboot: 1` in its config, so that after a reboot of the host the homelab comes back without anyone starting a guest by hand.",
    fix: (f) => `on the Proxmox host: ${/\bVM\b|qemu/i.test(f.subject) ? "qm" : "pct"} set ${guestId(f)} --onboot 1`,
    section: "§3.3",
    family: "boot",
    severity: "critical",
  },
  {
    appliesTo: hostsDeclaredGuests,
    reads: guestReads,
    check(ctx) {
      const findings: Finding[] = [];
      for (const { guest, config } of guestsWithConfigs(ctx, findings)) {
        if (config.onboot) continue;
        const line = config.options.onboot === undefined ? "no onboot line (Proxmox's default: off)" : `onboot: ${config.options.onboot}`;
        findings.push({
          subject: guestTitle(guest),
          expected: "onboot: 1 (started with the host)",
          actual: `${line}: after a reboot of ${ctx.node.name} it stays stopped until someone starts it by hand`,
        });
      }
      return findings;
    },
  },
);

// Where a finding names it (the subject the check above writes), for the fix line.
const guestId = (f: Finding): string => /\b(\d{3,})\b/.exec(f.subject)?.[1] ?? "<vmid>";
