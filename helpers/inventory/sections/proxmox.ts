// Section `proxmox` (§3.1 boot layers, §3.3 start on boot, §4.4/§5.3 idmaps of unprivileged
// LXCs): how a VM or LXC is known to its Proxmox host.
//
// On a guest node:      proxmox: { vmid: 210, type: lxc, unprivileged: true,
//                                  identities: [{ name: nextcloud, uid: 1001, hostUid: 1001 }] }
// On the hypervisor:    proxmox: { guests: [{ vmid: 230, type: lxc, name: lxc230, layer: 3 }, ...] }
//
// A guest is declared on its own node (its boot layer is the node's `layer`), or in its host's
// `guests` list (for a guest that is not a node of this inventory: an appliance without SSH, or a
// node left out of a partial run), or both; where both declare a field they must agree. The
// specs run on the hypervisor and read the guests' configs there (`qm config`, `pct config`).
import { closest } from "../suggest.ts";
import type { Layer, NodeDecl } from "../types.ts";
import type { Section } from "./types.ts";

export type GuestType = "qemu" | "lxc";

export interface IdentityDecl {
  /** Account name inside the container, e.g. nextcloud. */
  name: string;
  uid: number;
  gid: number;
  /** Host uid it must map to; default: Proxmox's unprivileged offset (100000 + uid), or uid for a privileged CT. */
  hostUid?: number;
  hostGid?: number;
}

interface GuestFields {
  /** Declared exact start order and minimum up delay (seconds). */
  startup?: { order?: number; up?: number };
  /** LXC only; default true. */
  unprivileged?: boolean;
  /** LXC only: identities whose host uid/gid matter (owners of bind-mounted or shared data). */
  identities?: IdentityDecl[];
}

export interface HostedGuestDecl extends GuestFields {
  vmid: number;
  type: GuestType;
  /** The inventory node it is, or a label for reports. */
  name?: string;
  layer?: Layer;
}

export interface ProxmoxDecl extends GuestFields {
  /** Guest node: its VMID and kind. */
  vmid?: number;
  type?: GuestType;
  /** Guest node: its hypervisor node; default the inventory's only hypervisor. */
  host?: string;
  /** Hypervisor node: guests declared here rather than (or as well as) on their own node. */
  guests?: HostedGuestDecl[];
}

/** A guest as the specs see it: both declarations merged, defaults applied. */
export interface Guest {
  vmid: number;
  type: GuestType;
  /** Inventory node name, the host entry's `name`, or "VM 102" / "CT 210". */
  name: string;
  /** The inventory node it is, when it is one. */
  node?: string;
  layer: Layer;
  startup: { order?: number; up?: number };
  /** Always false for a VM. */
  unprivileged: boolean;
  identities: Array<Required<IdentityDecl>>;
}

/** Proxmox's default idmap offset for an unprivileged CT (u/g 0 100000 65536). */
export const DEFAULT_HOST_BASE = 100_000;

const id = (description: string) => ({ type: "integer", minimum: 0, maximum: 4_294_967_294, description });

const guestProperties = {
  vmid: {
    type: "integer",
    minimum: 100,
    maximum: 999_999_999,
    description: "The guest's VMID on its Proxmox host (100 to 999999999), as in /etc/pve/qemu-server/<vmid>.conf or /etc/pve/lxc/<vmid>.conf.",
  },
  type: {
    type: "string",
    enum: ["qemu", "lxc"],
    enumDescriptions: ["a QEMU/KVM virtual machine (qm)", "an LXC container (pct)"],
    description: "Kind of guest: `qemu` for a VM (read with `qm config`), `lxc` for a container (read with `pct config`).",
  },
  startup: {
    type: "object",
    additionalProperties: false,
    description:
      "Declared start-up settings, beyond what the boot layers imply (§3.1): an exact start `order`, and a minimum `up` delay.",
    properties: {
      order: { type: "integer", minimum: 0, description: "The `startup: order=` this guest must have." },
      up: {
        type: "integer",
        minimum: 0,
        description: "Minimum `startup: up=` (seconds the host waits after starting this guest before starting the next).",
      },
    },
  },
  unprivileged: {
    type: "boolean",
    description: "LXC only: the container must be unprivileged (`unprivileged: 1`). Default true; false declares a privileged container.",
    default: true,
  },
  identities: {
    type: "array",
    description:
      "LXC only: container accounts whose ids on the host matter (they own data on bind mounts or shares, §4.4, §5.3), and the host uid/gid each must map to.",
    items: {
      type: "object",
      additionalProperties: false,
      required: ["name", "uid"],
      description: "A container account and the host ids it must map to through the container's idmap.",
      properties: {
        name: {
          type: "string",
          pattern: "^[a-z_][a-z0-9_.-]*\\$?$",
          patternErrorMessage: "an account name (lowercase letters, digits, '_', '.', '-'), e.g. nextcloud",
          description: "Account name inside the container, used in reports.",
        },
        uid: id("Its uid inside the container."),
        gid: id("Its primary gid inside the container. Default: the uid."),
        hostUid: id(
          "The uid it must have on the host, i.e. what its files are owned by outside the container. Default: 100000 + uid (Proxmox's unprivileged offset); the uid itself for a privileged container. Set it to the uid for a pass-through mapping.",
        ),
        hostGid: id("The gid it must have on the host. Default: 100000 + gid (unprivileged), the gid itself (privileged)."),
      },
    },
  },
};

