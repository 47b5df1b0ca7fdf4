// Section `storage` (§2.1 SnapRAID, §2.2 MergerFS, §4.1–4.3 disk/parity/pool failures, §6
// cadence): what the storage node's array and pool must look like.
//
// The disks themselves are NOT declared here: the data disks, parity files and content files
// come from the node's own snapraid.conf (read by the snapraid-conf probe). That file is what
// SnapRAID acts on, so checking against it cannot drift from it; declaring the disks a second
// time would only add a copy that can disagree. What the operations document decides — how
// fresh sync and scrub must be, how much unsynced churn is tolerable, which disks the pool spans —
// is declared.
import type { Section } from "./types.ts";

export interface UnsyncedBounds {
  added: number;
  updated: number;
  /** Deletions have their own bound: a sync after an accidental deletion makes it permanent (§2.4). */
  removed: number;
}

export interface SnapraidDecl {
  /** snapraid.conf on the node. */
  config: string;
  maxSyncAgeDays: number;
  maxScrubAgeDays: number;
  maxUnscrubbedPercent: number;
  maxUnsynced: UnsyncedBounds;
}

export interface MergerfsDecl {
  mountpoint: string;
  /** Branch directories of the pool, without trailing slash. */
  branches: string[];
}

export interface StorageDecl {
  snapraid?: SnapraidDecl;
  mergerfs?: MergerfsDecl;
}

/** Defaults follow the document's cadence (§6): weekly status review and sync, monthly scrub. */
export const STORAGE_DEFAULTS = {
  config: "/etc/snapraid.conf",
  maxSyncAgeDays: 7,
  maxScrubAgeDays: 45,
  maxUnscrubbedPercent: 20,
  maxUnsynced: { added: 50, updated: 50, removed: 0 },
  mountpoint: "/mnt/mergerfs",
} as const;

const absPath = (description: string, dflt?: string) => ({
  type: "string",
  pattern: "^/",
  patternErrorMessage: "an absolute path (starting with /)",
  description,
  ...(dflt !== undefined ? { default: dflt } : {}),
});

const count = (description: string, dflt: number) => ({ type: "integer", minimum: 0, description, default: dflt });

interface RawStorage {
  snapraid?: Partial<Omit<SnapraidDecl, "maxUnsynced">> & { maxUnsynced?: Partial<UnsyncedBounds> };
  mergerfs?: { mountpoint?: string; branches: string[] };
}

const trimSlash = (p: string) => p.replace(/\/+$/, "") || "/";

export const storageSection: Section<RawStorage, StorageDecl> = {
  key: "storage",
  schema: {
    type: "object",
    additionalProperties: false,
    description:
      "The storage node's data protection (§2.1, §2.2): its SnapRAID array and its MergerFS pool. Declare it on the storage VM only.",
    properties: {
      snapraid: {
        type: "object",
        additionalProperties: false,
        description:
          "SnapRAID (§2.1). The data disks, parity and content files are read from the node's snapraid.conf, not declared here.",
        properties: {
          config: absPath("snapraid.conf on the node; its parity, content and data lines define the array.", STORAGE_DEFAULTS.config),
          maxSyncAgeDays: count(
            "Most days since the last sync that wrote parity (the newest block of `snapraid status`; a later scrub also counts). §6: weekly.",
            STORAGE_DEFAULTS.maxSyncAgeDays,
          ),
          maxScrubAgeDays: count(
            "Most days since the least recently scrubbed block was verified (the oldest block of `snapraid status`). §6: monthly scrub.",
            STORAGE_DEFAULTS.maxScrubAgeDays,
          ),
          maxUnscrubbedPercent: {
            type: "integer",
            minimum: 0,
            maximum: 100,
            description: "Most percent of the array synced but never scrubbed since (`The N% of the array is not scrubbed.`).",
            default: STORAGE_DEFAULTS.maxUnscrubbedPercent,
          },
          maxUnsynced: {
            type: "object",
            additionalProperties: false,
            description: "Most files changed since the last sync, by kind, as `snapraid diff` counts them (§2.1: sync after large writes).",
            properties: {
              added: count("Most files added and not yet synced.", STORAGE_DEFAULTS.maxUnsynced.added),
              updated: count("Most files modified and not yet synced.", STORAGE_DEFAULTS.maxUnsynced.updated),
              removed: count(
                "Most files deleted and not yet synced. Defaults to 0: a sync after an accidental deletion makes it permanent (§2.4), so every deletion is reviewed before the next sync.",
                STORAGE_DEFAULTS.maxUnsynced.removed,
              ),
            },
          },
        },
      },
      mergerfs: {
        type: "object",
        additionalProperties: false,
        required: ["branches"],
        description: "The MergerFS pool (§2.2): a unified namespace over the data disks, with no redundancy of its own.",
        properties: {
          mountpoint: absPath("Where the pool is mounted (§3.1 layer 1).", STORAGE_DEFAULTS.mountpoint),
          branches: {
            type: "array",
            minItems: 1,
            uniqueItems: true,
            description: "The pool's branch directories, exactly (order not judged), e.g. [/mnt/disk1, /mnt/disk2, /mnt/disk3].",
            items: absPath("A branch directory of the pool (a mounted disk)."),
          },
        },
      },
    },
  },
  normalize(raw) {
    const out: StorageDecl = {};
    if (raw.snapraid) {
      const s = raw.snapraid;
      out.snapraid = {
        config: s.config ?? STORAGE_DEFAULTS.config,
        maxSyncAgeDays: s.maxSyncAgeDays ?? STORAGE_DEFAULTS.maxSyncAgeDays,
        maxScrubAgeDays: s.maxScrubAgeDays ?? STORAGE_DEFAULTS.maxScrubAgeDays,
        maxUnscrubbedPercent: s.maxUnscrubbedPercent ?? STORAGE_DEFAULTS.maxUnscrubbedPercent,
        maxUnsynced: { ...STORAGE_DEFAULTS.maxUnsynced, ...s.maxUnsynced },
      };
    }
    if (raw.mergerfs) {
      out.mergerfs = {
        mountpoint: trimSlash(raw.mergerfs.mountpoint ?? STORAGE_DEFAULTS.mountpoint),
        branches: raw.mergerfs.branches.map(trimSlash),
      };
    }
    return out;
  },
};
