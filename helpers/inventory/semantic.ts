// Rules a JSON Schema cannot state: uniqueness across list items, references between nodes, and
// settings that only hold after defaults are merged. They run even when the schema found
// problems (so one run reports everything) and therefore guard every value they read.
import type { Problem } from "./errors.ts";
import { displayPath, toPointer, type Segment, type SourceMap } from "./positions.ts";
import { HOST_KEY_TYPES } from "./schema.ts";
import { SECTIONS } from "./sections/index.ts";
import { closest } from "./suggest.ts";

type Rec = Record<string, unknown>;

export function semanticProblems(data: unknown, source: SourceMap): Problem[] {
  if (!isRecord(data) || !Array.isArray(data.nodes)) return [];
  const nodes = data.nodes as unknown[];
  const defaultsSsh = isRecord(data.defaults) && isRecord(data.defaults.ssh) ? data.defaults.ssh : {};
  const problems: Problem[] = [];
  const at = (segments: Segment[], message: string) =>
    problems.push({ ...source.value(toPointer(segments)), path: displayPath(segments), message });
  const lineOf = (segments: Segment[]) => source.value(toPointer(segments)).line;

  // Node names are how jumps, reports and filters refer to nodes.
  const firstIndex = new Map<string, number>();
  nodes.forEach((node, i) => {
    if (!isRecord(node) || typeof node.name !== "string") return;
    const first = firstIndex.get(node.name);
    if (first === undefined) firstIndex.set(node.name, i);
    else
      at(
        ["nodes", i, "name"],
        `must be a unique node name, got ${JSON.stringify(node.name)} which nodes[${first}] already uses (line ${lineOf(["nodes", first, "name"])})`,
      );
  });

  nodes.forEach((node, i) => {
    if (!isRecord(node)) return;
    checkServices(node, i, at, lineOf);
    checkReach(nodes, node, i, firstIndex, at);
    if (!isRecord(node.ssh)) return;
    const ssh = node.ssh;

    // Authentication must be possible once defaults are merged in.
    const identityFile = ssh.identityFile ?? defaultsSsh.identityFile;
    const agent = ssh.agent ?? defaultsSsh.agent;
    // A non-boolean agent (`agent: yes`) is the schema's to report; guessing here would double it.
    // A node read from ssh_config takes its IdentityFile from there (resolved when it loads).
    if (identityFile === undefined && (agent === undefined || agent === false) && ssh.configHost === undefined) {
      at(["nodes", i, "ssh"], "must set identityFile or agent: true (here or in defaults.ssh), got neither");
    }

    if (typeof ssh.hostKey === "string") {
      const wrong = hostKeyBlobProblem(ssh.hostKey);
      if (wrong) at(["nodes", i, "ssh", "hostKey"], wrong);
    }

    if (typeof ssh.jump === "string" && ssh.jump === node.name) {
      at(["nodes", i, "ssh", "jump"], `must name another node, got ${JSON.stringify(ssh.jump)}, the node itself`);
    } else if (typeof ssh.jump === "string" && !firstIndex.has(ssh.jump)) {
      const guess = closest(ssh.jump, firstIndex.keys());
      const hint = guess ? `did you mean '${guess}'?` : `nodes are ${[...firstIndex.keys()].join(", ")}`;
      at(["nodes", i, "ssh", "jump"], `must name a node of this inventory, got ${JSON.stringify(ssh.jump)}, ${hint}`);
    } else if (typeof ssh.jump === "string" && !isRecord((nodes[firstIndex.get(ssh.jump)!] as Rec).ssh)) {
      at(["nodes", i, "ssh", "jump"], `must name a node reached over ssh, got ${JSON.stringify(ssh.jump)}, which is reached through pct`);
    }
  });

  // Each section's own rules, in its file (helpers/inventory/sections).
  // Each section checks its own rules (helpers/inventory/sections).
  for (const section of SECTIONS) section.problems?.(nodes, at, lineOf);

  for (const cycle of jumpCycles(nodes, firstIndex)) {
    const first = cycle[0]!;
    const names = cycle.map((i) => (nodes[i] as Rec).name as string);
    at(["nodes", first, "ssh", "jump"], `must not loop, got the jump chain ${[...names, names[0]].join(" -> ")}`);
  }
  return problems;
}

