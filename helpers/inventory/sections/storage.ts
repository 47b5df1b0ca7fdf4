// Section `storage` (§2.1 SnapRAID, §2.2 MergerFS, §4.1–4.3 disk/parity/pool failures, §6
// cadence): what the storage node's array and pool must look like.
//
// The disks themselves are NOT declared here: the data disks, parity files and content files
// come from the node's own snapraid.conf (read by the snapraid-conf probe). That file is what
// SnapRAID acts on, so checking against it cannot drift from it; declaring the disks a second
// time would only add a copy that can disagree. What the operations document decides — how
// fresh sync and scrub must be, how much unsynced churn is tolerable, which disks the pool spans —
// is declared.
import { posix } from "node:path";
import { duplicates, isRecord, nodeRecords, type At, type LineOf } from "./rules.ts";
import type { Section } from "./types.ts";

export interface UnsyncedBounds {
  added: number;
  updated: number;
  /** Deletions have their own bound: a sync after an accidental deletion makes it permanent (§2.4). */
  removed: number;
}

/** One scheduled SnapRAID job (§7 "automated sync + scrub schedule"): a systemd timer and its bound. */
export interface ScheduledJobDecl {
  /** The systemd timer unit, e.g. snapraid-sync.timer; the service is the timer's Unit= (default: same name, .service). */
  timer: string;
  /** Most time between two runs, as declared ("26h", "8d"). */
  maxInterval: string;
  /** maxInterval in seconds. */
  maxIntervalSec: number;
}

export interface SnapraidScheduleDecl {
  sync?: ScheduledJobDecl;
  scrub?: ScheduledJobDecl;
}

export interface SnapraidDecl {
  /** snapraid.conf on the node. */
  config: string;
  maxSyncAgeDays: number;
  maxScrubAgeDays: number;
  maxUnscrubbedPercent: number;
  maxUnsynced: UnsyncedBounds;
  /** Declared only once sync/scrub run from systemd timers (§7); absent = manual (DATA-009 skipped, planned). */
  schedule?: SnapraidScheduleDecl;
  /**
   * Paths inside the array that MUST have parity (DATA-015), relative to each data disk's root as
   * SnapRAID's rules name them (the same path under the MergerFS pool), e.g. ["media", "books"];
   * without leading or trailing slash. Absent: DATA-015 is skipped (planned).
   */
  protect?: string[];
}

/** One disk whose SMART health is checked (§1 planned, §6 monthly). */
export interface SmartDeviceDecl {
  /** Device node, e.g. /dev/sda or /dev/disk/by-id/ata-… */
  device: string;
  /** smartctl's -d device type (sat, scsi, nvme, sat,12, megaraid,N, …); absent = smartctl's auto-detection. */
  type?: string;
  /** This disk's own allowance of reallocated sectors (overrides SmartDecl.maxReallocated). */
  maxReallocated?: number;
}

export interface SmartDecl {
  devices: SmartDeviceDecl[];
  /** Most reallocated sectors (ATA 5, SCSI grown defects) a disk may show (DATA-025). */
  maxReallocated: number;
  /** Most pending sectors (ATA 197). */
  maxPending: number;
  /** Most offline-uncorrectable sectors (ATA 198) or NVMe media errors. */
  maxUncorrectable: number;
  /** Most days (of the disk's power-on hours) since its last completed self-test; §6 monthly. */
  maxSelfTestAgeDays: number;
}

export interface MergerfsDecl {
  mountpoint: string;
  /** Branch directories of the pool, without trailing slash. */
  branches: string[];
}

export interface StorageDecl {
  snapraid?: SnapraidDecl;
  mergerfs?: MergerfsDecl;
  smart?: SmartDecl;
}

/** Defaults follow the document's cadence (§6): weekly status review and sync, monthly scrub. */
export const STORAGE_DEFAULTS = {
  config: "/etc/snapraid.conf",
  maxSyncAgeDays: 7,
  maxScrubAgeDays: 45,
  maxUnscrubbedPercent: 20,
  maxUnsynced: { added: 50, updated: 50, removed: 0 },
  mountpoint: "/mnt/mergerfs",
  syncTimer: "snapraid-sync.timer",
  scrubTimer: "snapraid-scrub.timer",
  /** §6 "Review disk SMART health" monthly: a self-test at least once a month. */
  smart: { maxReallocated: 0, maxPending: 0, maxUncorrectable: 0, maxSelfTestAgeDays: 31 },
} as const;

