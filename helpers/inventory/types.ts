// What is declared: the homelab as its operations document describes it. Grows section by
// section of the document; every field here has a matching entry in schema.ts.


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
  /**
   * Hops outside the inventory to go through first (ssh_config ProxyJump), first hop first; the
   * last one reaches this node. Each hop is one SSH connection of its own, shared in a run.
   */
  proxyJump?: SshHopSettings[];
  /** The ssh_config Host alias the settings were read from, if any (for messages). */
  configHost?: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** Parallel channels on the one connection; kept below sshd's MaxSessions (10). */
  maxChannels: number;
  /** Trust-on-first-use: accept and record an unknown host key. A changed key is always refused. */
  acceptNewHostKeys: boolean;
  /** Run probes through `sudo -n` (for a non-root login user). */
  sudo: boolean;
}

/** One ProxyJump hop, resolved from ssh_config. */
export interface SshHopSettings {
  host: string;
  port: number;
  user: string;
  identityFile?: string;
  knownHosts?: string;
  /** The alias it was named by. */
  alias: string;
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
  // Sections of the document add their own key here (helpers/inventory/sections/*.ts, `declare module`),
  // present when the node declares them.
}

export interface Inventory {
  /** Absolute path of the file it was read from. */
  file: string;
  version: 1;
  nodes: NodeDecl[];
}
