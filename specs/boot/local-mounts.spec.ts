// §3.1 layer 2 "VM100 mounts its data disk at /mnt/vm-data", §3.2 "storage VM mounts its ext4 disks
// and MergerFS from /etc/fstab, systemd mount units", §3.3 "after a reboot the system converges
// automatically to: mounts present". DATA-005, DATA-006 and DATA-021 judge the LIVE mounts; this
// judges whether they come back after a reboot: a hand mount (`mount /dev/sdb1 /mnt/disk1`) is
// mounted now and gone at the next boot, and a /dev/sdX name may point at another disk after one.
import { fstabLinesFor, fstabTarget, option } from "../../helpers/probes/network-mounts.ts";
import { localMounts, type LiveMount, type LocalMountsFact } from "../../helpers/probes/local-mounts.ts";
import { mountUnit } from "../../helpers/inventory/sections/mounts.ts";
import { startsAtBoot } from "../../helpers/probes/boot-units.ts";
import { normalizePath } from "../../helpers/probes/snapraid-array.ts";
import { snapraidConfig, type SnapraidConfig } from "../../helpers/probes/snapraid.ts";
import { findUnit } from "../../helpers/probes/systemd.ts";
import type { NodeDecl } from "../../helpers/inventory/types.ts";
import { mountDiagnostics, unique } from "../../helpers/spec/diagnostics.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

/** A filesystem the node must mount at boot: a mount point and what it holds. */
export interface WantedMount {
  path: string;
  /** A path INSIDE the filesystem (a SnapRAID data directory or parity file): its mount point is looked up. */
  inside?: boolean;
  what: string[];
}

/** What the node's declarations ask to be mounted at boot (the SnapRAID disks from its snapraid.conf). */
export function wantedMounts(node: NodeDecl, conf: SnapraidConfig | undefined): WantedMount[] {
  const out: WantedMount[] = [];
  const st = node.storage;
  for (const d of conf?.data ?? []) out.push({ path: d.dir, inside: true, what: [`SnapRAID data disk ${d.name}`] });
  for (const p of conf?.parity ?? []) for (const f of p.files) out.push({ path: f, inside: true, what: [`SnapRAID ${p.keyword}`] });
  for (const b of st?.mergerfs?.branches ?? []) out.push({ path: b, what: ["MergerFS branch"] });
  if (st?.mergerfs) out.push({ path: st.mergerfs.mountpoint, what: ["MergerFS pool"] });
  for (const m of node.localMounts ?? []) out.push({ path: m.path, what: [m.purpose ?? "declared local mount"] });
  return out;
}

type SourceKind = "tag" | "link" | "kernel" | "unknown-dev" | "none";

/**
 * How stable the name of a source is across reboots. Tags (fstab(5): LABEL=, UUID=, PARTUUID=,
 * PARTLABEL=, ID=) and udev's /dev/disk/by-* links name the filesystem, partition or disk itself;
 * device-mapper and md names (/dev/mapper/*, /dev/VG/LV, /dev/md/NAME) are given by their
 * configuration. Kernel names (/dev/sdb1, /dev/vdb, /dev/nvme0n1p1, /dev/md0, /dev/dm-3) are
 * handed out in probe order and can name another disk after a reboot or a disk change.
 */
export function sourceKind(source: string): SourceKind {
  if (/^(UUID|LABEL|PARTUUID|PARTLABEL|ID)=./.test(source)) return "tag";
  if (!source.startsWith("/dev/")) return "none";
  if (/^\/dev\/disk\/by-[a-z-]+\/./.test(source) || /^\/dev\/(mapper|md)\/./.test(source)) return "link";
  if (/^\/dev\/((s|h|v|xv)d[a-z]+\d*|nvme\d+n\d+(p\d+)?|mmcblk\d+(p\d+)?|md\d+(p\d+)?|dm-\d+|loop\d+|sr\d+)$/.test(source)) return "kernel";
  // /dev/VG/LV: LVM's own symlink to the logical volume, named by its volume group.
  if (/^\/dev\/[^/]+\/[^/]+$/.test(source) && !source.startsWith("/dev/disk/")) return "link";
  return "unknown-dev";
}

const isMergerfs = (fstype: string, source: string) => fstype === "fuse.mergerfs" || fstype === "mergerfs" || (fstype === "fuse" && source.startsWith("mergerfs#"));

