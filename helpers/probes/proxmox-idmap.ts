// How an LXC's ids land on the host, computed the way Proxmox and the kernel do it from the
// facts of helpers/probes/proxmox.ts: the effective idmap (explicit lxc.idmap lines, or
// Proxmox's default for an unprivileged CT), its coverage of the container's 0..65535, the host
// id of a container id, and whether /etc/subuid, /etc/subgid allow the host ranges used.
import type { GuestConfig, IdmapEntry, SubIdFile } from "./proxmox.ts";

/** Proxmox's map for an unprivileged CT without lxc.idmap lines (PVE::LXC::parse_id_maps). */
export const DEFAULT_HOST_BASE = 100_000;
export const DEFAULT_COUNT = 65_536;
/** Ids a container must be able to use: 0..65535 (the range of a standard Linux system). */
export const CONTAINER_IDS = 65_536;

export interface EffectiveIdmap {
  /** "explicit": lxc.idmap lines; "default": Proxmox's 0 → 100000 ×65536; "none": privileged, ids are the host's. */
  source: "explicit" | "default" | "none";
  entries: IdmapEntry[];
}

export function effectiveIdmap(cfg: GuestConfig): EffectiveIdmap {
  if (cfg.idmap.length > 0 || cfg.idmapErrors.length > 0) return { source: "explicit", entries: cfg.idmap };
  if (!cfg.unprivileged) return { source: "none", entries: [] };
  return {
    source: "default",
    entries: (["u", "g"] as const).map((kind) => ({ kind, ct: 0, host: DEFAULT_HOST_BASE, count: DEFAULT_COUNT, raw: `${kind} 0 ${DEFAULT_HOST_BASE} ${DEFAULT_COUNT}` })),
  };
}

/** The host id of a container id: a number, or undefined when no range maps it (it shows as nobody). */
export function toHost(map: EffectiveIdmap, kind: "u" | "g", id: number): { host: number; via?: IdmapEntry } | undefined {
  if (map.source === "none") return { host: id };
  const e = map.entries.find((x) => x.kind === kind && id >= x.ct && id < x.ct + x.count);
  return e ? { host: e.host + (id - e.ct), via: e } : undefined;
}

/**
 * What is wrong with one kind (u or g) of an explicit map, in words: ranges that overlap on the
 * container or the host side (Proxmox's validate_id_maps and the kernel refuse both), and
 * container ids of 0..65535 no range maps.
 */
export function idmapProblems(entries: readonly IdmapEntry[], kind: "u" | "g"): string[] {
  const mine = entries.filter((e) => e.kind === kind);
  const problems: string[] = [];
  if (mine.length === 0) return [`no \`lxc.idmap: ${kind} …\` line: no ${kind === "u" ? "uid" : "gid"} of the container is mapped`];
  for (const side of ["ct", "host"] as const) {
    const sorted = [...mine].sort((a, b) => a[side] - b[side]);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const cur = sorted[i]!;
      if (prev[side] + prev.count > cur[side]) {
        problems.push(`\`${cur.raw}\` overlaps \`${prev.raw}\` on the ${side === "ct" ? "container" : "host"} side (${idName(kind)} ${cur[side]})`);
      }
    }
  }
  const gaps = uncovered(mine.map((e) => [e.ct, e.ct + e.count] as const), 0, CONTAINER_IDS);
  if (gaps.length) problems.push(`container ${idName(kind)}s ${gaps.map(rangeText).join(", ")} are not mapped (0-${CONTAINER_IDS - 1} must be)`);
  return problems;
}

/** Host ranges an idmap uses that the subordinate id file does not allow to `owner` (root). */
export function disallowedHostRanges(entries: readonly IdmapEntry[], kind: "u" | "g", file: SubIdFile, owners: readonly string[] = ["root", "0"]): Array<{ entry: IdmapEntry; missing: Array<readonly [number, number]> }> {
  const allowed = file.ranges.filter((r) => owners.includes(r.owner)).map((r) => [r.start, r.start + r.count] as const);
  return entries
    .filter((e) => e.kind === kind)
    .map((entry) => ({ entry, missing: uncovered(allowed, entry.host, entry.host + entry.count) }))
    .filter((x) => x.missing.length > 0);
}

/** Half-open intervals of [from, to) that no interval of `have` covers. */
export function uncovered(have: ReadonlyArray<readonly [number, number]>, from: number, to: number): Array<readonly [number, number]> {
  const sorted = [...have].filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const gaps: Array<readonly [number, number]> = [];
  let at = from;
  for (const [a, b] of sorted) {
    if (b <= at) continue;
    if (a >= to) break;
    if (a > at) gaps.push([at, Math.min(a, to)]);
    at = Math.max(at, b);
    if (at >= to) break;
  }
  if (at < to) gaps.push([at, to]);
  return gaps;
}

/** [a, b) as "a-(b-1)", or "a" for a single id. */
export function rangeText([a, b]: readonly [number, number]): string {
  return b - a === 1 ? `${a}` : `${a}-${b - 1}`;
}

export const idName = (kind: "u" | "g") => (kind === "u" ? "uid" : "gid");
