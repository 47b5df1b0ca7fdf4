// Disk errors and read-only remounts (DATA-021; §4.1 "IO errors, filesystem read-only remount",
// §4.3 MergerFS mount failure): how the root filesystem and every array path is mounted NOW, the
// error counters of every mounted ext4, and the kernel's disk-error lines since boot (evidence).
//
// - Read-only: `findmnt -J -T PATH -o TARGET,SOURCE,FSTYPE,OPTIONS,MAJ:MIN` (util-linux 2.38;
//   OPTIONS = the VFS options then the filesystem's own). A filesystem is read-only when the VFS
//   options say `ro` OR the filesystem says `emergency_ro`: on kernel 6.18 an ext4 that hit an
//   error with errors=remount-ro stays `rw` in the VFS column and shows `emergency_ro` in its own
//   (captured on this machine, fixtures/captured/disks/ext4-emergency-ro.*: /proc/self/mountinfo
//   `rw,relatime - ext4 /dev/loop0 rw,errors=remount-ro,emergency_ro`, while `touch` there fails
//   with "Read-only file system") — a check of the `ro` flag alone passes that disk.
// - ext4 error counters: /sys/fs/ext4/<dev>/errors_count (the superblock's s_error_count, kept
//   across mounts: the number of errors ext4 has recorded since the filesystem was made or last
//   fsck'd clean), with first_error_time/last_error_time (seconds since the epoch; 0 = never);
//   <dev> is the block device's name, tied to a mount by its major:minor (/sys/class/block/<dev>/dev).
// - Kernel log: `dmesg` (needs CAP_SYSLOG; a container without it says "Operation not permitted",
//   kept as the reason) filtered to disk and filesystem error lines, the last 50.
import { declaredDiskPaths, namedPaths, type CapacityPaths } from "./capacity.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";
import type { NodeDecl } from "../inventory/types.ts";

export type DiskRole = "root" | "declared" | "pool" | "branch" | "data" | "parity" | "parity+";

export interface MountState {
  target: string;
  source: string;
  fstype: string;
  options: string[];
  majMin: string;
}

export interface DiskEntry {
  role: DiskRole;
  path: string;
  mount?: MountState;
  error?: string;
}

export interface Ext4Errors {
  /** Block device name under /sys/fs/ext4, e.g. sdb1, dm-0, loop0. */
  device: string;
  /** major:minor of the device, "-" when /sys/class/block has none. */
  majMin: string;
  errors: number;
  /** Seconds since the epoch; 0 = none recorded. */
  firstErrorTime: number;
  lastErrorTime: number;
}

export interface DiskStateFact {
  entries: DiskEntry[];
  ext4: Ext4Errors[];
  kernel: { readable: true; lines: string[] } | { readable: false; reason: string };
}

const NAME = "disk-state";
const MARK = "@@hlc-disk";

/** Kernel messages that speak of a failing disk or filesystem (block layer, SCSI, ext4, XFS, btrfs). */
export const KERNEL_DISK_ERRORS = "I/O error|EXT4-fs error|EXT4-fs warning|Remounting filesystem read-only|Aborting journal|XFS \\(.*\\): .*([Ee]rror|[Cc]orruption)|BTRFS (error|critical)|critical medium error|Medium Error|blk_update_request|end_request: I/O";

export function diskState(paths: CapacityPaths = {}): Probe<DiskStateFact> {
  const select = `sel=$( { echo 'root /'; ${namedPaths(paths)}} )`;
  const each =
    `printf '%s\\n' "$sel" | while IFS= read -r line; do [ -n "$line" ] || continue; role=\${line%% *}; p=\${line#* }; echo "${MARK} path $role $p"; ` +
    `q="$p"; case "$role" in parity*) [ -e "$q" ] || q=$(dirname -- "$q");; esac; ` +
    `if out=$(timeout 10 findmnt -J -T "$q" -o TARGET,SOURCE,FSTYPE,OPTIONS,MAJ:MIN 2>&1); then printf '%s\\n' "$out"; else echo "${MARK}-error $(printf '%s' "$out" | tr '\\n' ' ')"; fi; done`;
  const ext4 =
    `echo "${MARK} ext4"; for d in /sys/fs/ext4/*/; do n=$(basename "$d"); [ -r "$d/errors_count" ] || continue; ` +
    `printf '%s %s %s %s %s\\n' "$n" "$(cat "/sys/class/block/$n/dev" 2>/dev/null || echo -)" "$(cat "$d/errors_count")" "$(cat "$d/first_error_time" 2>/dev/null || echo 0)" "$(cat "$d/last_error_time" 2>/dev/null || echo 0)"; done`;
  const kernel =
    `echo "${MARK} kernel"; if k=$(dmesg 2>&1); then printf '%s\\n' "$k" | grep -E '${KERNEL_DISK_ERRORS}' | tail -n 50; else echo "${MARK}-unreadable $(printf '%s' "$k" | head -n 1)"; fi`;
  return { name: NAME, command: `${select}; ${each}; ${ext4}; ${kernel}`, parse: parseDiskState };
}