/** The definition systemd boots with for one mount point. */
interface Definition {
  kind: "fstab" | "unit";
  source: string;
  fstype: string;
  options: string[];
  /** For messages: the fstab line or the unit file. */
  shown: string;
}

/** The mount point that holds a path inside a filesystem: the longest defined or mounted one above it, never "/". */
function mountPointFor(path: string, fact: LocalMountsFact): string {
  const p = normalizePath(path);
  const candidates = [
    ...(fact.fstab ?? []).map((e) => fstabTarget(e.target)),
    ...fact.mounts.map((m) => m.target),
    ...Object.values(fact.units).map((u) => u.Where ?? "").filter(Boolean),
  ].map(normalizePath);
  const above = candidates.filter((t) => t !== "/" && (p === t || p.startsWith(`${t}/`))).sort((a, b) => b.length - a.length);
  return above[0] ?? p;
}

/** Where a by-tag source's filesystem is, as libblkid reports it through findmnt (or lsblk). */
function tagOf(live: LiveMount, fact: LocalMountsFact, key: "UUID" | "LABEL" | "PARTUUID" | "PARTLABEL" | "ID"): string | undefined {
  const dev = fact.devices.find((d) => d.path === live.source || d.path === fact.resolved[live.source]);
  switch (key) {
    case "UUID":
      return live.uuid ?? dev?.uuid;
    case "LABEL":
      return live.label ?? dev?.label;
    case "PARTUUID":
      return live.partuuid ?? dev?.partuuid;
    case "PARTLABEL":
      return live.partlabel;
    default:
      return undefined;
  }
}

/** The UUID of the filesystem a kernel name holds (findmnt, else lsblk), for the fix line. */
function uuidFor(source: string, live: LiveMount | undefined, fact: LocalMountsFact): string | undefined {
  if (live && (live.source === source || fact.resolved[live.source] === (fact.resolved[source] ?? source)) && live.uuid) return live.uuid;
  const real = fact.resolved[source] ?? source;
  return fact.devices.find((d) => d.path === source || d.path === real)?.uuid;
}

