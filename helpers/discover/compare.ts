// How far a draft matches an inventory written by hand: every declaration of the reference
// (a node's role and layer, each listener, each guest, share, mount, container, identity, the
// SnapRAID and MergerFS blocks, each backup) looked up in the draft and compared after both are
// normalised (defaults applied), so `restart: unless-stopped` written out equals it left out.
import type { Inventory, NodeDecl } from "../inventory/types.ts";

export interface Comparison {
  declared: number;
  matched: number;
  /** `node what: reference X, draft Y` for each declaration that differs or is missing. */
  differences: string[];
}

const canon = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : x));

/** A mount's uid/gid as a number when the node declares the identity: uid=media and uid=1000 say the same. */
function ownerNumber(node: NodeDecl | undefined, v: string | undefined, kind: "uid" | "gid"): string | undefined {
  if (v === undefined || /^\d+$/.test(v)) return v;
  const id = node?.identities?.find((i) => i.name === v);
  return id ? String(kind === "uid" ? id.uid : id.gid) : v;
}

export function compareInventories(reference: Inventory, draft: Inventory): Comparison {
  const out: Comparison = { declared: 0, matched: 0, differences: [] };
  const check = (what: string, ref: unknown, got: unknown) => {
    out.declared++;
    if (got !== undefined && canon(ref) === canon(got)) out.matched++;
    else out.differences.push(`${what}: reference ${canon(ref)}, draft ${got === undefined ? "(none)" : canon(got)}`);
  };
  for (const r of reference.nodes) {
    const d = draft.nodes.find((n) => n.name === r.name);
    const at = (k: string) => `${r.name} ${k}`;
    check(at("role"), r.role, d?.role);
    check(at("layer"), r.layer, d?.layer);
    for (const s of r.services) {
      const same = d?.services.find((x) => x.proto === s.proto && (s.port === "any" ? x.port === "any" && x.address === s.address : x.port === s.port));
      // Only what the reference declares of the listener (name is free text).
      const pick = (x: typeof s) => ({ port: x.port, proto: x.proto, scope: x.scope, ...(s.address !== undefined ? { address: x.address } : {}), ...(s.process !== undefined ? { process: x.process } : {}) });
      check(at(`services ${s.proto}/${s.port}${s.address ? `@${s.address}` : ""}`), pick(s), same ? pick(same) : undefined);
    }
    if (r.prometheus) check(at("prometheus"), r.prometheus, d?.prometheus);
    if (r.proxmox) {
      const { guests, ...own } = r.proxmox;
      if (Object.keys(own).length) check(at("proxmox"), own, d?.proxmox ? (({ guests: _g, ...x }) => x)(d.proxmox) : undefined);
      for (const g of guests ?? []) check(at(`proxmox.guests ${g.vmid}`), g, d?.proxmox?.guests?.find((x) => x.vmid === g.vmid));
    }
    if (r.storage?.snapraid) check(at("storage.snapraid"), r.storage.snapraid, d?.storage?.snapraid);
    if (r.storage?.mergerfs) check(at("storage.mergerfs"), r.storage.mergerfs, d?.storage?.mergerfs);
    if (r.storage?.smart) check(at("storage.smart"), r.storage.smart, d?.storage?.smart);
    if (r.shares) {
      // Passwords are never read from a node: only the identities' names can match.
      for (const i of r.shares.identities) check(at(`shares.identities ${i.name}`), i.name, d?.shares?.identities.find((x) => x.name === i.name)?.name);
      for (const e of r.shares.exports) check(at(`shares.exports ${e.name}`), e, d?.shares?.exports.find((x) => x.name === e.name));
    }
    for (const m of r.mounts ?? []) {
      const dm = d?.mounts?.find((x) => x.path === m.path);
      const norm = (node: NodeDecl | undefined, x: typeof m) => ({ ...x, uid: ownerNumber(node, x.uid, "uid"), gid: ownerNumber(node, x.gid, "gid") });
      check(at(`mounts ${m.path}`), norm(r, m), dm ? norm(d, dm) : undefined);
    }
    for (const c of r.containers ?? []) {
      const dc = d?.containers?.find((x) => x.name === c.name);
      // `user` is optional: compared only where the reference declares it.
      check(at(`containers ${c.name}`), c, dc && c.user === undefined ? (({ user: _u, ...x }) => x)(dc) : dc);
    }
    for (const [k, v] of Object.entries(r.backups ?? {})) check(at(`backups.${k}`), v, (d?.backups as Record<string, unknown> | undefined)?.[k]);
    for (const i of r.identities ?? []) check(at(`identities ${i.name}`), i, d?.identities?.find((x) => x.name === i.name));
    if (r.reachability) check(at("reachability"), r.reachability, d?.reachability);
  }
  return out;
}
