// Probes for the `backups` section (§2.3, §6): the listing of the Vaultwarden backup folder and,
// when declared, the restore test of its newest backup. The restore test writes a scratch copy
// (mktemp -d, removed on exit), so it runs on the fixture lab, and on live nodes only when the
// operator opts in with HLC_ALLOW_WRITE_PROBES=1 (HLC_ALLOW_WRITE_PROBES=0 turns it off on the lab
// too): the same switch as the shares' write probes. Otherwise its probe only records why it did not run.
import { backupListing, restoreTest } from "../../probes/backups.ts";
import { writeProbesAllowed } from "./shares.ts";
import type { Planner } from "./types.ts";

export const RESTORE_OFF_LIVE = "write probes are off on live nodes: opt in with HLC_ALLOW_WRITE_PROBES=1 to restore-test the newest backup (it copies the backup to a scratch folder, removed again)";
export const RESTORE_OFF = "write probes are off (HLC_ALLOW_WRITE_PROBES=0): the newest backup was not restore-tested";

export function restoreProbe(dir: string, env: NodeJS.ProcessEnv = process.env) {
  const writes = writeProbesAllowed(env);
  return restoreTest(dir, writes, writes ? "" : env.HLC_ALLOW_WRITE_PROBES === "0" ? RESTORE_OFF : RESTORE_OFF_LIVE);
}

export const backupsPlanner: Planner = (node) => {
  const vw = node.backups?.vaultwarden;
  if (!vw) return [];
  return [backupListing(vw.dir), ...(vw.restoreTest ? [restoreProbe(vw.dir)] : [])];
};