// A duration as operators write timer cadences: one or more <integer><unit> groups, unit one of
// s, m (minutes), h, d, w — "26h", "8d", "1d12h". (The age bounds above are whole days; a timer's
// cadence is often hours, hence a unit.)
export const DURATION_PATTERN = "^([0-9]+(s|m|h|d|w))+$";
const UNIT_SEC: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** "26h" → 93600, "1d12h" → 129600; undefined when not a duration of DURATION_PATTERN. */
export function parseDuration(text: string): number | undefined {
  if (!new RegExp(DURATION_PATTERN).test(text)) return undefined;
  let sec = 0;
  for (const m of text.matchAll(/([0-9]+)(s|m|h|d|w)/g)) sec += Number(m[1]) * UNIT_SEC[m[2]!]!;
  return sec;
}

/** 93600 → "1d 2h"; for messages. */
export function formatDuration(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  return m > 0 ? `${m}m` : `${s}s`;
}

const absPath = (description: string, dflt?: string) => ({
  type: "string",
  pattern: "^/",
  patternErrorMessage: "an absolute path (starting with /)",
  description,
  ...(dflt !== undefined ? { default: dflt } : {}),
});

const DEVICE_PATTERN = "^/dev/[A-Za-z0-9._:/+-]+$";

const count = (description: string, dflt: number) => ({ type: "integer", minimum: 0, description, default: dflt });

interface RawJob {
  timer?: string;
  maxInterval: string;
}

interface RawStorage {
  snapraid?: Partial<Omit<SnapraidDecl, "maxUnsynced" | "schedule">> & {
    maxUnsynced?: Partial<UnsyncedBounds>;
    schedule?: { sync?: RawJob; scrub?: RawJob };
  };
  mergerfs?: { mountpoint?: string; branches: string[] };
  smart?: Partial<Omit<SmartDecl, "devices">> & { devices: SmartDeviceDecl[] };
}

/** The schema of a job's `timer` key (shared by every declared freshness bound's schedule, e.g. backups.*.schedule). */
export const timerSchema = (what: string) => ({
  type: "string",
  pattern: "^[A-Za-z0-9:_.\\\\@-]+\\.timer$",
  patternErrorMessage: "a systemd timer unit name ending in .timer",
  description: `The systemd timer unit that starts the ${what} (its service is the timer's Unit=, by default the same name with .service).`,
});

/** The job that keeps a freshness bound whose size is declared elsewhere (backups.*.maxAgeHours): only its timer. */
export type JobTimerDecl = Pick<ScheduledJobDecl, "timer">;

const job = (what: string, dflt: string) => ({
  type: "object",
  additionalProperties: false,
  required: ["maxInterval"],
  description: `The scheduled ${what}: its systemd timer and the most time allowed between two runs.`,
  properties: {
    timer: { ...timerSchema(what), default: dflt },
    maxInterval: {
      type: "string",
      pattern: DURATION_PATTERN,
      patternErrorMessage: "a duration such as 26h, 8d or 1d12h (units s, m, h, d, w)",
      description: `Most time since the last ${what} run started, e.g. "26h" for a nightly job (a day plus slack) or "8d" for a weekly one.`,
    },
  },
});

const normJob = (raw: RawJob | undefined, dflt: string): ScheduledJobDecl | undefined =>
  raw ? { timer: raw.timer ?? dflt, maxInterval: raw.maxInterval, maxIntervalSec: parseDuration(raw.maxInterval)! } : undefined;

const trimSlash = (p: string) => p.replace(/\/+$/, "") || "/";

