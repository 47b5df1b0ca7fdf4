// Probes for the `storage` section (§2.1 SnapRAID, §2.2 MergerFS, §7 schedule, §1/§6 SMART): on the
// node that declares them, its snapraid.conf and the files it names, `snapraid status`,
// `snapraid diff`, the mount table, the pool's live branches, the sync/scrub timers and their
// services (when a schedule is declared), and `smartctl -H` of the declared disks. All read-only.
import type { SmartDecl, SnapraidDecl } from "../../inventory/sections/storage.ts";
import { mergerfsBranches } from "../../probes/mergerfs.ts";
import { mounts } from "../../probes/mounts.ts";
import { smartHealth, type SmartFact } from "../../probes/smart.ts";
import { snapraidConfig, snapraidDiff, snapraidPaths, snapraidStatus } from "../../probes/snapraid.ts";
import { snapraidProtect } from "../../probes/snapraid-protect.ts";
import type { SystemdFact } from "../../probes/systemd.ts";
import { timerRuns, type TimerRuns } from "../../probes/timers.ts";
import type { Probe } from "../../probes/types.ts";
import type { Planner } from "./types.ts";

/** The declared sync/scrub timers, in that order. */
export function scheduleTimers(snapraid: SnapraidDecl): string[] {
  const s = snapraid.schedule;
  return s ? [s.sync?.timer, s.scrub?.timer].filter((t): t is string => t !== undefined) : [];
}

/** timerRuns under a fixed name (one per node), so that DATA-009 finds it whatever is declared. */
export function snapraidTimersProbe(timers: string[]): Probe<SystemdFact<TimerRuns>> {
  return { ...timerRuns([...new Set(timers)]), name: "snapraid-timers" };
}

export function smartProbe(smart: SmartDecl): Probe<SmartFact> {
  return smartHealth(smart.devices);
}

/** Probes as the lab's vm102 would get them: what specs list (for the catalogue); facts are keyed by name. */
export const exampleSnapraidTimers = snapraidTimersProbe(["snapraid-sync.timer", "snapraid-scrub.timer"]);
export const exampleSnapraidProtect = snapraidProtect("/etc/snapraid.conf", ["media", "books", "nextcloud", "backup"], ["/mnt/disk1", "/mnt/disk2", "/mnt/disk3"]);
export const exampleSmart = smartProbe({ devices: [{ device: "/dev/sda" }] });

export const storagePlanner: Planner = (node) => {
  const probes: Probe<unknown>[] = [];
  const snapraid = node.storage?.snapraid;
  if (snapraid) {
    const c = snapraid.config;
    probes.push(snapraidConfig(c), snapraidPaths(c), snapraidStatus(c), snapraidDiff(c), mounts);
    // What the array really protects, for the declared paths (DATA-015): a sample and `snapraid list`.
    if (snapraid.protect?.length) probes.push(snapraidProtect(c, snapraid.protect, node.storage?.mergerfs?.branches ?? []));
    const timers = scheduleTimers(snapraid);
    if (timers.length > 0) probes.push(snapraidTimersProbe(timers));
  }
  const pool = node.storage?.mergerfs;
  if (pool) probes.push(mounts, mergerfsBranches(pool.mountpoint));
  const smart = node.storage?.smart;
  if (smart) probes.push(smartProbe(smart));
  return probes;
};
