// Section `capacity` (§6 daily "storage usage not near saturation", §1 key metrics "disk usage,
// inode usage, filesystem saturation"): how full a node's filesystems may get (DATA-020).
//
// Every node is judged, declared or not: without this key the defaults hold for every real
// filesystem of the node (helpers/probes/capacity.ts says which count as real) and for the
// SnapRAID disks and the MergerFS pool its `storage` section names. The key overrides the
// thresholds, for the node or for one filesystem, adds filesystems the default leaves out (a tmpfs
// that holds data), and leaves out a filesystem that is full by design, with the reason.
import { posix } from "node:path";
import { duplicates, isRecord, nodeRecords, type At, type LineOf } from "./rules.ts";
import type { Section } from "./types.ts";

export interface FilesystemCapacityDecl {
  /** A mount point, or any path on the filesystem (df reads the filesystem holding it). */
  path: string;
  maxUsedPercent: number;
  maxInodesPercent: number;
}

export interface CapacityDecl {
  /** Most percent of the blocks in use, as `df` counts Use% (used / (used + available), rounded up). */
  maxUsedPercent: number;
  /** Most percent of the inodes in use (`df -i` IUse%). */
  maxInodesPercent: number;
  /** Per filesystem thresholds; also adds a filesystem the default selection leaves out. */
  filesystems: FilesystemCapacityDecl[];
  /** Mount points not judged, each with the reason (e.g. a read-only image that is always 100 %). */
  ignore: Array<{ path: string; reason: string }>;
}

/** An operator's defaults: warn before a disk is full enough to slow down (ext4 reserves 5 % for root anyway). */
export const CAPACITY_DEFAULTS = { maxUsedPercent: 85, maxInodesPercent: 90 } as const;

/** What a node that declares nothing is held to. */
export const DEFAULT_CAPACITY: CapacityDecl = { ...CAPACITY_DEFAULTS, filesystems: [], ignore: [] };

interface RawCapacity {
  maxUsedPercent?: number;
  maxInodesPercent?: number;
  filesystems?: Array<{ path: string; maxUsedPercent?: number; maxInodesPercent?: number }>;
  ignore?: Array<{ path: string; reason: string }>;
}

const percent = (description: string, dflt?: number) => ({
  type: "integer",
  minimum: 1,
  maximum: 100,
  description,
  ...(dflt !== undefined ? { default: dflt } : {}),
});

const absPath = (description: string) => ({ type: "string", pattern: "^/", patternErrorMessage: "an absolute path (starting with /)", description });

const trim = (p: string) => posix.normalize(p).replace(/(.)\/+$/, "$1");

export const capacitySection: Section<RawCapacity, CapacityDecl> = {
  problems: (nodes, at, lineOf) => capacityProblems(nodes, at, lineOf),
  key: "capacity",
  schema: {
    type: "object",
    additionalProperties: false,
    description:
      "How full this node's filesystems may get (§6 daily: storage usage not near saturation; §1: disk usage, inode usage) (DATA-020). Without it every real filesystem of the node (ext4, xfs, btrfs, zfs, MergerFS …, and its root) and the SnapRAID disks and MergerFS pool of its `storage` section are held to 85 % of blocks and 90 % of inodes.",
    properties: {
      maxUsedPercent: percent("Most percent of a filesystem's blocks in use, as df's Use% counts it: used / (used + available to non-root), rounded up.", CAPACITY_DEFAULTS.maxUsedPercent),
      maxInodesPercent: percent("Most percent of a filesystem's inodes in use (df -i IUse%). Filesystems that report no inode count (btrfs) are judged on blocks only.", CAPACITY_DEFAULTS.maxInodesPercent),
      filesystems: {
        type: "array",
        description: "Thresholds for one filesystem; a path the default selection leaves out (a tmpfs holding data) is added. E.g. [{path: /mnt/parity, maxUsedPercent: 98}].",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["path"],
          description: "One filesystem, by its mount point (or any path on it).",
          properties: {
            path: absPath("The mount point, e.g. /mnt/parity."),
            maxUsedPercent: percent("Most percent of its blocks in use (default: the node's)."),
            maxInodesPercent: percent("Most percent of its inodes in use (default: the node's)."),
          },
        },
      },
      ignore: {
        type: "array",
        description: "Mount points not judged, each with its reason, e.g. [{path: /mnt/iso, reason: read-only image, always full}].",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["path", "reason"],
          description: "One mount point left out.",
          properties: {
            path: absPath("The mount point."),
            reason: { type: "string", minLength: 1, description: "Why its fill level does not matter (shown in the evidence)." },
          },
        },
      },
    },
  },
  normalize(raw) {
    const maxUsedPercent = raw.maxUsedPercent ?? CAPACITY_DEFAULTS.maxUsedPercent;
    const maxInodesPercent = raw.maxInodesPercent ?? CAPACITY_DEFAULTS.maxInodesPercent;
    return {
      maxUsedPercent,
      maxInodesPercent,
      filesystems: (raw.filesystems ?? []).map((f) => ({ path: trim(f.path), maxUsedPercent: f.maxUsedPercent ?? maxUsedPercent, maxInodesPercent: f.maxInodesPercent ?? maxInodesPercent })),
      ignore: (raw.ignore ?? []).map((i) => ({ path: trim(i.path), reason: i.reason })),
    };
  },
};

/** A filesystem declared twice (two thresholds for one path) or both judged and ignored is a mistake in the file. */
export function capacityProblems(nodes: readonly unknown[], at: At, lineOf: LineOf): void {
  nodeRecords(nodes).forEach((n, i) => {
    const c = n.capacity;
    if (!isRecord(c)) return;
    const here = ["nodes", i, "capacity"];
    const key = (v: unknown) => (isRecord(v) && typeof v.path === "string" && v.path.startsWith("/") ? { key: trim(v.path), shown: JSON.stringify(v.path) } : undefined);
    if (Array.isArray(c.filesystems)) duplicates(c.filesystems, [...here, "filesystems"], "path", key, "within the node (one threshold per filesystem)", at, lineOf);
    if (Array.isArray(c.ignore) && Array.isArray(c.filesystems)) {
      const judged = new Set(c.filesystems.map((f) => key(f)?.key).filter(Boolean));
      c.ignore.forEach((g, j) => {
        const k = key(g);
        if (k && judged.has(k.key)) at([...here, "ignore", j, "path"], `must not also be in capacity.filesystems: ${k.shown} is declared with thresholds and ignored`);
      });
    }
  });
}

declare module "../types.ts" {
  interface NodeDecl {
    capacity?: CapacityDecl;
  }
}