/** The findings for the node's wanted mounts (pure: unit-tested on captured output). */
export function judgeLocalMounts(wanted: WantedMount[], fact: LocalMountsFact): Finding[] {
  // One entry per mount point, with everything it holds.
  const byPoint = new Map<string, string[]>();
  for (const w of wanted) {
    const mp = w.inside ? mountPointFor(w.path, fact) : normalizePath(w.path);
    byPoint.set(mp, [...new Set([...(byPoint.get(mp) ?? []), ...w.what])]);
  }
  const findings: Finding[] = [];
  for (const [mp, what] of byPoint) {
    const subject = `${mp} (${what.join(", ")})`;
    // Stacked mounts: the last one on the target is what paths under it reach.
    const live = fact.mounts.filter((m) => normalizePath(m.target) === mp).at(-1);
    const liveText = live ? `mounted now from ${live.source || "(no source)"} (${live.fstype})` : "not mounted now";
    const unit = fact.systemd ? findUnit(fact.units, mountUnit(mp)) : undefined;
    // The unit file systemd loaded: an explicit one (not systemd-fstab-generator's, under
    // /run/systemd/generator) shadows fstab's (unit search path: /etc/systemd/system comes first).
    const explicit = unit && unit.LoadState === "loaded" && unit.FragmentPath && !unit.FragmentPath.startsWith("/run/systemd/generator") ? unit : undefined;
    const { first, duplicates } = fact.fstab ? fstabLinesFor(fact.fstab, mp) : { first: undefined, duplicates: [] };
    let def: Definition | undefined;
    if (explicit) {
      def = { kind: "unit", source: explicit.What ?? "", fstype: explicit.Type ?? "", options: (explicit.Options ?? "").split(",").filter(Boolean), shown: `${explicit.FragmentPath}: What=${explicit.What ?? ""} Type=${explicit.Type ?? ""}` };
      // systemd.mount(5): a mount unit is started at boot only when a target wants it ([Install] WantedBy=local-fs.target, enabled).
      const boot = startsAtBoot(explicit);
      if (!boot.yes) findings.push({ subject: `${subject} ${explicit.Id}`, expected: "started at boot: [Install] WantedBy=local-fs.target and enabled (systemd.mount(5))", actual: boot.why });
    } else if (first) {
      def = { kind: "fstab", source: first.source, fstype: first.fstype, options: first.options, shown: first.line };
      for (const dup of duplicates) {
        findings.push({ subject: `${subject} /etc/fstab duplicate line`, expected: "one /etc/fstab line for the mount point", actual: `systemd uses the first line ${JSON.stringify(first.line)} and ignores ${JSON.stringify(dup.line)} ("Duplicate entry in /etc/fstab?"): the later line is not in force` });
      }
      // systemd-fstab-generator: a noauto line gets a unit that no target wants (fstab(5): "noauto: do not mount when mount -a is given (e.g., at boot time)").
      if (option(first.options, "noauto") !== undefined) {
        findings.push({ subject: `${subject} /etc/fstab options`, expected: "mounted at boot (no noauto)", actual: `noauto: systemd's fstab generator does not pull it into local-fs.target, so it is not mounted at boot (${JSON.stringify(first.line)}); ${liveText}` });
      }
    } else {
      findings.push({
        subject: `${subject} definition`,
        expected: "an /etc/fstab line (or an enabled .mount unit) for the mount point",
        actual: `no /etc/fstab line${fact.fstab ? "" : " (no /etc/fstab at all)"} and no .mount unit file${fact.systemd ? "" : " (systemd is not running: units not read)"}; ${live ? `${liveText}: mounted by hand, gone after the next reboot` : "not mounted now either"}`,
      });
      continue;
    }

    // The source: a name that survives a reboot (not a kernel name).
    const pool = isMergerfs(def.fstype, def.source);
    const kind = pool ? "none" : sourceKind(def.source);
    const where = def.kind === "fstab" ? "/etc/fstab line" : `${explicit!.Id} What=`;
    if (kind === "kernel" || kind === "unknown-dev") {
      const uuid = uuidFor(def.source, live, fact);
      findings.push({
        subject: `${subject} ${where} source ${def.source}`,
        expected: uuid ? `UUID=${uuid} (the filesystem's UUID, as blkid reads it)` : "UUID=<uuid> or LABEL=<label> (blkid names them; the device's UUID was not readable here)",
        actual: kind === "kernel" ? `${def.source} is a kernel name, handed out in probe order: after a reboot or a disk change it may be another disk (${JSON.stringify(def.shown)})` : `${def.source} is not a name known to be stable (neither a tag nor a /dev/disk/by-… or device-mapper name): ${JSON.stringify(def.shown)}`,
      });
    }

    // Mounted now, from the same source.
    if (!live) {
      findings.push({ subject: `${subject} mounted now`, expected: `mounted from ${def.source}`, actual: `not mounted (defined by ${def.kind === "fstab" ? "/etc/fstab" : explicit!.FragmentPath}, but not in the mount table)` });
      continue;
    }
    const mismatch = sameSource(def, live, fact);
    if (mismatch) findings.push({ subject: `${subject} mounted now`, expected: `mounted from ${def.source}${def.fstype && def.fstype !== "auto" ? ` (${def.fstype})` : ""}`, actual: `${liveText}: ${mismatch}` });
  }
  return findings;
}

