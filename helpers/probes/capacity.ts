// How full a node's filesystems are (DATA-020; §6 daily "storage usage not near saturation", §1
// "disk usage, inode usage, filesystem saturation"): `df` of every filesystem that counts, asked
// one path at a time so that one stuck filesystem costs only itself (`timeout 10`).
//
// Which filesystems count, chosen on the node from `findmnt -rn -o TARGET,FSTYPE,FSROOT`:
// - the root filesystem `/`, whatever its type (in a container, its overlay);
// - every filesystem mounted WHOLE here (FSROOT `/`, proc(5) mountinfo field 4 "root: the
//   pathname of the directory in the filesystem which forms the root of this mount") whose type is
//   not virtual, read-only by nature or remote (NOT_REAL below). A bind mount of a subdirectory
//   (Docker's /etc/hosts, an LXC's bind mount from its host) is that other machine's filesystem,
//   judged there;
// - the paths the inventory names: `capacity.filesystems`, the MergerFS pool and branches, and the
//   SnapRAID data directories and parity files of the node's snapraid.conf (tagged data/parity, for
//   "the parity disk at least as large as the largest data disk").
//
// The numbers are df's (GNU coreutils 9.1, `--output`, -B1: bytes). Use% is computed the way df
// computes it (coreutils src/df.c get_dev, PCENT_FIELD): used * 100 / (used + available), rounded
// up, where available is what non-root users may still use — so reserved blocks count as full.
// Captures: fixtures/captured/capacity/.
import { shQuote } from "../transport/shell.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";
import type { NodeDecl } from "../inventory/types.ts";

/** Filesystem types never judged by default: kernel pseudo filesystems, memory, images that are full by design, network mounts (judged on their server). */
export const NOT_REAL = [
  "proc", "sysfs", "devtmpfs", "devpts", "tmpfs", "ramfs", "cgroup", "cgroup2", "pstore", "bpf", "securityfs", "debugfs", "tracefs",
  "configfs", "fusectl", "mqueue", "hugetlbfs", "autofs", "rpc_pipefs", "binfmt_misc", "nsfs", "efivarfs", "selinuxfs",
  "overlay", "squashfs", "iso9660", "udf",
  "fuse.lxcfs", "fuse.gvfsd-fuse", "fuse.portal", "fuse.snapfuse",
  "nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "glusterfs", "fuse.sshfs", "fuse.smbnetfs", "fuse.rclone", "9p", "virtiofs",
];

/** parity+: a further file of the same parity level (split parity, SnapRAID 11: `parity A,B`). */
export type CapacityRole = "root" | "mounted" | "declared" | "pool" | "branch" | "data" | "parity" | "parity+";

export interface DfRow {
  source: string;
  fstype: string;
  /** Bytes. */
  size: number;
  used: number;
  /** Available to non-root users. */
  avail: number;
  /** Inodes; itotal 0 = the filesystem keeps no inode count (btrfs, some FUSE). */
  itotal: number;
  iused: number;
  iavail: number;
  /** The mount point df found for the path. */
  target: string;
}

export interface CapacityEntry {
  role: CapacityRole;
  /** The path asked about (a mount point, or a directory/file on the filesystem). */
  path: string;
  fs?: DfRow;
  /** df's complaint when it could not read the path. */
  error?: string;
}

export interface CapacityFact {
  entries: CapacityEntry[];
}

const NAME = "capacity";
const MARK = "@@hlc-capacity";

export interface CapacityPaths {
  /** capacity.filesystems[].path */
  declared?: string[];
  pool?: string;
  branches?: string[];
  /** snapraid.conf to read data and parity paths from. */
  snapraidConf?: string;
}

/**
 * Shell that prints one "ROLE PATH" line per path the inventory names: declared filesystems, the
 * MergerFS pool and branches, and the data directories and parity files of snapraid.conf, read
 * as SnapRAID's own config reader takes them (`parity FILE[,FILE]…`, `N-parity`, `z-parity`,
 * `data NAME DIR`, the older `disk NAME DIR`: the rest of the line is the path; a further file
 * of a split parity level is tagged parity+).
 */
export function namedPaths(paths: CapacityPaths): string {
  const lines: string[] = [];
  for (const p of paths.declared ?? []) lines.push(`declared ${p}`);
  if (paths.pool) lines.push(`pool ${paths.pool}`);
  for (const p of paths.branches ?? []) lines.push(`branch ${p}`);
  const fixed = lines.length ? `printf '%s\\n' ${lines.map(shQuote).join(" ")}; ` : "";
  const conf = paths.snapraidConf
    ? `if [ -r ${shQuote(paths.snapraidConf)} ]; then awk '$1 ~ /^([1-6]-|z-)?parity$/ { sub(/^[ \\t]*[^ \\t]+[ \\t]+/, ""); n = split($0, f, ","); for (i = 1; i <= n; i++) { p = f[i]; sub(/^[ \\t]+/, "", p); sub(/[ \\t]+$/, "", p); print (i == 1 ? "parity " : "parity+ ") p } } $1 == "data" || $1 == "disk" { sub(/^[ \\t]*[^ \\t]+[ \\t]+[^ \\t]+[ \\t]+/, ""); sub(/[ \\t]+$/, ""); print "data " $0 }' ${shQuote(paths.snapraidConf)}; fi; `
    : "";
  return `${fixed}${conf}`;
}

