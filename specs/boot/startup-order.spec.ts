// §3.1 Dependency layers (boot order): storage (1) before compute (2) before services (3). On the
// Proxmox host that is each guest's `startup: order=N,up=S`: guests start by ascending order
// (equal orders by ascending VMID, guests without an order last), and the host waits `up`
// seconds after starting a guest before it starts the next one.
import { LAYER_NAMES } from "../../helpers/inventory/schema.ts";
import type { Layer } from "../../helpers/inventory/types.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";
import { hostsDeclaredGuests, guestReads, guestsWithConfigs, guestTitle, type GuestWithConfig } from "./guests.ts";

const order = (g: GuestWithConfig) => g.config.startup?.order ?? Number.POSITIVE_INFINITY;
const orderText = (g: GuestWithConfig) => (g.config.startup?.order === undefined ? "no startup order" : `order=${g.config.startup.order}`);
const startupText = (g: GuestWithConfig) => (g.config.startupRaw === undefined ? "no startup line" : `startup: ${g.config.startupRaw}`);
const kind = (g: GuestWithConfig) => `${g.guest.type === "lxc" ? "CT" : "VM"} ${g.guest.vmid}`;

/** Why `late` (a higher layer) does not start after `early`, in Proxmox's terms. */
function whyNotAfter(late: GuestWithConfig, early: GuestWithConfig): string {
  const [lo, eo] = [order(late), order(early)];
  if (lo === eo) {
    const tie = lo === Number.POSITIVE_INFINITY ? "guests without an order start last, by ascending VMID" : "equal orders start by ascending VMID";
    return late.guest.vmid < early.guest.vmid
      ? `${orderText(late)}, the same as ${early.guest.name}: ${tie}, so ${kind(late)} starts before ${kind(early)}`
      : `${orderText(late)}, the same as ${early.guest.name}: ${tie}, so it starts after it only because of its VMID and without waiting for a layer`;
  }
  if (eo === Number.POSITIVE_INFINITY) return `${orderText(late)}, while ${early.guest.name} has no startup order and so starts after every ordered guest`;
  return `${orderText(late)}: it starts before ${early.guest.name} (order=${eo})`;
}

export default invariant(
  {
    id: "BOOT-002",
    title: "Startup order follows the dependency layers",
    must:
      "On a Proxmox host, every declared guest of a lower boot layer (§3.1: 1 storage, 2 compute, 3 services) MUST have a strictly lower `startup: order=` than every guest of a higher layer (guests of one layer may share an order; a guest without an order starts after every ordered one), every guest a later layer depends on MUST have an `up=` delay, and a declared `startup.order` MUST match and a declared `startup.up` MUST be reached.",
    fix: (f) => `on the Proxmox host: ${/\bVM\b|qemu/i.test(f.subject) ? "qm" : "pct"} set ${guestId(f)} --startup order=<its layer's order>,up=<seconds its dependants wait> (wanted: ${f.expected})`,
    section: "§3.1",
    family: "boot",
    severity: "critical",
  },
  {
    appliesTo: hostsDeclaredGuests,
    reads: guestReads,
    check(ctx) {
      const findings: Finding[] = [];
      const guests = guestsWithConfigs(ctx, findings);
      const readable = guests.filter((g) => {
        if (g.config.startupError === undefined) return true;
        findings.push({ subject: guestTitle(g.guest), expected: "a startup line Proxmox can read: [order=]N,up=N,down=N", actual: g.config.startupError });
        return false;
      });

      for (const g of readable) {
        // Layers: every lower-layer guest must start strictly before it.
        const blocking = readable
          .filter((e) => e.guest.layer < g.guest.layer && order(e) >= order(g))
          .sort((a, b) => order(b) - order(a) || a.guest.vmid - b.guest.vmid);
        const first = blocking[0];
        if (first) {
          findings.push({
            subject: guestTitle(g.guest),
            expected: `a startup order after ${guestTitle(first.guest)}, which has ${orderText(first)}`,
            actual: whyNotAfter(g, first) + (blocking.length > 1 ? ` (also not after ${blocking.slice(1).map((b) => b.guest.name).join(", ")})` : ""),
          });
        }

        // Declared start-up settings.
        const declared = g.guest.startup;
        if (declared.order !== undefined && g.config.startup?.order !== declared.order) {
          findings.push({ subject: guestTitle(g.guest), expected: `startup order=${declared.order} (declared)`, actual: startupText(g) });
        }
        const up = g.config.startup?.up;
        if (declared.up !== undefined && (up ?? 0) < declared.up) {
          findings.push({ subject: guestTitle(g.guest), expected: `an up= delay of at least ${declared.up} s (declared)`, actual: startupText(g) });
        }

        // A guest a later layer depends on gives itself time to come up before the next starts.
        const dependents = readable.filter((d) => d.guest.layer > g.guest.layer);
        if (dependents.length > 0 && declared.up === undefined && !(up !== undefined && up > 0)) {
          const next = Math.min(...dependents.map((d) => d.guest.layer));
          const names = dependents.filter((d) => d.guest.layer === next).map((d) => d.guest.name);
          findings.push({
            subject: guestTitle(g.guest),
            expected: `an up= delay (seconds ${ctx.node.name} waits before starting the next guest): layer ${next} ${LAYER_NAMES[next as Layer]} (${names.join(", ")}) depends on it`,
            actual: `${startupText(g)}: the next guest starts at once, while ${g.guest.name} is still booting`,
          });
        }
      }
      return findings;
    },
  },
);

// Where a finding names it (the subject the check above writes), for the fix line.
const guestId = (f: Finding): string => /\b(\d{3,})\b/.exec(f.subject)?.[1] ?? "<vmid>";
