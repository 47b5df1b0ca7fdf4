// Section `localMounts` (§3.1 layer 2 "VM100 mounts its data disk at /mnt/vm-data", §3.2
// "storage VM mounts its ext4 disks and MergerFS from /etc/fstab, systemd mount units"): local
// filesystems a node MUST mount at boot by itself, other than the SnapRAID disks and the MergerFS
// pool (those come from the `storage` section and the node's snapraid.conf). BOOT-011 judges
// that each is defined persistently (its /etc/fstab line or an enabled .mount unit, by UUID or
// label) and mounted now from that source.
import { duplicates, isRecord, nodeRecords, type At, type LineOf } from "./rules.ts";
import type { Section } from "./types.ts";

export interface LocalMountDecl {
  /** Mount point, e.g. /mnt/vm-data (no trailing slash). */
  path: string;
  /** What the filesystem holds, for messages, e.g. "VM100's data disk". */
  purpose?: string;
}

export type LocalMountsDecl = LocalMountDecl[];

type Raw = LocalMountDecl[];

const trimSlash = (p: string) => p.replace(/\/+$/, "") || "/";

export const localMountsSection: Section<Raw, LocalMountsDecl> = {
  problems: (nodes, at, lineOf) => localMountsProblems(nodes, at, lineOf),
  key: "localMounts",
  schema: {
    type: "array",
    description:
      "Local filesystems this node MUST mount at boot by itself (§3.1 layer 2: VM100's data disk at /mnt/vm-data; §3.2), besides the SnapRAID disks and the MergerFS pool of `storage`: each needs an /etc/fstab line without noauto (or an enabled .mount unit) naming its device by UUID= or LABEL= (or PARTUUID=, PARTLABEL=, /dev/disk/by-…), and must be mounted now from that source (BOOT-011). E.g. [{path: /mnt/vm-data, purpose: data disk}].",
    items: {
      type: "object",
      additionalProperties: false,
      required: ["path"],
      description: "One local mount.",
      properties: {
        path: { type: "string", pattern: "^/[^\\s]*$", patternErrorMessage: "an absolute path without spaces", description: "Mount point, e.g. /mnt/vm-data." },
        purpose: { type: "string", minLength: 1, description: "What the filesystem holds (shown in messages), e.g. \"VM100's data disk\"." },
      },
    },
  },
  normalize: (raw) => raw.map((m) => ({ path: trimSlash(m.path), ...(m.purpose ? { purpose: m.purpose } : {}) })),
};

/** A mount point declared twice on a node. */
export function localMountsProblems(nodes: readonly unknown[], at: At, lineOf: LineOf): void {
  nodeRecords(nodes).forEach((n, i) => {
    if (!Array.isArray(n.localMounts)) return;
    duplicates(
      n.localMounts,
      ["nodes", i, "localMounts"],
      "path",
      (m) => (isRecord(m) && typeof m.path === "string" ? { key: trimSlash(m.path), shown: JSON.stringify(m.path) } : undefined),
      "within the node (one entry per mount point)",
      at,
      lineOf,
    );
  });
}

declare module "../types.ts" {
  interface NodeDecl {
    localMounts?: LocalMountsDecl;
  }
}