export const storageSection: Section<RawStorage, StorageDecl> = {
  problems: (nodes, at, lineOf) => storageProblems(nodes, at, lineOf),
  key: "storage",
  schema: {
    type: "object",
    additionalProperties: false,
    description:
      "The storage node's data protection (§2.1, §2.2, §1 SMART): its SnapRAID array and its MergerFS pool (declare those on the storage VM), and the disks whose SMART health is checked (declare `smart` on the node that sees the physical disks: the storage VM when its controller is passed through, else the Proxmox host).",
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
          protect: {
            type: "array",
            minItems: 1,
            uniqueItems: true,
            description:
              "Paths inside the array that MUST have parity (DATA-015), relative to each data disk's root as SnapRAID's exclude/include rules name them — the same path under the MergerFS pool — e.g. [media, books, nextcloud]. A rule of snapraid.conf (exclude, include, nohidden) that leaves a file under one of them without parity fails, naming the rule; judged from what `snapraid list` reports for a sample of the files on every data disk.",
            items: {
              type: "string",
              pattern: "^/?(?!\\.\\.?(/|$))[^/]+(/(?!\\.\\.?(/|$))[^/]+)*/?$",
              patternErrorMessage: "a path inside the array, relative to a data disk's root, e.g. media or media/movies (no '..', no empty segment)",
              description: "A path inside the array, e.g. media or media/movies.",
            },
          },
          schedule: {
            type: "object",
            additionalProperties: false,
            minProperties: 1,
            description:
              "Automated sync and scrub (§7 roadmap): declare once they run from systemd timers. Each declared job's timer must be enabled and waiting, its last run recent and successful (DATA-009). Absent: the schedule is still manual, DATA-009 is skipped as planned.",
            properties: {
              sync: job("sync (`snapraid sync`)", STORAGE_DEFAULTS.syncTimer),
              scrub: job("scrub (`snapraid scrub`)", STORAGE_DEFAULTS.scrubTimer),
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
      smart: {
        type: "object",
        additionalProperties: false,
        required: ["devices"],
        description:
          "SMART health (§1 planned, §6 monthly): the disks `smartctl -a` must report PASSED on (DATA-010), with no growing defects and a recent passed self-test (DATA-025); on a SnapRAID node every data and parity disk must be one of them (DATA-026). Absent on a SnapRAID node: skipped as planned.",
        properties: {
          maxReallocated: count(
            "Most reallocated sectors (ATA attribute 5 Reallocated_Sector_Ct, raw; SAS grown defect list) a disk may show (DATA-025). A disk can live long with a few; declare the count it has and a new one fails. Per disk: devices[].maxReallocated.",
            STORAGE_DEFAULTS.smart.maxReallocated,
          ),
          maxPending: count(
            "Most pending sectors (ATA 197 Current_Pending_Sector, raw): sectors the disk could not read and has not yet remapped. 0: any one is data SnapRAID may need to fix (§4.1).",
            STORAGE_DEFAULTS.smart.maxPending,
          ),
          maxUncorrectable: count(
            "Most offline-uncorrectable sectors (ATA 198 Offline_Uncorrectable, raw) or NVMe media and data integrity errors.",
            STORAGE_DEFAULTS.smart.maxUncorrectable,
          ),
          maxSelfTestAgeDays: {
            type: "integer",
            minimum: 1,
            description:
              "Most days since the disk's last completed self-test, counted in the disk's own power-on hours (its self-test log's clock). §6 monthly: 31. Schedule them with smartd (`-s (S/../.././02|L/../../6/03)`).",
            default: STORAGE_DEFAULTS.smart.maxSelfTestAgeDays,
          },
          devices: {
            type: "array",
            minItems: 1,
            description: "The disks to check, e.g. [{device: /dev/sda}, {device: /dev/sdb, type: sat}].",
            items: {
              type: "object",
              additionalProperties: false,
              required: ["device"],
              description: "One disk.",
              properties: {
                device: {
                  type: "string",
                  pattern: DEVICE_PATTERN,
                  patternErrorMessage: "a device path under /dev, e.g. /dev/sda or /dev/disk/by-id/ata-…",
                  description: "The device smartctl opens, e.g. /dev/sda; /dev/disk/by-id/… names survive reordering.",
                },
                type: {
                  type: "string",
                  pattern: "^[a-z0-9,+_]+$",
                  patternErrorMessage: "a smartctl -d type, e.g. sat, scsi, nvme, sat,12, megaraid,0",
                  description: "smartctl's -d device type (e.g. sat behind a USB/SAS bridge or a passed-through disk); omit for auto-detection.",
                },
                maxReallocated: {
                  type: "integer",
                  minimum: 0,
                  description: "This disk's own allowance of reallocated sectors, e.g. the count an old disk has today (overrides smart.maxReallocated; absent: that one).",
                },
              },
            },
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
      if (s.protect) out.snapraid.protect = s.protect.map((p) => p.replace(/^\/+|\/+$/g, ""));
      if (s.schedule) {
        const schedule: SnapraidScheduleDecl = {};
        const sync = normJob(s.schedule.sync, STORAGE_DEFAULTS.syncTimer);
        const scrub = normJob(s.schedule.scrub, STORAGE_DEFAULTS.scrubTimer);
        if (sync) schedule.sync = sync;
        if (scrub) schedule.scrub = scrub;
        out.snapraid.schedule = schedule;
      }
    }
    if (raw.mergerfs) {
      out.mergerfs = {
        mountpoint: trimSlash(raw.mergerfs.mountpoint ?? STORAGE_DEFAULTS.mountpoint),
        branches: raw.mergerfs.branches.map(trimSlash),
      };
    }
    if (raw.smart) {
      const d = STORAGE_DEFAULTS.smart;
      const r = raw.smart;
      out.smart = {
        devices: r.devices.map((x) => ({ ...x })),
        maxReallocated: r.maxReallocated ?? d.maxReallocated,
        maxPending: r.maxPending ?? d.maxPending,
        maxUncorrectable: r.maxUncorrectable ?? d.maxUncorrectable,
        maxSelfTestAgeDays: r.maxSelfTestAgeDays ?? d.maxSelfTestAgeDays,
      };
    }
    return out;
  },
};

/**
 * What the schema's patterns cannot say: a schedule's bound is longer than nothing (a `0h` bound
 * fails every run), a SMART device path stays under /dev once `.`/`..` are resolved, and no device
 * is declared twice on a node (the same disk checked twice, or a pasted line left unedited).
 */
export function storageProblems(nodes: readonly unknown[], at: At, lineOf: LineOf): void {
  nodeRecords(nodes).forEach((n, i) => {
    const st = n.storage;
    if (!isRecord(st)) return;
    const here = ["nodes", i, "storage"];
    const schedule = isRecord(st.snapraid) && isRecord(st.snapraid.schedule) ? st.snapraid.schedule : undefined;
    for (const jobName of ["sync", "scrub"] as const) {
      const j = schedule?.[jobName];
      if (!isRecord(j) || typeof j.maxInterval !== "string") continue;
      if (parseDuration(j.maxInterval) === 0) {
        at([...here, "snapraid", "schedule", jobName, "maxInterval"], `must be a duration longer than 0, got ${JSON.stringify(j.maxInterval)}`);
      }
    }
    const devices = isRecord(st.smart) ? st.smart.devices : undefined;
    if (!Array.isArray(devices)) return;
    const path = (d: unknown) => (isRecord(d) && typeof d.device === "string" && new RegExp(DEVICE_PATTERN).test(d.device) ? posix.normalize(d.device).replace(/\/+$/, "") : undefined);
    devices.forEach((d, j) => {
      const p = path(d);
      if (p !== undefined && !p.startsWith("/dev/")) {
        at([...here, "smart", "devices", j, "device"], `must be a device path under /dev, got ${JSON.stringify((d as { device: string }).device)}, which leads to ${p}`);
      }
    });
    duplicates(
      devices,
      [...here, "smart", "devices"],
      "device",
      (d) => {
        const p = path(d);
        return p === undefined ? undefined : { key: p, shown: JSON.stringify((d as { device: string }).device) };
      },
      "within the node (each disk once)",
      at,
      lineOf,
    );
  });
}

declare module "../types.ts" {
  interface NodeDecl {
    storage?: StorageDecl;
  }
}
