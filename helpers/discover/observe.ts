// What discover reads on the live homelab, read-only, with the suite's own probes (helpers/probes)
// and transport (one SSH connection per node, each round trip one batch): first a node's
// basics (listeners, addresses, accounts, and which tools and files it has), then the probes
// those basics call for (Samba, SnapRAID, MergerFS, mounts, containers, Prometheus, backups,
// guest configs). Guests of a Proxmox host are found with `qm list` / `pct list`; an LXC's host
// key is read through `pct exec` (over the host's trusted connection), a VM's is the one it
// presents through the host (trust on first use, said so in the draft).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gatherNode } from "../facts/gather.ts";
import type { FactRecord, NodeFacts } from "../facts/types.ts";
import type { NodeDecl, SshSettings } from "../inventory/types.ts";
import { accounts, type Accounts } from "../probes/accounts.ts";
import { interfaceAddresses, type NetInterface } from "../probes/addresses.ts";
import { backupListing, type BackupListing } from "../probes/backups.ts";
import { containerUsers, type ContainerUser } from "../probes/container-users.ts";
import { containers, type ContainerInfo } from "../probes/containers.ts";
import { mergerfsBranches, type MergerfsBranch } from "../probes/mergerfs.ts";
import { networkMounts, type NetworkMountsFact } from "../probes/network-mounts.ts";
import { nextcloudDump, type DumpCheck } from "../probes/nextcloud-dump.ts";
import { prometheusTargets, type ScrapeTarget } from "../probes/prometheus.ts";
import { guestConfigs, subordinateIds, type GuestConfig, type GuestRef, type SubordinateIds } from "../probes/proxmox.ts";
import { sambaConfig, type SambaConfig } from "../probes/samba-config.ts";
import { sambaShares, type SambaSources } from "../probes/samba-shares.ts";
import { snapraidConfig, type SnapraidConfig } from "../probes/snapraid.ts";
import { listeningSockets, type ListeningSocket } from "../probes/sockets.ts";
import type { Probe } from "../probes/types.ts";
import { parseFstab, type FstabEntry } from "../probes/network-mounts.ts";
import { TransportPool } from "../transport/pool.ts";
import { backupOwners, basics, hypervisorExtras, hypervisorGuestAccess, type HypervisorExtras, type NodeBasics } from "./probes.ts";

/** Where discover starts: a host as the operator reaches it (command line, ssh_config, Ansible). */
export interface Target {
  name: string;
  ssh: SshSettings;
  /** How the operator named it (an ssh_config alias, an Ansible host), kept in the draft. */
  via?: { configHost?: string; ansibleHost?: string };
}

export interface Observed {
  name: string;
  /** How the draft reaches it. */
  reach: { ssh: SshSettings; hostKeySeen?: "pinned" | "pct" | "first-use" } | { pct: { host: string; vmid: number } };
  via?: Target["via"];
  /** Set for a Proxmox guest. */
  guest?: { vmid: number; type: "qemu" | "lxc"; host: string };
  basics?: NodeBasics;
  sockets?: ListeningSocket[];
  interfaces?: NetInterface[];
  accounts?: Accounts;
  samba?: { config: SambaConfig; sources?: SambaSources };
  snapraid?: SnapraidConfig;
  snapraidTimers: string[];
  /** Every timer the node has (a backup's job is drafted from them: `backups.*.schedule`). */
  timers?: string[];
  /** Backup folder -> its owner (`stat -c %U`). */
  backupOwners?: Record<string, string>;
  mergerfs?: { mountpoint: string; branches: MergerfsBranch[] };
  fstab: FstabEntry[];
  networkMounts?: NetworkMountsFact;
  containers?: ContainerInfo[];
  containerUsers?: ContainerUser[];
  prometheus?: { url: string; targets: ScrapeTarget[] };
  vaultwarden?: BackupListing;
  nextcloudDump?: { dir: string; pattern: string; check: DumpCheck };
  hypervisor?: { extras: HypervisorExtras; configs: GuestConfig[]; subids?: SubordinateIds };
  /** Probes that could not be read, and why (listed in the draft's header). */
  unread: string[];
  error?: string;
}

/** A network file system as a consumer mounts one (fstab type, or an SMB source `//host/share`). */
export function isNetworkMount(e: FstabEntry): boolean {
  return /^(cifs|smb3|smbfs|smbfuse|fuse\.smbnetfs|nfs4?)$/.test(e.fstype) || /^\/\/[^/]+\/./.test(e.source);
}

function fact<T>(facts: NodeFacts, name: string, o: Observed): T | undefined {
  const f = facts.facts[name] as FactRecord<T> | undefined;
  if (!f) return undefined;
  if (!f.ok) {
    o.unread.push(`${name}: ${f.error}`);
    return undefined;
  }
  return f.value;
}

export interface ObserveResult {
  nodes: Observed[];
  connections: number;
  roundTrips: number;
}