const LAYER_ENUM = {
  type: "integer",
  enum: [1, 2, 3, 4],
  enumDescriptions: ["storage", "compute", "services", "validation"],
  description: "Boot-order layer of the guest (§3.1). Required unless a node of this inventory is this guest (then it is that node's layer).",
};

/** The section as the schema admits it (before defaults): an identity's gid may be left out. */
type RawGuestFields = Omit<GuestFields, "identities"> & { identities?: Array<Omit<IdentityDecl, "gid"> & { gid?: number }> };
type RawProxmox = Omit<ProxmoxDecl, "guests" | "identities"> &
  RawGuestFields & { guests?: Array<Omit<HostedGuestDecl, "identities"> & RawGuestFields> };

export const proxmoxSection: Section<RawProxmox, ProxmoxDecl> = {
  problems: (nodes, at, lineOf) => proxmoxProblems(nodes, at, lineOf),
  key: "proxmox",
  schema: {
    type: "object",
    additionalProperties: false,
    description:
      "How this node is known to Proxmox. On a VM or LXC: its `vmid` and `type` (and for an LXC its idmap expectations). On the hypervisor: `guests` that are not nodes of this inventory.",
    properties: {
      ...guestProperties,
      host: {
        type: "string",
        pattern: "^[a-z0-9][a-z0-9-]*$",
        patternErrorMessage: "a lowercase name of letters, digits and '-' (e.g. pve)",
        description: "Guest nodes: the node (role hypervisor) this guest runs on. Default: the inventory's only hypervisor.",
      },
      guests: {
        type: "array",
        description:
          "Hypervisor only: guests of this host declared here, e.g. a guest that is not a node of this inventory. A guest that is also a node may be listed too; the fields both give must agree.",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["vmid", "type"],
          description: "A guest of this Proxmox host.",
          properties: {
            ...guestProperties,
            name: {
              type: "string",
              minLength: 1,
              description: "The inventory node this guest is, or a label for reports (e.g. its Proxmox name).",
            },
            layer: LAYER_ENUM,
          },
        },
      },
    },
  },
  normalize: (raw) => {
    const fields = (g: RawGuestFields): GuestFields => ({
      ...(g.startup ? { startup: { ...g.startup } } : {}),
      ...(g.unprivileged !== undefined ? { unprivileged: g.unprivileged } : {}),
      ...(g.identities ? { identities: g.identities.map((i) => ({ ...i, gid: i.gid ?? i.uid })) } : {}),
    });
    return {
      ...(raw.vmid !== undefined ? { vmid: raw.vmid } : {}),
      ...(raw.type !== undefined ? { type: raw.type } : {}),
      ...(raw.host !== undefined ? { host: raw.host } : {}),
      ...fields(raw),
      ...(raw.guests
        ? {
            guests: raw.guests.map((g) => ({
              vmid: g.vmid,
              type: g.type,
              ...(g.name !== undefined ? { name: g.name } : {}),
              ...(g.layer !== undefined ? { layer: g.layer } : {}),
              ...fields(g),
            })),
          }
        : {}),
    };
  },
};

/** The hypervisor node a guest node runs on: its `proxmox.host`, else the only hypervisor. */
export function hostOf(node: Pick<NodeDecl, "proxmox">, nodes: readonly Pick<NodeDecl, "name" | "role">[]): string | undefined {
  if (node.proxmox?.host) return node.proxmox.host;
  const hypervisors = nodes.filter((n) => n.role === "hypervisor");
  return hypervisors.length === 1 ? hypervisors[0]!.name : undefined;
}

export const kindLabel = (type: GuestType, vmid: number) => `${type === "lxc" ? "CT" : "VM"} ${vmid}`;

/** "lxc210 (CT 210)", or "CT 210" when the guest has no name. */
export function guestLabel(g: Pick<Guest, "name" | "type" | "vmid">): string {
  const kind = kindLabel(g.type, g.vmid);
  return g.name === kind ? kind : `${g.name} (${kind})`;
}

/**
 * Every guest declared for a hypervisor: from its `guests` list and from the nodes whose
 * `proxmox.host` is it (or that have no host and it is the only hypervisor), merged by VMID,
 * in VMID order. The inventory validator has made sure that both sources agree.
 */
