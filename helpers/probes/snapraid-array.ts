// Derived facts about a SnapRAID array, from facts gathered by the probes (no command of its
// own): where each disk of snapraid.conf really lives in the mount table, and which disks are
// missing. Shared by the data specs (DATA-004, DATA-005, DATA-006) so they agree on "missing".
import type { Mount } from "./mounts.ts";
import type { PathState, SnapraidConfig, SnapraidDiff, SnapraidStatus } from "./snapraid.ts";

/** "/mnt/disk1/" → "/mnt/disk1", "//a//b" → "/a/b"; "/" stays "/". */
export function normalizePath(p: string): string {
  const s = p.replace(/\/{2,}/g, "/").replace(/\/+$/, "");
  return s === "" ? "/" : s;
}

/**
 * The mount holding `path` (what `findmnt -T` answers, without following symlinks): the longest
 * mount target that is the path or one of its parents; among stacked mounts on one target, the
 * last mounted (findmnt lists in mount order).
 */
export function mountOf(mounts: Mount[], path: string): Mount | undefined {
  const p = normalizePath(path);
  let best: Mount | undefined;
  for (const m of mounts) {
    const t = normalizePath(m.target);
    const holds = t === "/" || p === t || p.startsWith(`${t}/`);
    if (holds && (!best || t.length >= normalizePath(best.target).length)) best = m;
  }
  return best;
}

export interface ArrayDisk {
  role: "data" | "parity";
  /** "d1" for a data disk; "parity", "2-parity", ... for a parity file. */
  name: string;
  /** The data directory or the parity file, as configured. */
  path: string;
  /** Target of the filesystem holding it ("/" when it sits on the root filesystem). */
  mount?: string;
  /** It sits on a filesystem of its own: not the root filesystem, not shared with another disk. */
  mounted: boolean;
  /** Why it is not `mounted`, in words. */
  problem?: string;
}

/**
 * Each data disk and parity file of the conf, placed in the mount table. A disk counts as
 * mounted when the filesystem holding its directory (or parity file) is neither the root
 * filesystem nor one holding another disk of the array: an unmounted disk leaves its mountpoint
 * as a plain (usually empty) directory on the filesystem below, which is what this catches.
 */
export function arrayDisks(conf: SnapraidConfig, mounts: Mount[]): ArrayDisk[] {
  const disks: ArrayDisk[] = [
    ...conf.data.map((d) => ({ role: "data" as const, name: d.name, path: d.dir })),
    ...conf.parity.flatMap((p) => p.files.map((f) => ({ role: "parity" as const, name: p.keyword, path: f }))),
  ].map((d) => ({ ...d, mount: mountOf(mounts, d.path)?.target, mounted: true }) as ArrayDisk);
  for (const d of disks) {
    if (d.mount === undefined) {
      d.mounted = false;
      d.problem = "no filesystem holds it in the mount table";
    } else if (normalizePath(d.mount) === "/") {
      d.mounted = false;
      d.problem = "not mounted: it is on the root filesystem (/)";
    } else {
      const others = disks.filter((o) => o !== d && o.mount === d.mount && !(o.role === "parity" && d.role === "parity" && o.name === d.name));
      if (others.length) {
        d.mounted = false;
        d.problem = `shares the filesystem mounted at ${d.mount} with ${others.map((o) => `${o.role} ${o.name}`).join(", ")}`;
      }
    }
  }
  return disks;
}

/**
 * Data disks that are missing: not on their own filesystem (arrayDisks), or reported by SnapRAID
 * itself ("All the files previously present in disk 'd2' ... are now missing"), with how many files
 * the last sync recorded on them (snapraid status) — the files `snapraid diff` now counts as removed.
 */
export function missingDataDisks(
  conf: SnapraidConfig,
  mounts: Mount[],
  diff?: SnapraidDiff,
  status?: SnapraidStatus,
): Array<{ name: string; dir: string; files?: number; reason: string }> {
  const out: Array<{ name: string; dir: string; files?: number; reason: string }> = [];
  for (const d of arrayDisks(conf, mounts).filter((x) => x.role === "data")) {
    const said = diff?.missingDisks.find((m) => m.disk === d.name);
    if (d.mounted && !said) continue;
    const files = status?.disks.find((s) => s.name === d.name)?.files;
    out.push({ name: d.name, dir: d.path, ...(files !== undefined ? { files } : {}), reason: d.problem ?? "SnapRAID reports all its files missing" });
  }
  return out;
}

/** Content files present on the node, and on how many distinct filesystems. */
export function contentCopies(conf: SnapraidConfig, paths: PathState[], mounts: Mount[]) {
  const present = conf.content.filter((c) => paths.some((p) => p.kind === "content" && p.path === c && p.type === "file"));
  const filesystems = new Set(present.map((c) => mountOf(mounts, c)?.target ?? "?"));
  // SnapRAID's rule (example snapraid.conf): at least one copy per parity level plus one, each on a
  // different disk — for single parity, two.
  const required = Math.max(2, conf.parity.length + 1);
  return { present, filesystems: [...filesystems], required };
}