/**
 * Read every target and, for a Proxmox host, every guest it lists. `knownHosts` is the operator's
 * file, used for the targets; guests are trusted through their host (see above).
 */
export async function observe(targets: Target[], log: (line: string) => void = () => {}): Promise<ObserveResult> {
  const nodes: NodeDecl[] = targets.map((t) => ({ name: t.name, role: "service", layer: 3, ssh: t.ssh, services: [] }));
  const pool = new TransportPool({ nodes });
  const scratch = mkdtempSync(join(tmpdir(), "hlc-discover-"));
  let roundTrips = 0;
  const gather = async (name: string, probes: Probe<unknown>[]) => {
    const f = await gatherNode(pool.get(name), probes);
    roundTrips += f.roundTrips;
    return f;
  };
  try {
    const observed: Observed[] = targets.map((t) => ({ name: t.name, reach: { ssh: t.ssh, hostKeySeen: "pinned" }, via: t.via, fstab: [], snapraidTimers: [], unread: [] }));
    await Promise.all(observed.map((o) => readNode(o, gather, log)));
    // Guests of every hypervisor among the targets.
    for (const host of observed.filter((o) => o.hypervisor)) {
      const known = new Set(observed.map((o) => o.name));
      const extras = host.hypervisor!.extras;
      const guests: Observed[] = [];
      for (const g of extras.guests) {
        const cfg = host.hypervisor!.configs.find((c) => c.vmid === g.vmid && c.type === g.type);
        const name = (cfg?.name ?? g.name ?? `${g.type === "qemu" ? "vm" : "ct"}${g.vmid}`).toLowerCase().replace(/[^a-z0-9-]/g, "-");
        if (known.has(name)) continue;
        // The host's status is a hint, not a verdict (a busy guest can read as stopped): every
        // guest is tried, and one that cannot be read is listed from its config only.
        if (g.status !== "running") log(`[discover] ${name} (${g.type} ${g.vmid}) reads as ${g.status} on ${host.name}: trying it all the same`);
        const hostKey = extras.hostKeys[g.vmid];
        const address = extras.resolved[g.name ?? name];
        let reach: Observed["reach"];
        if (g.type === "lxc" && !hostKey) {
          // No sshd of its own: through `pct exec` on the host, as an operator reaches it.
          reach = { pct: { host: host.name, vmid: g.vmid } };
        } else {
          const ssh: SshSettings = {
            ...(host.reach as { ssh: SshSettings }).ssh,
            host: address ? (g.name ?? name) : name,
            port: 22,
            jump: host.name,
          };
          delete ssh.hostKey;
          delete ssh.proxyJump;
          delete ssh.configHost;
          if (hostKey) reach = { ssh: { ...ssh, hostKey }, hostKeySeen: "pct" };
          else reach = { ssh: { ...ssh, knownHosts: join(scratch, `${name}.known_hosts`), acceptNewHostKeys: true }, hostKeySeen: "first-use" };
        }
        const o: Observed = { name, reach, guest: { vmid: g.vmid, type: g.type, host: host.name }, fstab: [], snapraidTimers: [], unread: [] };
        guests.push(o);
        known.add(name);
      }
      pool.add(guests.map((o) => ("pct" in o.reach ? { name: o.name, role: "service", layer: 3, pct: o.reach.pct, services: [] } : { name: o.name, role: "service", layer: 3, ssh: o.reach.ssh, services: [] })));
      await Promise.all(guests.map((o) => readNode(o, gather, log)));
      // A VM's key, first seen through the host: pin it in the draft (the header says to verify it).
      for (const o of guests) {
        if ("ssh" in o.reach && o.reach.hostKeySeen === "first-use") {
          const file = o.reach.ssh.knownHosts!;
          let line = "";
          try {
            line = readFileSync(file, "utf8").split("\n")[0] ?? "";
          } catch {
            /* never connected */
          }
          const key = line.split(/\s+/).slice(1, 3).join(" ");
          const { knownHosts: _k, acceptNewHostKeys: _a, ...rest } = o.reach.ssh;
          o.reach = { ssh: { ...rest, acceptNewHostKeys: false, ...(key ? { hostKey: key } : {}) } as SshSettings, hostKeySeen: "first-use" };
        }
      }
      observed.push(...guests);
    }
    return { nodes: observed, connections: pool.stats.connections.length, roundTrips };
  } finally {
    await pool.closeAll();
    rmSync(scratch, { recursive: true, force: true });
  }
}

type Gather = (name: string, probes: Probe<unknown>[]) => Promise<NodeFacts>;

