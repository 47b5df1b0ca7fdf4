// One transport per node for the whole run, created on first use. Jump hosts are resolved
// through the same pool, so a jump node that is also checked keeps its single connection; an LXC
// reached with `pct exec` rides on its Proxmox host's connection the same way.
import type { Inventory, NodeDecl } from "../inventory/types.ts";
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
  readonly stats: PoolStats = { connections: [] };
  private readonly nodes: Map<string, NodeDecl>;

  constructor(inventory: Pick<Inventory, "nodes">) {
    this.nodes = new Map(inventory.nodes.map((n) => [n.name, n]));
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
    t = new SshTransport({
      node: name,
      ssh: node.ssh,
      via: jump ? (host, port) => this.ssh(jump).forwardOut(host, port) : undefined,
      onConnect: (n, ms) => this.stats.connections.push({ node: n, ms }),
    });
    this.transports.set(name, t);
    return t;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.transports.values()].map((t) => t.close()));
    this.transports.clear();
    this.pcts.clear();
  }
}
