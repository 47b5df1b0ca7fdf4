// Names and numbers of users and groups, through a node's getent (the `accounts` fact): what the
// consumer-side identity specs (IDENT-004, IDENT-005, IDENT-006) compare, and how they name an id
// in a message ("media (1000)", "1001 (no account on vm100)").
import type { Accounts } from "../../helpers/probes/accounts.ts";
import type { NodeDecl } from "../../helpers/inventory/types.ts";

export type IdKind = "user" | "group";

/** The number of a user or group given as a name or a number; undefined when the name is unknown. */
export function resolveId(a: Accounts | undefined, kind: IdKind, v: string): number | undefined {
  if (/^\d+$/.test(v)) return Number(v);
  if (!a) return undefined;
  return kind === "user" ? a.users.find((u) => u.name === v)?.uid : a.groups.find((g) => g.name === v)?.gid;
}

/** The name of an id on the node, if it has one. */
export function nameOf(a: Accounts | undefined, kind: IdKind, id: number): string | undefined {
  return kind === "user" ? a?.users.find((u) => u.uid === id)?.name : a?.groups.find((g) => g.gid === id)?.name;
}

/** "media (1000)", or "1001 (no user of that id)" when the node has no name for it. */
export function describeId(a: Accounts | undefined, kind: IdKind, id: number): string {
  const n = nameOf(a, kind, id);
  return n ? `${n} (${id})` : `${id} (no ${kind} of that id)`;
}

/** "media:media (1000:1000)" for an owner pair as the node names it. */
export function describeOwner(a: Accounts | undefined, uid: number, gid: number): string {
  return `${nameOf(a, "user", uid) ?? uid}:${nameOf(a, "group", gid) ?? gid} (${uid}:${gid})`;
}

/** Octal mode text ("0750", "750") as a number; undefined when it is not octal. */
export function octal(v: string): number | undefined {
  return /^[0-7]{1,4}$/.test(v) ? parseInt(v, 8) : undefined;
}

export const modeText = (m: number) => `0${m.toString(8).padStart(3, "0")}`;

/** Nodes of the inventory that mount `//host/share` (any host spelling) as `identity`. */
export function consumersOf(share: string, identity: string, nodes: readonly NodeDecl[]): string[] {
  return nodes.filter((n) => (n.mounts ?? []).some((m) => m.identity === identity && m.source.split("/").pop() === share)).map((n) => n.name);
}