/** Two round trips: the basics, then the probes they call for. */
async function readNode(o: Observed, gather: Gather, log: (line: string) => void): Promise<void> {
  const first = await gather(o.name, [listeningSockets, interfaceAddresses, accounts, basics]);
  if (!first.reachable) {
    o.error = first.error?.message ?? "unreachable";
    log(`[discover] ${o.name}: not reached: ${o.error}`);
    return;
  }
  o.sockets = fact(first, listeningSockets.name, o);
  o.interfaces = fact(first, interfaceAddresses.name, o);
  o.accounts = fact(first, accounts.name, o);
  const b = fact<NodeBasics>(first, basics.name, o);
  if (!b) return;
  o.basics = b;
  o.fstab = parseFstab("fstab", b.fstab);
  o.snapraidTimers = b.timers.filter((t) => /^snapraid.*\.timer$/.test(t));
  o.timers = b.timers;

  const probes: Probe<unknown>[] = [];
  if (b.tools.includes("qm") || b.tools.includes("pct")) probes.push(hypervisorExtras);
  if (b.tools.includes("testparm")) probes.push(sambaConfig, sambaShares);
  if (b.snapraidConf) probes.push(snapraidConfig(b.snapraidConf));
  const pool = o.fstab.find((e) => e.fstype === "fuse.mergerfs" || e.fstype === "mergerfs");
  if (pool) probes.push(mergerfsBranches(pool.target));
  const net = o.fstab.filter(isNetworkMount);
  if (net.length) probes.push(networkMounts(net.map((e) => e.target), []));
  if (b.tools.includes("docker")) probes.push(containers, containerUsers);
  const prom = (o.sockets ?? []).find((s) => s.port === 9090 && s.proto === "tcp" && s.processes.some((p) => p.name === "prometheus"));
  const promUrl = prom ? `http://${prom.wildcard ? "127.0.0.1" : prom.family === 6 ? `[${prom.address}]` : prom.address}:9090` : undefined;
  if (promUrl) probes.push(prometheusTargets(promUrl));
  if (b.backupDirs.includes("/var/backups/vaultwarden")) probes.push(backupListing("/var/backups/vaultwarden"));
  const ncDir = b.backupDirs.find((d) => /nextcloud/.test(d));
  if (ncDir) probes.push(nextcloudDump(ncDir, "*.sql.gz"));
  const ownedDirs = [...(b.backupDirs.includes("/var/backups/vaultwarden") ? ["/var/backups/vaultwarden"] : []), ...(ncDir ? [ncDir] : [])];
  if (ownedDirs.length) probes.push(backupOwners(ownedDirs));
  if (probes.length === 0) return;
  const second = await gather(o.name, probes);
  if (!second.reachable) {
    o.unread.push(`second round trip: ${second.error?.message}`);
    return;
  }
  const cfg = fact<SambaConfig>(second, sambaConfig.name, o);
  if (cfg) o.samba = { config: cfg, sources: fact<SambaSources>(second, sambaShares.name, o) };
  if (b.snapraidConf) o.snapraid = fact(second, "snapraid-conf", o);
  if (pool) {
    const branches = fact<MergerfsBranch[]>(second, "mergerfs-branches", o);
    if (branches) o.mergerfs = { mountpoint: pool.target, branches };
  }
  if (net.length) o.networkMounts = fact(second, "network-mounts", o);
  if (b.tools.includes("docker")) {
    o.containers = fact(second, containers.name, o);
    o.containerUsers = fact(second, containerUsers.name, o);
  }
  if (promUrl) {
    const targets = fact<ScrapeTarget[]>(second, "prometheus-targets", o);
    if (targets) o.prometheus = { url: promUrl, targets };
  }
  if (b.backupDirs.includes("/var/backups/vaultwarden")) o.vaultwarden = fact(second, "vaultwarden-backups", o);
  if (ownedDirs.length) o.backupOwners = fact(second, "backup-owners", o);
  if (ncDir) {
    const check = fact<DumpCheck>(second, "nextcloud-dump", o);
    if (check) o.nextcloudDump = { dir: ncDir, pattern: "*.sql.gz", check };
  }
  const extras = b.tools.includes("qm") || b.tools.includes("pct") ? fact<HypervisorExtras>(second, hypervisorExtras.name, o) : undefined;
  if (extras) {
    // Third round trip on the host: the guests' configs and the subordinate id files (existing probes).
    const refs: GuestRef[] = extras.guests.map((g) => ({ vmid: g.vmid, type: g.type }));
    const third = await gather(o.name, [...(refs.length ? [guestConfigs(refs)] : []), subordinateIds]);
    const configs = refs.length ? (fact<GuestConfig[]>(third, "proxmox-guest-configs", o) ?? []) : [];
    const subids = fact<SubordinateIds>(third, subordinateIds.name, o);
    // Names to resolve and LXC host keys need the configs: one more small read.
    const withNames = extras.guests.map((g) => ({ ...g, name: configs.find((c) => c.vmid === g.vmid)?.name ?? g.name }));
    const fourth = await gather(o.name, [hypervisorGuestAccess(withNames)]);
    const access = fact<Pick<HypervisorExtras, "hostKeys" | "resolved">>(fourth, "discover-guest-access", o) ?? { hostKeys: {}, resolved: {} };
    o.hypervisor = { extras: { guests: withNames, ...access }, configs, ...(subids ? { subids } : {}) };
  }
}
