// One transport per node for the whole run, created on first use. Jump hosts are resolved
// through the same pool, so a jump node that is also checked keeps its single connection.
import type { Inventory, NodeDecl } from "../inventory/types.ts";
import { SshTransport } from "./ssh.ts";
import { TransportError, type Transport } from "./types.ts";

export interface PoolStats {
  /** Every TCP+SSH connection opened, per node, with its handshake time. */
  connections: Array<{ node: string; ms: number }>;
}

export class TransportPool {
  private readonly transports = new Map<string, SshTransport>();
  readonly stats: PoolStats = { connections: [] };
  private readonly nodes: Map<string, NodeDecl>;

  constructor(inventory: Pick<Inventory, "nodes">) {
    this.nodes = new Map(inventory.nodes.map((n) => [n.name, n]));
  }

  get(name: string): Transport {
    return this.ssh(name);
  }

  private ssh(name: string): SshTransport {
    let t = this.transports.get(name);
    if (t) return t;
    const node = this.nodes.get(name);
    if (!node) throw new TransportError(name, "connect", "not in the inventory");
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
  }
}