/** Why the live mount is not the defined one (undefined: it is). */
function sameSource(def: Definition, live: LiveMount, fact: LocalMountsFact): string | undefined {
  if (isMergerfs(def.fstype, def.source)) return isMergerfs(live.fstype, live.source) ? undefined : "not a mergerfs pool";
  if (def.fstype && def.fstype !== "auto" && def.fstype !== "none" && live.fstype !== def.fstype) return `another file system type (${live.fstype}, defined ${def.fstype})`;
  const tag = /^(UUID|LABEL|PARTUUID|PARTLABEL|ID)=(.*)$/.exec(def.source);
  if (tag) {
    const key = tag[1] as "UUID" | "LABEL" | "PARTUUID" | "PARTLABEL" | "ID";
    const have = tagOf(live, fact, key);
    if (have === undefined) return `its ${key} could not be read (findmnt and lsblk answered none): not confirmed to be ${def.source}`;
    // UUIDs are compared case-insensitively (blkid prints them lower-case; fstab may not).
    const same = key === "UUID" || key === "PARTUUID" ? have.toLowerCase() === tag[2]!.toLowerCase() : have === tag[2];
    return same ? undefined : `its ${key} is ${have}, not ${tag[2]}: another filesystem than the defined one`;
  }
  if (def.source.startsWith("/dev/")) {
    const want = fact.resolved[def.source];
    const liveSrc = live.source.replace(/\[.*$/, "");
    const have = fact.resolved[liveSrc] ?? liveSrc;
    if (want === undefined) return `${def.source} does not resolve to a device (readlink -f answered nothing)`;
    return want === have ? undefined : `${def.source} is ${want}, the mount's source is ${have}`;
  }
  // No device (tmpfs, a bind mount's directory): the same source string, unless it is a bind mount
  // (findmnt shows the bind's filesystem and root, not the directory named in fstab).
  if (option(def.options, "bind") !== undefined || option(def.options, "rbind") !== undefined) return undefined;
  return live.source === def.source ? undefined : `source ${live.source}, defined ${def.source}`;
}

export default invariant(
  {
    id: "BOOT-011",
    title: "Local storage mounts are persistent: from fstab or a mount unit, by UUID or label, mounted now",
    must: "Every SnapRAID data disk and parity disk (from snapraid.conf), every MergerFS branch, the MergerFS pool and every declared `localMounts` path MUST be defined persistently — its FIRST /etc/fstab line (systemd's fstab generator ignores later ones) without `noauto`, or an explicit `.mount` unit file started at boot (enabled, WantedBy=local-fs.target; systemd.mount(5)) — naming its device by a stable name (UUID=, LABEL=, PARTUUID=, PARTLABEL=, /dev/disk/by-…, a device-mapper name; never a kernel name such as /dev/sdb1; a mergerfs pool by its branches, a tmpfs by none), and MUST be mounted now from that source.",
    fix: (f, node) => {
      const mp = /^\/[^\s(]*/.exec(f.subject)?.[0] ?? "<mount point>";
      const unit = mp.startsWith("/") ? mountUnit(mp) : "<mount unit>";
      if (/ source /.test(f.subject)) return `on ${node.name}: in /etc/fstab (or the unit's What=) replace ${/ source (\S+)$/.exec(f.subject)?.[1] ?? "the kernel device name"} with ${/^UUID=\S+/.exec(f.expected)?.[0] ?? "UUID=$(blkid -s UUID -o value <device>)"} on the ${mp} line; then: systemctl daemon-reload`;
      if (/noauto/.test(f.actual)) return `on ${node.name}: remove noauto from the ${mp} line of /etc/fstab; then: systemctl daemon-reload && systemctl start ${unit}`;
      if (/duplicate/.test(f.subject)) return `on ${node.name}: keep one /etc/fstab line for ${mp} (the right one, first); then: systemctl daemon-reload`;
      if (/definition/.test(f.subject)) return `on ${node.name}: add an /etc/fstab line for ${mp}: UUID=$(findmnt -no UUID ${mp} || blkid -s UUID -o value <device>) ${mp} <fstype> defaults 0 2; then: systemctl daemon-reload && findmnt --verify`;
      if (/\.mount$/.test(f.subject)) return `on ${node.name}: give ${unit} [Install] WantedBy=local-fs.target; then: systemctl daemon-reload && systemctl enable ${unit}`;
      return `on ${node.name}: systemctl daemon-reload && systemctl restart ${unit} (or umount ${mp} && mount ${mp}), then findmnt ${mp} (wanted: ${f.expected})`;
    },
    section: "§3.1, §3.2",
    family: "boot",
    severity: "critical",
    playbook: "§4.1 Disk failure",
  },
  {
    appliesTo: (node) => node.storage?.snapraid !== undefined || node.storage?.mergerfs !== undefined || (node.localMounts?.length ?? 0) > 0,
    reads: (node) => ({ local: localMounts, conf: node.storage?.snapraid ? snapraidConfig(node.storage.snapraid.config) : undefined }),
    check({ node, facts }) {
      return judgeLocalMounts(wantedMounts(node, facts.conf), facts.local);
    },
    // §4.1: the mount point's findmnt, its unit and journal, per failed mount point.
    diagnose: (_ctx, findings) => unique(findings.flatMap((f) => { const mp = /^\/[^\s(]*/.exec(f.subject)?.[0]; return mp ? mountDiagnostics(mp) : []; })),
  },
);