export function capacity(paths: CapacityPaths = {}): Probe<CapacityFact> {
  const skip = ` ${NOT_REAL.join(" ")} `;
  const select =
    `sel=$( { findmnt -rn -o TARGET,FSTYPE,FSROOT | awk -v skip=${shQuote(skip)} '$1 == "/" { print "root /"; next } $3 == "/" && index(skip, " " $2 " ") == 0 { print "mounted " $1 }'; ${namedPaths(paths)}} )`;
  // A parity path names a file: df of it works once the file exists; its directory always does.
  const each =
    `printf '%s\\n' "$sel" | while IFS= read -r line; do [ -n "$line" ] || continue; role=\${line%% *}; p=\${line#* }; echo "${MARK} $role $p"; ` +
    `q="$p"; case "$role" in parity*) [ -e "$q" ] || q=$(dirname -- "$q");; esac; ` +
    `if out=$(timeout 10 df -B1 --output=source,fstype,size,used,avail,itotal,iused,iavail,target -- "$q" 2>&1); then printf '%s\\n' "$out" | tail -n +2; else echo "${MARK}-error $(printf '%s' "$out" | tr '\\n' ' ')"; fi; done`;
  return { name: NAME, command: `${select}; ${each}`, parse: parseCapacity };
}

const ROLES = new Set<CapacityRole>(["root", "mounted", "declared", "pool", "branch", "data", "parity", "parity+"]);

export function parseCapacity({ stdout, stderr, code }: ProbeOutput): CapacityFact {
  if (code !== 0) throw new ProbeParseError(NAME, `exited ${code}: ${stderr.trim()}`);
  const entries: CapacityEntry[] = [];
  let cur: CapacityEntry | undefined;
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    if (line.startsWith(`${MARK}-error `)) {
      if (!cur) throw new ProbeParseError(NAME, `an error before any path: ${line}`);
      cur.error = line.slice(MARK.length + 7).trim();
      continue;
    }
    if (line.startsWith(`${MARK} `)) {
      const rest = line.slice(MARK.length + 1);
      const sp = rest.indexOf(" ");
      const role = rest.slice(0, sp) as CapacityRole;
      if (sp < 0 || !ROLES.has(role)) throw new ProbeParseError(NAME, `unknown entry: ${line}`);
      cur = { role, path: rest.slice(sp + 1) };
      entries.push(cur);
      continue;
    }
    if (!cur || cur.fs || cur.error) throw new ProbeParseError(NAME, `unexpected line: ${JSON.stringify(line)}`);
    cur.fs = parseDfRow(line);
  }
  for (const e of entries) if (!e.fs && !e.error) e.error = "df printed nothing for it";
  if (!entries.some((e) => e.role === "root")) throw new ProbeParseError(NAME, "findmnt listed no root filesystem");
  return { entries };
}

/** One row of `df -B1 --output=source,fstype,size,used,avail,itotal,iused,iavail,target`; the target is the rest of the line. */
export function parseDfRow(line: string): DfRow {
  const m = /^(\S+)\s+(\S+)\s+(\d+|-)\s+(\d+|-)\s+(\d+|-)\s+(\d+|-)\s+(\d+|-)\s+(\d+|-)\s+(\S.*)$/.exec(line);
  if (!m) throw new ProbeParseError(NAME, `not a df row: ${JSON.stringify(line)}`);
  const n = (s: string) => (s === "-" ? 0 : Number(s));
  return { source: m[1]!, fstype: m[2]!, size: n(m[3]!), used: n(m[4]!), avail: n(m[5]!), itotal: n(m[6]!), iused: n(m[7]!), iavail: n(m[8]!), target: m[9]! };
}

/** df's Use%: used * 100 / (used + available), rounded up (coreutils df.c); undefined when both are 0. */
export function usePercent(used: number, avail: number): number | undefined {
  const total = used + avail;
  return total === 0 ? undefined : Math.ceil((used * 100) / total);
}

/** 60817408 → "58.0 MiB" (binary units, as `df -h` prints them). */
export function humanBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** DATA-020's probe for a node: its real filesystems, plus what its capacity and storage sections name. */
export function capacityProbe(node: NodeDecl): Probe<CapacityFact> {
  return capacity(declaredDiskPaths(node));
}

/** What a node declares of its disks: capacity's filesystems, the pool and its branches, SnapRAID's config (DATA-020, DATA-021). */
export function declaredDiskPaths(node: NodeDecl): CapacityPaths {
  const st = node.storage;
  return {
    declared: node.capacity?.filesystems.map((f) => f.path) ?? [],
    ...(st?.mergerfs ? { pool: st.mergerfs.mountpoint, branches: st.mergerfs.branches } : {}),
    ...(st?.snapraid ? { snapraidConf: st.snapraid.config } : {}),
  };
}
