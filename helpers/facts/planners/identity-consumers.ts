// Probes for the consumer side of identity alignment (§4.4, §4.5, §5.3; IDENT-004, IDENT-005), on a
// node whose `mounts` declare a uid/gid/mode or whose `containers` declare a user: the node's
// accounts (getent, to resolve names), how each declared mount presents its files (stat through
// the mount), and who each running container's processes run as. All read-only (the stat
// triggers an automount, as the network-mounts probe does).
import type { MountsDecl } from "../../inventory/sections/mounts.ts";
import { accounts } from "../../probes/accounts.ts";
import { containerUsers } from "../../probes/container-users.ts";
import { mountPresentation } from "../../probes/mount-presentation.ts";
import type { Probe } from "../../probes/types.ts";
import type { Planner } from "./types.ts";

/** Mounts that declare how their files must be presented. */
export const presentedMounts = (decl: MountsDecl | undefined): MountsDecl =>
  (decl ?? []).filter((m) => m.uid !== undefined || m.gid !== undefined || m.fileMode !== undefined || m.dirMode !== undefined);

export const identityConsumersPlanner: Planner = (node) => {
  const probes: Probe<unknown>[] = [];
  const mounts = presentedMounts(node.mounts);
  if (mounts.length > 0) probes.push(accounts, mountPresentation(mounts.map((m) => m.path)));
  if ((node.containers ?? []).some((c) => c.user !== undefined)) probes.push(accounts, containerUsers);
  return probes;
};