/** A node is reached over `ssh` or through `pct` on its Proxmox host: exactly one of them. */
function checkReach(
  nodes: readonly unknown[],
  node: Rec,
  i: number,
  firstIndex: ReadonlyMap<string, number>,
  at: (segments: Segment[], message: string) => void,
): void {
  if (node.ssh === undefined && node.pct === undefined) {
    at(["nodes", i], `must have key 'ssh' (or 'pct' for an LXC reached through its Proxmox host), got keys ${Object.keys(node).join(", ")}`);
  }
  if (node.ssh !== undefined && node.pct !== undefined) {
    at(["nodes", i, "pct"], "must not be given together with ssh: a node is reached either over ssh or through pct on its Proxmox host");
  }
  const pct = node.pct;
  if (!isRecord(pct)) return;
  if (typeof pct.host === "string") {
    const target = firstIndex.get(pct.host);
    const host = target === undefined ? undefined : (nodes[target] as Rec);
    if (pct.host === node.name) at(["nodes", i, "pct", "host"], `must name the Proxmox host, got ${JSON.stringify(pct.host)}, the node itself`);
    else if (!host) {
      const guess = closest(pct.host, firstIndex.keys());
      const hint = guess ? `did you mean '${guess}'?` : `nodes are ${[...firstIndex.keys()].join(", ")}`;
      at(["nodes", i, "pct", "host"], `must name a node of this inventory, got ${JSON.stringify(pct.host)}, ${hint}`);
    } else if (host.role !== "hypervisor") {
      at(["nodes", i, "pct", "host"], `must name a node with role hypervisor, got ${JSON.stringify(pct.host)} (role ${String(host.role)})`);
    } else if (!isRecord(host.ssh)) {
      at(["nodes", i, "pct", "host"], `must name a node reached over ssh, got ${JSON.stringify(pct.host)}, which has no ssh block`);
    }
  }
  // The container pct reaches must be the guest the proxmox section describes.
  const px = node.proxmox;
  if (isRecord(px)) {
    if (typeof px.vmid === "number" && typeof pct.vmid === "number" && px.vmid !== pct.vmid) {
      at(["nodes", i, "pct", "vmid"], `must be the node's proxmox.vmid ${px.vmid}, got ${pct.vmid}`);
    }
    if (px.type === "qemu") at(["nodes", i, "pct"], "must only be used for an LXC: pct cannot exec in a VM (proxmox.type is qemu)");
    if (typeof px.host === "string" && typeof pct.host === "string" && px.host !== pct.host) {
      at(["nodes", i, "pct", "host"], `must be the node's proxmox.host ${JSON.stringify(px.host)}, got ${JSON.stringify(pct.host)}`);
    }
  }
}

function checkServices(
  node: Rec,
  i: number,
  at: (segments: Segment[], message: string) => void,
  lineOf: (segments: Segment[]) => number,
): void {
  if (!Array.isArray(node.services)) return;
  const byName = new Map<string, number>();
  const bySocket = new Map<string, number>();
  (node.services as unknown[]).forEach((svc, j) => {
    if (!isRecord(svc)) return;
    const here = ["nodes", i, "services", j];
    if (typeof svc.name === "string") {
      const first = byName.get(svc.name);
      if (first === undefined) byName.set(svc.name, j);
      else
        at(
          [...here, "name"],
          `must be unique within the node, got ${JSON.stringify(svc.name)} again (first at services[${first}], line ${lineOf(["nodes", i, "services", first, "name"])})`,
        );
    }
    const proto = svc.proto ?? "tcp";
    if (svc.port === "any" && typeof svc.address !== "string") {
      at([...here, "port"], "`any` needs `address`: without a fixed port, the bind address is what identifies the socket");
    }
    if (typeof svc.port === "number" && (proto === "tcp" || proto === "udp")) {
      // Two sockets may share a port on different declared addresses (e.g. 127.0.0.53:53, 127.0.0.54:53).
      const socket = `${svc.port}/${proto}${typeof svc.address === "string" ? ` on ${svc.address}` : ""}`;
      const first = bySocket.get(socket);
      if (first === undefined) bySocket.set(socket, j);
      else {
        const other = (node.services as Rec[])[first]!;
        at(
          [...here, "port"],
          `must not repeat a port, got ${socket} which service ${JSON.stringify(other.name)} already declares (line ${lineOf(["nodes", i, "services", first, "port"])})`,
        );
      }
    }
  });
}

/** Each jump loop once, as node indexes starting from the member that comes first in the file. */
function jumpCycles(nodes: readonly unknown[], firstIndex: ReadonlyMap<string, number>): number[][] {
  const next = (i: number): number | undefined => {
    const node = nodes[i];
    if (!isRecord(node) || !isRecord(node.ssh) || typeof node.ssh.jump !== "string") return undefined;
    const target = firstIndex.get(node.ssh.jump);
    return target === i ? undefined : target; // a self-jump is reported on its own
  };
  const cycles: number[][] = [];
  const done = new Set<number>();
  for (let start = 0; start < nodes.length; start++) {
    const chain: number[] = [];
    let i: number | undefined = start;
    while (i !== undefined && !done.has(i) && !chain.includes(i)) {
      chain.push(i);
      i = next(i);
    }
    if (i !== undefined && chain.includes(i)) {
      const loop = chain.slice(chain.indexOf(i));
      const lowest = Math.min(...loop);
      const k = loop.indexOf(lowest);
      cycles.push([...loop.slice(k), ...loop.slice(0, k)]);
    }
    chain.forEach((c) => done.add(c));
  }
  return cycles;
}

/** The schema checks the `<type> <base64>` shape; the blob itself names its type (uint32 length,
 * then the name), which catches a key pasted under the wrong type or a truncated paste. */
function hostKeyBlobProblem(hostKey: string): string | undefined {
  const [type, base64] = hostKey.split(" ");
  if (!type || !base64 || !(HOST_KEY_TYPES as readonly string[]).includes(type)) return undefined; // schema's job
  const blob = Buffer.from(base64, "base64");
  const len = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  const embedded = len > 0 && 4 + len <= blob.length ? blob.subarray(4, 4 + len).toString("latin1") : undefined;
  if (embedded === type) return undefined;
  return embedded && /^[\x21-\x7e]+$/.test(embedded)
    ? `must be a key of type ${type}, got a key blob of type ${JSON.stringify(embedded)}`
    : `must be a key of type ${type}, got base64 that is not an SSH public key blob`;
}

function isRecord(value: unknown): value is Rec {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
