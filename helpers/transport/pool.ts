// One transport per node for the whole run, created on first use. Jump hosts are resolved
// through the same pool, so a jump node that is also checked keeps its single connection; an LXC
// reached with `pct exec` rides on its Proxmox host's connection the same way.
import type { Inventory, NodeDecl, SshHopSettings, SshSettings } from "../inventory/types.ts";
import { PctTransport } from "./pct.ts";
import { SshTransport } from "./ssh.ts";
import { TransportError, type Transport } from "./types.ts";

export interface PoolStats {
  /** Every TCP+SSH connection opened, per node, with its handshake time. */
  connections: Array<{ node: string; ms: number }>;
}

export class TransportPool {
  private readonly transports = new Map<string, SshTransport>();
  private readonly pcts = new Map<string, PctTransport>();
  /** ProxyJump hops outside the inventory (ssh_config), one connection per user@host:port. */
  private readonly hops = new Map<string, SshTransport>();
  readonly stats: PoolStats = { connections: [] };
  private readonly nodes: Map<string, NodeDecl>;

  constructor(inventory: Pick<Inventory, "nodes">) {
    this.nodes = new Map(inventory.nodes.map((n) => [n.name, n]));
  }

  /** Nodes learnt during the run (discover finds a host's guests on it). */
  add(nodes: NodeDecl[]): void {
    for (const n of nodes) if (!this.nodes.has(n.name)) this.nodes.set(n.name, n);
  }

  get(name: string): Transport {
    const node = this.nodes.get(name);
    if (node?.pct) {
      let t = this.pcts.get(name);
      if (!t) {
        t = new PctTransport({ node: name, vmid: node.pct.vmid, host: this.ssh(node.pct.host) });
        this.pcts.set(name, t);
      }
      return t;
    }
    return this.ssh(name);
  }

  private ssh(name: string): SshTransport {
    let t = this.transports.get(name);
    if (t) return t;
    const node = this.nodes.get(name);
    if (!node) throw new TransportError(name, "connect", "not in the inventory");
    if (!node.ssh) throw new TransportError(name, "connect", "has no ssh settings (it is reached through pct)");
    const jump = node.ssh.jump;
    const lastHop = this.hopChain(node.ssh);
    t = new SshTransport({
      node: name,
      ssh: node.ssh,
      via: jump ? (host, port) => this.ssh(jump).forwardOut(host, port) : lastHop ? (host, port) => lastHop.forwardOut(host, port) : undefined,
      onConnect: (n, ms) => this.stats.connections.push({ node: n, ms }),
    });
    this.transports.set(name, t);
    return t;
  }

  /**
   * The connection of the last ProxyJump hop of `ssh` (ssh_config), each hop reached through the
   * one before it, as `ssh -J a,b` does; undefined without hops. Hops inherit the node's trust
   * and timeout settings, their own address, user, key and known_hosts.
   */
  private hopChain(ssh: SshSettings): SshTransport | undefined {
    let previous: SshTransport | undefined;
    for (const hop of ssh.proxyJump ?? []) {
      const key = `${hop.user}@${hop.host}:${hop.port}${previous ? ` via ${previous.node}` : ""}`;
      let t = this.hops.get(key);
      if (!t) {
        const via = previous;
        t = new SshTransport({
          node: `${hop.alias} (ProxyJump)`,
          ssh: hopSettings(ssh, hop),
          via: via ? (host, port) => via.forwardOut(host, port) : undefined,
          onConnect: (n, ms) => this.stats.connections.push({ node: n, ms }),
        });
        this.hops.set(key, t);
      }
      previous = t;
    }
    return previous;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.transports.values()].map((t) => t.close()));
    await Promise.all([...this.hops.values()].map((t) => t.close()));
    this.transports.clear();
    this.hops.clear();
    this.pcts.clear();
  }
}

function hopSettings(node: SshSettings, hop: SshHopSettings): SshSettings {
  const { hostKey: _pinned, proxyJump: _hops, jump: _jump, configHost: _alias, ...rest } = node;
  return {
    ...rest,
    host: hop.host,
    port: hop.port,
    user: hop.user,
    ...(hop.identityFile ? { identityFile: hop.identityFile } : {}),
    ...(hop.knownHosts ? { knownHosts: hop.knownHosts } : {}),
    // A hop only forwards: no probe runs on it.
    sudo: false,
  };
}
