// §6 daily "storage usage not near saturation"; §1 key metrics "disk usage, inode usage,
// filesystem saturation"; §2.1/§4.2 SnapRAID: a parity disk smaller than the largest data disk
// cannot hold that disk's parity, and the sync that needs it fails. A filesystem over its
// threshold says how fast it is filling where the homelab's Prometheus has its series (a peer read
// on the node that declares `prometheus`; helpers/probes/capacity-trend.ts): the verdict is df's.
import { DEFAULT_CAPACITY } from "../../helpers/inventory/sections/capacity.ts";
import { capacityTrend, describeTrend, type FilesystemTrend } from "../../helpers/probes/capacity-trend.ts";
import { capacityProbe, humanBytes, usePercent, type CapacityEntry, type CapacityRole, type DfRow } from "../../helpers/probes/capacity.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";
import type { NodeDecl } from "../../helpers/inventory/types.ts";
import type { CapacityFact } from "../../helpers/probes/capacity.ts";

const prometheusNodes = (nodes: NodeDecl[]) => nodes.filter((n) => n.prometheus !== undefined);

const ROLE_WORDS: Record<CapacityRole, string> = {
  root: "root filesystem",
  mounted: "mounted",
  declared: "declared in capacity.filesystems",
  pool: "MergerFS pool",
  branch: "MergerFS branch",
  data: "SnapRAID data disk",
  parity: "SnapRAID parity",
  "parity+": "SnapRAID parity",
};

interface Fs {
  row: DfRow;
  roles: Set<CapacityRole>;
  paths: string[];
}

const describeFs = (fs: Fs) => `${fs.row.target} (${fs.row.fstype} on ${fs.row.source}; ${[...new Set([...fs.roles].map((r) => ROLE_WORDS[r]))].join(", ")})`;

/**
 * What Prometheus says of this node's filesystems: their trends, or why there are none (no
 * Prometheus read); undefined when the inventory declares no Prometheus (nothing is said then).
 */
export type TrendSource = { trends: FilesystemTrend[] } | { why: string } | undefined;

/** The findings of one node's capacity fact against its declaration (pure: unit-tested on captures). */
export function judgeCapacity(node: NodeDecl, f: CapacityFact, trend?: TrendSource): Finding[] {
  const cap = node.capacity ?? DEFAULT_CAPACITY;
  const findings: Finding[] = [];
  const byTarget = new Map<string, Fs>();
  for (const e of f.entries) {
    if (e.error !== undefined || !e.fs) {
      findings.push({ subject: `${e.path} (${ROLE_WORDS[e.role]})`, expected: "its filesystem readable by df", actual: `not read: ${e.error ?? "no answer"}` });
      continue;
    }
    const fs = byTarget.get(e.fs.target) ?? { row: e.fs, roles: new Set(), paths: [] };
    fs.roles.add(e.role);
    fs.paths.push(e.path);
    byTarget.set(e.fs.target, fs);
  }
  // A declared path's thresholds (or ignore) apply to the filesystem df found for it.
  const targetOf = (path: string) => [...byTarget.values()].find((fs) => fs.paths.includes(path) || fs.row.target === path)?.row.target;
  for (const fs of byTarget.values()) {
    const ignored = cap.ignore.find((i) => i.path === fs.row.target || targetOf(i.path) === fs.row.target);
    if (ignored) continue;
    const own = cap.filesystems.find((d) => d.path === fs.row.target || targetOf(d.path) === fs.row.target);
    const maxUsed = own?.maxUsedPercent ?? cap.maxUsedPercent;
    const maxInodes = own?.maxInodesPercent ?? cap.maxInodesPercent;
    const r = fs.row;
    const used = usePercent(r.used, r.avail);
    if (used !== undefined && used > maxUsed) {
      findings.push({
        subject: `filesystem ${describeFs(fs)}`,
        expected: `at most ${maxUsed} % of its blocks in use`,
        actual: `${used} % in use: ${humanBytes(r.used)} used of ${humanBytes(r.used + r.avail)} usable (${humanBytes(r.size)} in all), ${humanBytes(r.avail)} free${trendOf(trend, node.name, r.target, r.avail)}`,
      });
    }
    const inodes = r.itotal > 0 ? usePercent(r.iused, r.iavail) : undefined;
    if (inodes !== undefined && inodes > maxInodes) {
      findings.push({
        subject: `filesystem ${describeFs(fs)}`,
        expected: `at most ${maxInodes} % of its inodes in use`,
        actual: `${inodes} % of inodes in use: ${r.iused} of ${r.itotal}, ${r.iavail} free (no new file can be created once none is left, whatever the free space)`,
      });
    }
  }
  findings.push(...judgeParitySize(f.entries));
  return findings;
}

