// Section `units` (§3.1 "services come back by themselves", §3.3 "after a reboot the system
// converges automatically to: mounts present, services running", §3.1 L3 "each service has its
// mounts online before starting critical workloads"): the systemd services a node must start on
// its own at boot, and the mounts each one needs (BOOT-010).
import { isRecord, nodeRecords, duplicates, type At, type LineOf } from "./rules.ts";
import type { Section } from "./types.ts";

export interface UnitDecl {
  /** The unit, e.g. smbd.service (a name without a suffix means .service). */
  name: string;
  /**
   * Mount points the service uses (a network or array mount): it MUST be ordered after each one's
   * .mount (or .automount) unit, e.g. by RequiresMountsFor=. Empty: it uses none.
   */
  mounts: string[];
  /** Why the service is NOT ordered after its mounts, when it is not on purpose (the ordering is then not judged). */
  unorderedBecause?: string;
}

export type UnitsDecl = UnitDecl[];

interface RawUnit {
  name: string;
  mounts?: string[];
  unorderedBecause?: string;
}

const UNIT_PATTERN = "^[A-Za-z0-9:_.\\\\@-]+$";

/** smbd → smbd.service; names with a unit suffix stay. */
export const unitName = (n: string) => (/\.(service|socket|timer|mount|automount|path|target|swap)$/.test(n) ? n : `${n}.service`);

export const unitsSection: Section<RawUnit[], UnitsDecl> = {
  problems: (nodes, at, lineOf) => unitsProblems(nodes, at, lineOf),
  key: "units",
  schema: {
    type: "array",
    description:
      "systemd services this node MUST bring up by itself after a reboot (§3.1, §3.3): each enabled (started at boot) and active now, and ordered after the mounts it uses (BOOT-010). E.g. [{name: smbd, mounts: [/mnt/mergerfs]}, {name: prometheus-node-exporter}].",
    items: {
      type: "object",
      additionalProperties: false,
      required: ["name"],
      description: "One service.",
      properties: {
        name: { type: "string", pattern: UNIT_PATTERN, patternErrorMessage: "a systemd unit name, e.g. smbd or smbd.service", description: "The unit; without a suffix, .service." },
        mounts: {
          type: "array",
          uniqueItems: true,
          description: "Mount points the service uses (array disks, the MergerFS pool, network mounts): its unit must order itself after each one's mount unit (RequiresMountsFor=PATH, or After=/Requires= on the .mount or .automount).",
          items: { type: "string", pattern: "^/", patternErrorMessage: "an absolute path (starting with /)", description: "A mount point, e.g. /mnt/mergerfs." },
        },
        unorderedBecause: {
          type: "string",
          minLength: 1,
          description: "Why the service does not order itself after its mounts (e.g. it waits for them itself); the ordering is then not judged, and this reason is shown.",
        },
      },
    },
  },
  normalize: (raw) =>
    raw.map((u) => ({
      name: unitName(u.name),
      mounts: (u.mounts ?? []).map((m) => m.replace(/(.)\/+$/, "$1")),
      ...(u.unorderedBecause ? { unorderedBecause: u.unorderedBecause } : {}),
    })),
};

/** A unit declared twice on a node. */
export function unitsProblems(nodes: readonly unknown[], at: At, lineOf: LineOf): void {
  nodeRecords(nodes).forEach((n, i) => {
    if (!Array.isArray(n.units)) return;
    duplicates(
      n.units,
      ["nodes", i, "units"],
      "name",
      (u) => (isRecord(u) && typeof u.name === "string" ? { key: unitName(u.name), shown: JSON.stringify(u.name) } : undefined),
      "within the node (each unit once)",
      at,
      lineOf,
    );
  });
}

declare module "../types.ts" {
  interface NodeDecl {
    units?: UnitsDecl;
  }
}