const ROLES = new Set<DiskRole>(["root", "declared", "pool", "branch", "data", "parity", "parity+"]);

export function parseDiskState({ stdout, stderr, code }: ProbeOutput): DiskStateFact {
  if (code !== 0) throw new ProbeParseError(NAME, `exited ${code}: ${stderr.trim()}`);
  const entries: DiskEntry[] = [];
  const ext4: Ext4Errors[] = [];
  let kernel: DiskStateFact["kernel"] | undefined;
  let part: "paths" | "ext4" | "kernel" = "paths";
  let cur: DiskEntry | undefined;
  let json: string[] = [];
  const flush = () => {
    if (cur && json.length) {
      cur.mount = findmntTarget(json.join("\n"));
      json = [];
    }
  };
  for (const line of stdout.split("\n")) {
    if (line.startsWith(`${MARK} path `)) {
      flush();
      const rest = line.slice(MARK.length + 6);
      const sp = rest.indexOf(" ");
      const role = rest.slice(0, sp) as DiskRole;
      if (sp < 0 || !ROLES.has(role)) throw new ProbeParseError(NAME, `unknown entry: ${line}`);
      cur = { role, path: rest.slice(sp + 1) };
      entries.push(cur);
    } else if (line.startsWith(`${MARK}-error `) && part === "paths" && cur) {
      cur.error = line.slice(MARK.length + 7).trim();
    } else if (line === `${MARK} ext4`) {
      flush();
      part = "ext4";
    } else if (line === `${MARK} kernel`) {
      part = "kernel";
      kernel = { readable: true, lines: [] };
    } else if (part === "kernel" && line.startsWith(`${MARK}-unreadable`)) {
      kernel = { readable: false, reason: line.slice(MARK.length + 12).trim() || "dmesg failed" };
    } else if (line === "") {
      continue;
    } else if (part === "paths") {
      if (!cur) throw new ProbeParseError(NAME, `unexpected line: ${JSON.stringify(line)}`);
      json.push(line);
    } else if (part === "ext4") {
      const m = /^(\S+) (\d+:\d+|-) (\d+) (\d+) (\d+)$/.exec(line);
      if (!m) throw new ProbeParseError(NAME, `not an ext4 error line: ${JSON.stringify(line)}`);
      ext4.push({ device: m[1]!, majMin: m[2]!, errors: Number(m[3]), firstErrorTime: Number(m[4]), lastErrorTime: Number(m[5]) });
    } else if (kernel?.readable) {
      kernel.lines.push(line);
    }
  }
  if (!kernel) throw new ProbeParseError(NAME, "cut off before the kernel log part");
  for (const e of entries) if (!e.mount && !e.error) e.error = "findmnt printed nothing for it";
  if (!entries.some((e) => e.role === "root")) throw new ProbeParseError(NAME, "no root filesystem entry");
  return { entries, ext4, kernel };
}

/** The one filesystem of `findmnt -J -T PATH -o TARGET,SOURCE,FSTYPE,OPTIONS,MAJ:MIN`. */
function findmntTarget(text: string): MountState {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ProbeParseError(NAME, `findmnt: not JSON: ${JSON.stringify(text.slice(0, 200))}`);
  }
  const fs = (doc as { filesystems?: unknown[] })?.filesystems?.[0] as Record<string, unknown> | undefined;
  const str = (v: unknown) => (typeof v === "string" ? v : v === null ? "" : undefined);
  const [t, s, f, o, mm] = [str(fs?.target), str(fs?.source), str(fs?.fstype), str(fs?.options), str(fs?.["maj:min"])];
  if (t === undefined || s === undefined || f === undefined || o === undefined || mm === undefined) {
    throw new ProbeParseError(NAME, `findmnt: malformed entry: ${JSON.stringify(fs)}`);
  }
  return { target: t, source: s, fstype: f, options: o === "" ? [] : (o.match(/(?:[^,"]|"[^"]*")+/g) ?? []), majMin: mm };
}

/** Why a mount is read-only, or undefined when it is writable: `ro` in the VFS options, or ext4's `emergency_ro`. */
export function readOnlyBecause(m: MountState): string | undefined {
  if (m.options.includes("emergency_ro")) return "emergency_ro: the filesystem hit an error and went read-only (errors=remount-ro), though the VFS still says rw";
  if (m.options.includes("ro")) return "mounted ro";
  return undefined;
}

/** DATA-021's probe: the root filesystem and the array's paths as mounted now, ext4 error counters, the kernel's disk errors. */
export function diskStateProbe(node: NodeDecl): Probe<DiskStateFact> {
  return diskState(declaredDiskPaths(node));
}