export function guestsOf(hypervisor: Pick<NodeDecl, "name" | "role" | "proxmox">, nodes: readonly NodeDecl[]): Guest[] {
  if (hypervisor.role !== "hypervisor") return [];
  type Parts = { entry?: HostedGuestDecl; node?: NodeDecl };
  const byVmid = new Map<number, Parts>();
  for (const entry of hypervisor.proxmox?.guests ?? []) byVmid.set(entry.vmid, { ...byVmid.get(entry.vmid), entry });
  for (const n of nodes) {
    const p = n.proxmox;
    if (n.role === "hypervisor" || p?.vmid === undefined || p.type === undefined) continue;
    if (hostOf(n, nodes) !== hypervisor.name) continue;
    byVmid.set(p.vmid, { ...byVmid.get(p.vmid), node: n });
  }
  const guests: Guest[] = [];
  for (const [vmid, { entry, node }] of byVmid) {
    const p = node?.proxmox;
    const type = (p?.type ?? entry?.type)!;
    const layer = node?.layer ?? entry?.layer;
    if (layer === undefined) continue; // reported by the validator
    const unprivileged = type === "lxc" && (p?.unprivileged ?? entry?.unprivileged ?? true);
    const base = unprivileged ? DEFAULT_HOST_BASE : 0;
    const identities = (p?.identities ?? entry?.identities ?? []).map((i) => ({
      name: i.name,
      uid: i.uid,
      gid: i.gid,
      hostUid: i.hostUid ?? base + i.uid,
      hostGid: i.hostGid ?? base + i.gid,
    }));
    guests.push({
      vmid,
      type,
      name: node?.name ?? entry?.name ?? kindLabel(type, vmid),
      ...(node ? { node: node.name } : {}),
      layer,
      startup: { ...entry?.startup, ...p?.startup },
      unprivileged,
      identities: type === "lxc" ? identities : [],
    });
  }
  return guests.sort((a, b) => a.vmid - b.vmid);
}

// ---- Validation the schema cannot express (called from ../semantic.ts) ----

type Rec = Record<string, unknown>;
type At = (segments: Array<string | number>, message: string) => void;
type LineOf = (segments: Array<string | number>) => number;

const GUEST_KEYS = ["vmid", "type", "host", "startup", "unprivileged", "identities"] as const;
const LXC_ONLY = ["unprivileged", "identities"] as const;

