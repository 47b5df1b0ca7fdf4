// Probes for the `shares` section (§0 storage boundary, §5.3 least privilege), on a node that
// declares it: Samba's effective config and every source of its shares, the accounts (group members of `@group` user lists),
// the owners of each share's files, guest logins, and the live SMB access matrix.
//
// Write probes (put/rename/del by read-write identities) change the node, so they run only on the
// fixture lab, or on live nodes when the operator opts in with HLC_ALLOW_WRITE_PROBES=1
// (HLC_ALLOW_WRITE_PROBES=0 turns them off on the lab too). Without them a read-write identity is
// judged from the effective config only, and the evidence and findings say so.
import { randomBytes } from "node:crypto";
import { declaredAccess, resolvePassword, type SharesDecl } from "../../inventory/sections/shares.ts";
import { accounts } from "../../probes/accounts.ts";
import { sambaAccess, sambaGuest, type AccessPlan } from "../../probes/samba-access.ts";
import { sambaConfig } from "../../probes/samba-config.ts";
import { sambaShares } from "../../probes/samba-shares.ts";
import { shareOwners } from "../../probes/samba-owners.ts";
import type { Planner } from "./types.ts";

export const WRITE_PROBES_OFF = "write probes are off on live nodes (set HLC_ALLOW_WRITE_PROBES=1 to run them): read-write access judged from the effective config only";

/** Are mutating write probes allowed in this run? */
export function writeProbesAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.HLC_ALLOW_WRITE_PROBES === "1") return true;
  if (env.HLC_ALLOW_WRITE_PROBES === "0") return false;
  return env.HLC_TARGET === "lab";
}

/** The access matrix to probe: every declared share × every declared identity (listed or not). */
export function accessPlan(decl: SharesDecl, nonce: string, env: NodeJS.ProcessEnv = process.env): AccessPlan {
  const writes = writeProbesAllowed(env);
  const passwords = new Map(decl.identities.map((i) => [i.name, resolvePassword(i.password, env)]));
  const noSource = (name: string) => ({ ok: false as const, why: `${name} is not declared under shares.identities` });
  return {
    host: decl.smbHost,
    nonce,
    writes,
    ...(writes ? {} : { writesOff: env.HLC_ALLOW_WRITE_PROBES === "0" ? "write probes are off (HLC_ALLOW_WRITE_PROBES=0): read-write access judged from the effective config only" : WRITE_PROBES_OFF }),
    shares: decl.exports.map((s) => {
      // Listed identities first (in declaration order), then every other declared identity.
      const names = [...new Set([...s.rw, ...s.ro, ...decl.identities.map((i) => i.name)])];
      return {
        name: s.name,
        path: s.path,
        identities: names.map((name) => ({ name, expect: declaredAccess(s, name) ?? "none", password: passwords.get(name) ?? noSource(name) })),
      };
    }),
  };
}

export const sharesPlanner: Planner = (node) => {
  const decl = node.shares;
  if (!decl) return [];
  const nonce = randomBytes(4).toString("hex");
  return [
    sambaConfig,
    // Every source of shares smbd reads (includes, registry, usershares), for SHARE-002/003.
    sambaShares,
    accounts,
    // Owners before any write probe, so a probe file can never be sampled.
    shareOwners(
      decl.exports
        .filter((s) => s.forceUser !== undefined || s.forceGroup !== undefined)
        .map((s) => ({ share: s.name, path: s.path, user: s.forceUser, group: s.forceGroup, sample: s.ownerSample })),
    ),
    sambaGuest(decl.smbHost, nonce),
    sambaAccess(accessPlan(decl, nonce)),
  ];
};
