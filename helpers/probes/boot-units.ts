// What boots by itself (BOOT-010; §3.1 "services come back", §3.3 "after a reboot … services
// running", §3.1 L3 "mounts online before starting critical workloads"): `systemctl show` of the
// declared units (helpers/probes/systemd.ts unitProperties, one block per unit), read for
// whether systemd starts the unit at boot, whether it runs now, and what it is ordered after.
//
// - UnitFileState, as systemctl(1) `is-enabled` documents its values: `enabled` (symlinked into a
//   .wants/.requires of a target by [Install]), `generated` (made at boot by a generator, e.g.
//   systemd-fstab-generator's .mount units) start at boot; `enabled-runtime`/`linked-runtime`
//   (under /run) are gone after a reboot; `static`/`indirect` units have no [Install] of their own
//   and start only when another unit pulls them in (WantedBy=/RequiredBy= non-empty: systemctl show
//   lists the units that want or require this one); `disabled`, `masked`, `linked`, `bad` do not.
// - Ordering after a mount: systemd.unit(5) RequiresMountsFor= "automatically adds dependencies of
//   type Requires= and After= for all mount units required to access the specified path", so
//   `After=` as systemctl show prints it (the effective dependency list) holds the .mount unit of
//   the path whether it was written as After= or as RequiresMountsFor=. An .automount counts too.
import type { UnitDecl } from "../inventory/sections/units.ts";
import { unitProperties, type SystemdFact, type UnitProps } from "./systemd.ts";
import type { Probe } from "./types.ts";

export const BOOT_UNIT_PROPS = ["LoadState", "ActiveState", "SubState", "UnitFileState", "After", "Requires", "BindsTo", "RequiresMountsFor", "WantedBy", "RequiredBy", "FragmentPath", "DropInPaths"] as const;

export type BootUnitsFact = SystemdFact<Record<string, UnitProps>>;

/** One probe per node under a fixed name (the fact key), whatever units are declared. */
export function bootUnits(units: UnitDecl[]): Probe<BootUnitsFact> {
  return { ...unitProperties(units.map((u) => u.name), BOOT_UNIT_PROPS), name: "boot-units" };
}

export type StartsAtBoot = { yes: true; how: string } | { yes: false; why: string };

/** Whether systemd starts this unit at boot, from its UnitFileState and who wants it. */
export function startsAtBoot(u: UnitProps): StartsAtBoot {
  const state = u.UnitFileState ?? "";
  const wantedBy = [...(u.WantedBy ?? "").split(" "), ...(u.RequiredBy ?? "").split(" ")].filter(Boolean);
  switch (state) {
    case "enabled":
      return { yes: true, how: `enabled${wantedBy.length ? ` (wanted by ${wantedBy.join(" ")})` : ""}` };
    case "generated":
      return { yes: true, how: "generated at boot (e.g. from /etc/fstab)" };
    case "static":
    case "indirect":
    case "alias":
      return wantedBy.length ? { yes: true, how: `${state}, pulled in by ${wantedBy.join(" ")}` } : { yes: false, why: `${state} and no unit wants or requires it: nothing starts it at boot` };
    case "enabled-runtime":
    case "linked-runtime":
      return { yes: false, why: `${state}: enabled under /run only, gone after a reboot (systemctl enable without --runtime)` };
    case "":
      return { yes: false, why: "no unit file state (a transient unit started by hand?)" };
    default:
      return { yes: false, why: `${state}: not started at boot (systemctl enable ${u.Id ?? "it"})` };
  }
}