export function proxmoxProblems(nodes: readonly unknown[], at: At, lineOf: LineOf): void {
  const recs = nodes.map((n) => (isRecord(n) ? n : {}));
  const names = new Map<string, number>();
  recs.forEach((n, i) => typeof n.name === "string" && !names.has(n.name) && names.set(n.name, i));
  const hypervisors = recs.flatMap((n) => (n.role === "hypervisor" && typeof n.name === "string" ? [n.name] : []));

  // Guests per host, by VMID: where each is declared, to catch duplicates and disagreements.
  const nodeGuests = new Map<string, Map<number, number>>(); // host → vmid → node index

  recs.forEach((n, i) => {
    const p = n.proxmox;
    if (!isRecord(p)) return;
    const here = ["nodes", i, "proxmox"];
    if (n.role === "hypervisor") {
      for (const k of GUEST_KEYS) {
        if (p[k] !== undefined) at([...here, k], "must not be set on the hypervisor: it describes a guest (list this host's guests under proxmox.guests)");
      }
      if (Array.isArray(p.guests)) p.guests.forEach((g, j) => isRecord(g) && checkGuestFields(g, [...here, "guests", j], at, lineOf));
      return;
    }
    if (p.guests !== undefined) at([...here, "guests"], `must only be set on the hypervisor, got it on a node with role ${String(n.role)}`);
    const missing = (["vmid", "type"] as const).filter((k) => p[k] === undefined);
    if (missing.length) {
      const present = Object.keys(p);
      at(here, `must have key '${missing[0]}' (the guest's VMID and kind on its Proxmox host), ${present.length ? `got keys ${present.join(", ")}` : "got an empty mapping"}`);
    }
    checkGuestFields(p, here, at, lineOf);

    // Which host.
    let host: string | undefined;
    if (typeof p.host === "string") {
      const target = names.get(p.host);
      if (target === undefined) at([...here, "host"], `must name a node of this inventory, got ${JSON.stringify(p.host)}, ${hint(p.host, names.keys())}`);
      else if (recs[target]!.role !== "hypervisor")
        at([...here, "host"], `must name a node with role hypervisor, got ${JSON.stringify(p.host)} (role ${String(recs[target]!.role)})`);
      else host = p.host;
    } else if (p.host === undefined) {
      if (hypervisors.length === 0) at(here, "needs its Proxmox host, but no node of this inventory has role hypervisor");
      else if (hypervisors.length > 1) at(here, `must set host: the inventory has several hypervisors (${hypervisors.join(", ")})`);
      else host = hypervisors[0];
    }
    if (host === undefined || typeof p.vmid !== "number") return;
    const onHost = nodeGuests.get(host) ?? new Map<number, number>();
    nodeGuests.set(host, onHost);
    const first = onHost.get(p.vmid);
    if (first !== undefined) {
      at([...here, "vmid"], `must be unique on host ${host}, got ${p.vmid} which node ${String(recs[first]!.name)} already declares (line ${lineOf(["nodes", first, "proxmox", "vmid"])})`);
    } else onHost.set(p.vmid, i);
  });

  // The hypervisors' lists: unique VMIDs, a layer for guests that are not nodes, agreement with nodes.
  recs.forEach((h, hi) => {
    if (h.role !== "hypervisor" || !isRecord(h.proxmox) || !Array.isArray(h.proxmox.guests) || typeof h.name !== "string") return;
    const seen = new Map<number, number>();
    h.proxmox.guests.forEach((g, j) => {
      if (!isRecord(g) || typeof g.vmid !== "number") return;
      const here = ["nodes", hi, "proxmox", "guests", j];
      const dup = seen.get(g.vmid);
      if (dup !== undefined) {
        at([...here, "vmid"], `must be unique in this list, got ${g.vmid} again (first at guests[${dup}], line ${lineOf(["nodes", hi, "proxmox", "guests", dup, "vmid"])})`);
        return;
      }
      seen.set(g.vmid, j);
      const ni = nodeGuests.get(h.name as string)?.get(g.vmid);
      if (ni === undefined) {
        if (g.layer === undefined) {
          at(here, `must have key 'layer': ${kindLabel(g.type === "lxc" ? "lxc" : "qemu", g.vmid)} is not a node of this inventory, so its boot layer is declared here, got keys ${Object.keys(g).join(", ")}`);
        }
        return;
      }
      const node = recs[ni]!;
      const p = node.proxmox as Rec;
      const nodeLine = lineOf(["nodes", ni, "proxmox", "vmid"]);
      const who = `node ${String(node.name)} (line ${nodeLine})`;
      if (g.name !== undefined && g.name !== node.name) at([...here, "name"], `must be the name of ${who}, which declares VMID ${g.vmid}, got ${JSON.stringify(g.name)}`);
      if (g.layer !== undefined && g.layer !== node.layer) at([...here, "layer"], `must agree with ${who}, which has layer ${JSON.stringify(node.layer)}, got ${JSON.stringify(g.layer)}`);
      for (const k of ["type", "startup", "unprivileged", "identities"] as const) {
        if (g[k] !== undefined && p[k] !== undefined && !sameValue(g[k], p[k])) {
          at([...here, k], `must agree with ${who}, which declares ${k}: ${JSON.stringify(p[k])}, got ${JSON.stringify(g[k])}`);
        }
      }
    });
  });
}

/** Rules that hold for a guest wherever it is declared. */
function checkGuestFields(g: Rec, here: Array<string | number>, at: At, lineOf: LineOf): void {
  if (g.type === "qemu") {
    for (const k of LXC_ONLY) if (g[k] !== undefined) at([...here, k], "must only be set for an LXC (type: lxc), got type qemu");
  }
  if (!Array.isArray(g.identities)) return;
  const byName = new Map<string, number>();
  const byUid = new Map<number, number>();
  g.identities.forEach((ident, k) => {
    if (!isRecord(ident)) return;
    const at2 = [...here, "identities", k];
    if (typeof ident.name === "string") {
      const first = byName.get(ident.name);
      if (first === undefined) byName.set(ident.name, k);
      else at([...at2, "name"], `must be unique within the guest, got ${JSON.stringify(ident.name)} again (first at identities[${first}], line ${lineOf([...here, "identities", first, "name"])})`);
    }
    if (typeof ident.uid === "number") {
      const first = byUid.get(ident.uid);
      if (first === undefined) byUid.set(ident.uid, k);
      else at([...at2, "uid"], `must be unique within the guest, got ${ident.uid} again (first at identities[${first}], line ${lineOf([...here, "identities", first, "uid"])})`);
    }
  });
}

/** Order-insensitive for mapping keys, as YAML mappings are. */
function sameValue(a: unknown, b: unknown): boolean {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : isRecord(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v;
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

function hint(name: string, candidates: Iterable<string>): string {
  const list = [...candidates];
  const guess = closest(name, list);
  return guess ? `did you mean '${guess}'?` : `nodes are ${list.join(", ")}`;
}

function isRecord(value: unknown): value is Rec {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}


declare module "../types.ts" {
  interface NodeDecl {
    proxmox?: ProxmoxDecl;
  }
}
