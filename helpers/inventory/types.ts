// What is declared: the homelab as its operations document describes it. Grows section by
// section of the document; every field here has a matching entry in schema.ts.

import type { BackupsDecl } from "./sections/backups.ts";
import type { ContainersDecl } from "./sections/containers.ts";
import type { GpuDecl } from "./sections/gpu.ts";
import type { IdentitiesDecl } from "./sections/identities.ts";
import type { MountsDecl } from "./sections/mounts.ts";
import type { NextcloudDecl } from "./sections/nextcloud.ts";
import type { ProxmoxDecl } from "./sections/proxmox.ts";
import type { ReachabilityDecl } from "./sections/reachability.ts";
import type { RebootDecl } from "./sections/reboot.ts";
import type { RouterDecl } from "./sections/router.ts";
import type { SharesDecl } from "./sections/shares.ts";
import type { StorageDecl } from "./sections/storage.ts";
import type { TailnetDecl } from "./sections/tailnet.ts";

export type Layer = 0 | 1 | 2 | 3 | 4;
export type Role = "hypervisor" | "storage" | "compute" | "monitoring" | "service";
/** Where a service may be reached from (§1 exposure model, §5.1). */
export type BindScope = "loopback" | "lan" | "tailnet";

export interface SshSettings {
  /** Address or DNS name of the node. */
  host: string;
  port: number;
  user: string;
  /** Private key file; `~` is expanded. Absent when `agent` is used. */
  identityFile?: string;
  /** Use the SSH agent at $SSH_AUTH_SOCK instead of (or as well as) a key file. */
  agent?: boolean;
  /** Pinned host key, `ssh-ed25519 AAAA...` as in a .pub file. Wins over knownHosts. */
  hostKey?: string;
  /** known_hosts file consulted when no key is pinned. */
  knownHosts?: string;
  /** Name of another inventory node to hop through (forwardOut). */
  jump?: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** Parallel channels on the one connection; kept below sshd's MaxSessions (10). */
  maxChannels: number;
  /** Trust-on-first-use: accept and record an unknown host key. A changed key is always refused. */
  acceptNewHostKeys: boolean;
  /** Run probes through `sudo -n` (for a non-root login user). */
  sudo: boolean;
}

export interface ServiceDecl {
  name: string;
  /** "any" for a listener whose port is not fixed; then `address` says which socket it is. */
  port: number | "any";
  /** Exact bind address, when declared. */
  address?: string;
  proto: "tcp" | "udp";
  scope: BindScope;
  /** Process name as `ss -p` shows it; when set, the socket must belong to it. */
  process?: string;
}

/** An LXC reached through its Proxmox host: `pct exec VMID -- /bin/sh -c '…'` over the host's SSH. */
export interface PctSettings {
  /** The hypervisor node (reached over ssh) that runs this container. */
  host: string;
  vmid: number;
}

export interface NodeDecl {
  name: string;
  role: Role;
  layer: Layer;
  description?: string;
  /** How to reach the node: exactly one of `ssh` and `pct` is set. */
  ssh?: SshSettings;
  pct?: PctSettings;
  services: ServiceDecl[];
  /** This node runs the homelab's Prometheus (§1). */
  prometheus?: { url: string; nodeLabel: string };
  /** Sections of the document (helpers/inventory/sections), present when the node declares them. */
  proxmox?: ProxmoxDecl;
  storage?: StorageDecl;
  shares?: SharesDecl;
  mounts?: MountsDecl;
  containers?: ContainersDecl;
  backups?: BackupsDecl;
  identities?: IdentitiesDecl;
  reachability?: ReachabilityDecl;
  reboot?: RebootDecl;
  router?: RouterDecl;
  nextcloud?: NextcloudDecl;
  gpu?: GpuDecl;
  tailnet?: TailnetDecl;
}

export interface Inventory {
  /** Absolute path of the file it was read from. */
  file: string;
  version: 1;
  nodes: NodeDecl[];
}