const trendOf = (src: TrendSource, node: string, mountpoint: string, avail: number): string => {
  if (src === undefined) return "";
  if ("why" in src) return `; no trend: ${src.why}`;
  return `; ${describeTrend(src.trends.find((t) => t.node === node && t.mountpoint === mountpoint), avail, humanBytes)}`;
};

/**
 * SnapRAID (manual, "Getting Started"): a parity disk must be at least as big as the biggest data
 * disk, because a parity file grows as large as the fullest data disk's allocation. A level split
 * over several files (`parity A,B`) counts the sum of their distinct filesystems.
 */
export function judgeParitySize(entries: CapacityEntry[]): Finding[] {
  // A data directory on the root filesystem is a disk that is not mounted (DATA-005 says so): the
  // root filesystem's size says nothing about what parity must hold.
  const data = entries.filter((e) => e.role === "data" && e.fs && e.fs.target !== "/");
  if (data.length === 0) return [];
  const largest = data.reduce((a, b) => (b.fs!.size > a.fs!.size ? b : a));
  const levels: CapacityEntry[][] = [];
  for (const e of entries) {
    if (e.role === "parity") levels.push([e]);
    else if (e.role === "parity+" && levels.length) levels[levels.length - 1]!.push(e);
  }
  const out: Finding[] = [];
  for (const level of levels) {
    if (level.some((e) => !e.fs)) continue; // unreadable: reported above
    const distinct = new Map(level.map((e) => [e.fs!.target, e.fs!.size]));
    const size = [...distinct.values()].reduce((a, b) => a + b, 0);
    if (size < largest.fs!.size) {
      out.push({
        subject: `SnapRAID parity ${level.map((e) => e.path).join(",")} on ${[...distinct.keys()].join(", ")}`,
        expected: `at least as large as the largest data disk, ${largest.path} on ${largest.fs!.target} (${humanBytes(largest.fs!.size)})`,
        actual: `${humanBytes(size)}: once that data disk fills, sync cannot write its parity`,
      });
    }
  }
  return out;
}

export default invariant(
  {
    id: "DATA-020",
    title: "Filesystems stay below their usage and inode thresholds; parity is as large as the largest data disk",
    must:
      "On every node, every real filesystem (the root filesystem, every filesystem mounted whole that is not virtual, memory-backed, an image or a network mount), every path of `capacity.filesystems`, the MergerFS pool and branches and the SnapRAID data disks and parity of `storage` MUST have at most `capacity.maxUsedPercent` (default 85) % of its blocks in use as df counts Use% and at most `capacity.maxInodesPercent` (default 90) % of its inodes, per filesystem overridable; a path df cannot read fails; every SnapRAID parity level MUST be on filesystems at least as large as the largest data disk's. A filesystem over its threshold is told with how fast it fills (node_filesystem_avail_bytes' 7-day slope and the days left at that rate) where the inventory's Prometheus holds its series; the verdict is df's alone.",
    section: "§6, §1, §2.1, §4.2",
    family: "data",
    severity: "critical",
    fix: (f, node) => /parity/i.test(f.subject) ? `on ${node.name}: move the parity to a disk at least as large as the largest data disk (snapraid.conf parity line), then snapraid sync` : /inodes/.test(f.expected) ? `on ${node.name}: find the directory with the most small files (find ${f.subject.match(/\/\S*/)?.[0] ?? "/"} -xdev -type f | cut -d/ -f2-3 | sort | uniq -c | sort -n | tail) and remove or archive them, or raise the threshold under capacity: with a reason` : /readable/.test(f.expected) ? `on ${node.name}: df -P ${f.subject.split(" ")[0]} must answer; check the mount (findmnt -T ${f.subject.split(" ")[0]})` : `on ${node.name}: free space on ${f.subject.match(/\/\S*/)?.[0] ?? "the filesystem"} (du -xh --max-depth=2 ${f.subject.match(/\/\S*/)?.[0] ?? "/"} | sort -h | tail), or add a disk; raise the threshold under capacity: only with a reason`,
  },
  {
    appliesTo: () => true,
    reads: (node) => ({ capacity: capacityProbe(node) }),
    peers: (_node, { inventory }) => prometheusNodes(inventory.nodes).map((p) => ({ node: p.name, probe: capacityTrend(p.prometheus!.url, p.prometheus!.nodeLabel) })),
    check({ node, inventory, facts, peer }) {
      const proms = prometheusNodes(inventory.nodes);
      let trend: TrendSource;
      if (proms.length) {
        const read = proms.map((p) => ({ p, f: peer(p.name, capacityTrend(p.prometheus!.url, p.prometheus!.nodeLabel)) }));
        const ok = read.flatMap(({ f }) => (f.ok ? f.value : []));
        trend = read.some(({ f }) => f.ok) ? { trends: ok } : { why: `Prometheus not read (${read.map(({ p, f }) => `${p.name}: ${f.ok ? "" : f.why}`).join("; ")})` };
      }
      return judgeCapacity(node, facts.capacity, trend);
    },
  },
);
