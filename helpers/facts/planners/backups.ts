// Probes for the `backups` section (§2.3, §2.4, §6):
// - Vaultwarden: the listing of the backup folder and, when declared, the restore test of its
//   newest backup.
// - Nextcloud: the newest database dump (read-only) and, when declared, its restore into a
//   throwaway database.
// - restic (the off-site/immutable target, §2.4 planned): the newest snapshot and, when declared,
//   `restic check`; both read-only (--no-lock --no-cache).
// The Vaultwarden restore test is read-only (checked in place: helpers/probes/backups.ts), so it
// runs on every run. The Nextcloud dump's restore writes (a scratch database created and dropped
// in the node's MariaDB), so it runs on the fixture lab, and on live nodes only when the operator
// opts in with HLC_ALLOW_WRITE_PROBES=1 (HLC_ALLOW_WRITE_PROBES=0 turns it off on the lab too): the
// same switch as the shares' write probes. Otherwise its probe only records why it did not run,
// and DATA-012 is SKIPPED with that reason (never passed).
import type { NextcloudDumpDecl } from "../../inventory/sections/backups.ts";
import { backupListing, restoreTest } from "../../probes/backups.ts";
import { nextcloudDump, nextcloudRestore } from "../../probes/nextcloud-dump.ts";
import { resticCheck, resticSnapshots } from "../../probes/restic.ts";
import { writeProbesAllowed } from "./shares.ts";
import type { Planner } from "./types.ts";

export const DUMP_RESTORE_OFF_LIVE =
  "write probes are off on live nodes: opt in with HLC_ALLOW_WRITE_PROBES=1 to restore-test the newest Nextcloud dump (it creates a scratch database in MariaDB on the node, dropped again)";
export const DUMP_RESTORE_OFF = "write probes are off (HLC_ALLOW_WRITE_PROBES=0): the newest Nextcloud dump was not restore-tested";

export function dumpRestoreProbe(nc: NextcloudDumpDecl, env: NodeJS.ProcessEnv = process.env) {
  const writes = writeProbesAllowed(env);
  return nextcloudRestore(
    { dir: nc.dir, pattern: nc.pattern, ...(nc.defaultsFile ? { defaultsFile: nc.defaultsFile } : {}) },
    writes,
    writes ? "" : env.HLC_ALLOW_WRITE_PROBES === "0" ? DUMP_RESTORE_OFF : DUMP_RESTORE_OFF_LIVE,
  );
}

export const backupsPlanner: Planner = (node) => {
  const b = node.backups;
  if (!b) return [];
  const vw = b.vaultwarden;
  const nc = b.nextcloud;
  const r = b.restic;
  return [
    ...(vw ? [backupListing(vw.dir), ...(vw.restoreTest ? [restoreTest(vw.dir)] : [])] : []),
    ...(nc ? [nextcloudDump(nc.dir, nc.pattern), ...(nc.restoreTest ? [dumpRestoreProbe(nc)] : [])] : []),
    ...(r ? [resticSnapshots(r), ...(r.check ? [resticCheck(r)] : [])] : []),
  ];
};
