// Probes for the `mounts` section (§3.2 consumers, §4.4 credentials, §5.3 RO consumers), on a node
// that declares network mounts: fstab + live mounts + credentials files (one probe; it triggers
// the automounts with a read, see helpers/probes/network-mounts.ts), and the `.automount` and
// `.mount` units of every mount point (state, timeout, start limit).
import { escapePath, type MountsDecl } from "../../inventory/sections/mounts.ts";
import { networkMounts } from "../../probes/network-mounts.ts";
import { unitProperties, type SystemdFact, type UnitProps } from "../../probes/systemd.ts";
import type { Probe } from "../../probes/types.ts";
import type { Planner } from "./types.ts";

// StartLimitBurst/StartLimitIntervalUSec: BOOT-007 (a mount unit that systemd's start limit can
// refuse locks its automount out for good).
export const MOUNT_UNIT_PROPS = ["Id", "Names", "LoadState", "ActiveState", "SubState", "Result", "Where", "What", "Options", "TimeoutUSec", "StartLimitBurst", "StartLimitIntervalUSec"] as const;

export function networkMountsProbe(decl: MountsDecl) {
  return networkMounts(
    decl.map((m) => m.path),
    [...new Set(decl.map((m) => m.credentials))],
  );
}

/** The .automount and .mount unit of every declared mount point, in that order. */
export function mountUnits(decl: MountsDecl): string[] {
  return decl.flatMap((m) => [`${escapePath(m.path)}.automount`, `${escapePath(m.path)}.mount`]);
}

/** unitProperties under a fixed name (one per node), so that specs find it whatever is declared. */
export function mountUnitsProbe(decl: MountsDecl): Probe<SystemdFact<Record<string, UnitProps>>> {
  return { ...unitProperties(mountUnits(decl), MOUNT_UNIT_PROPS), name: "network-mount-units" };
}

/** Probes as the lab's vm100 gets them: what specs list (for the catalogue); facts are keyed by name. */
const EXAMPLE: MountsDecl = [
  { path: "/mnt/media", source: "//vm102/media", identity: "jellyfin", access: "ro", credentials: "/etc/samba/credentials/media.cred", maxMountTimeoutSec: 30 },
];
export const exampleNetworkMounts = networkMountsProbe(EXAMPLE);
export const exampleMountUnits = mountUnitsProbe(EXAMPLE);

export const mountsPlanner: Planner = (node) => {
  const decl = node.mounts;
  if (!decl || decl.length === 0) return [];
  return [networkMountsProbe(decl), mountUnitsProbe(decl)];
};
