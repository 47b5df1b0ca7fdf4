// Local mounts of a node and how they are defined (BOOT-011; §3.1 layer 2, §3.2 "storage VM mounts
// its ext4 disks and MergerFS from /etc/fstab, systemd mount units"). Read-only, one round trip:
//
// - /etc/fstab, passwords masked on the node (SECRET_MASK_SED), parsed by network-mounts.ts's
//   parseFstab (fstab(5)) and read with its fstabLinesFor (the FIRST line for a mount point wins,
//   as systemd-fstab-generator reads it);
// - the mount table: `findmnt -J -l` with the UUID, LABEL, PARTUUID and PARTLABEL columns (libblkid:
//   the udev database, or the device itself when run as root), to tell whether a mount point is
//   mounted from the filesystem its definition names;
// - every /dev path that fstab or the mount table names, with `readlink -f` (where a
//   /dev/disk/by-… link or an LVM name really points);
// - `systemctl show` of every .mount unit systemd knows (loaded, or installed as a unit file):
//   What=, Where=, Type=, Options=, where its definition comes from (FragmentPath, SourcePath:
//   /etc/fstab for systemd-fstab-generator's units) and whether anything starts it at boot
//   (UnitFileState, WantedBy=, RequiredBy=; systemd.mount(5));
// - `lsblk -J` (PATH, UUID, LABEL, PARTUUID, FSTYPE) and `blkid -o export` (lsblk reads udev's
//   database; blkid, as root, probes the devices itself) to name the UUID in a fix line. Optional:
//   an empty answer only leaves the fix line without a UUID.
import { mounts as findmntProbe, type Mount } from "./mounts.ts";
import { parseFstab, SECRET_MASK_SED, type FstabEntry } from "./network-mounts.ts";
import { NO_SYSTEMD_MARKER, type UnitProps } from "./systemd.ts";
import { ProbeParseError, type Probe } from "./types.ts";

export interface LiveMount extends Mount {
  uuid?: string;
  label?: string;
  partuuid?: string;
  partlabel?: string;
}

export interface BlockDevice {
  path: string;
  uuid?: string;
  label?: string;
  partuuid?: string;
  fstype?: string;
}

export interface LocalMountsFact {
  /** /etc/fstab's entries; undefined when the node has no /etc/fstab. */
  fstab?: FstabEntry[];
  mounts: LiveMount[];
  /** /dev paths (fstab sources, mount sources) → `readlink -f` of them. */
  resolved: Record<string, string>;
  /** false: systemd is not PID 1 (no unit is read; fstab alone defines the boot mounts). */
  systemd: boolean;
  /** .mount units by Id (systemctl show). */
  units: Record<string, UnitProps>;
  /** Block devices as lsblk sees them (empty when lsblk answered nothing). */
  devices: BlockDevice[];
}

export const LOCAL_MOUNTS = "local-mounts";
const MARK = "@@hlc-localmount";
export const LOCAL_MOUNT_PROPS = ["Id", "Names", "LoadState", "ActiveState", "SubState", "UnitFileState", "WantedBy", "RequiredBy", "FragmentPath", "SourcePath", "What", "Where", "Type", "Options"] as const;

const FINDMNT = "findmnt -J -l -o TARGET,SOURCE,FSTYPE,OPTIONS,UUID,LABEL,PARTUUID,PARTLABEL";

/** One probe per node: it reads every mount, so the spec picks the mount points it judges. */
export const localMounts: Probe<LocalMountsFact> = {
  name: LOCAL_MOUNTS,
  command: [
    `if [ -e /etc/fstab ]; then echo '${MARK} fstab'; ${SECRET_MASK_SED} /etc/fstab || exit 3; else echo '${MARK} no-fstab'; fi`,
    `echo '${MARK} findmnt'`,
    `${FINDMNT} || exit 4`,
    `echo '${MARK} resolve'`,
    // fstab's sources (first field of non-comment lines) and the mount table's, those under /dev.
    `{ awk '$1 !~ /^#/ && NF >= 2 { print $1 }' /etc/fstab 2>/dev/null; findmnt -rn -o SOURCE; } | sed -n 's/\\[.*$//; /^\\/dev\\//p' | sort -u | while IFS= read -r s; do printf '%s\\t%s\\n' "$s" "$(readlink -f -- "$s" 2>/dev/null)"; done`,
    `echo '${MARK} units'`,
    // sd_booted(): /run/systemd/system exists only under systemd as PID 1.
    // A listing that fails (systemd busy at boot: "Connection timed out") fails the probe: a unit left out is not read.
    // list-unit-files gets the pattern '*.mount' as well as --type=mount: --type only filters
    // what systemctl prints, while a pattern is matched by PID 1 before it works out each unit
    // file's enablement state (systemd src/shared/install.c, unit_file_get_list:
    // strv_fnmatch_or_empty(patterns, de->d_name) before unit_file_lookup_state). The same
    // list; on the lab's storage node 560-670 ms -> 38-48 ms (systemd 252).
    `if [ -d /run/systemd/system ]; then l1=$(systemctl list-units --all --type=mount --plain --no-legend --no-pager) || exit 6; l2=$(systemctl list-unit-files --type=mount --no-legend --no-pager '*.mount') || exit 6; u=$(printf '%s\\n%s\\n' "$l1" "$l2" | awk '{ print $1 }' | grep '\\.mount$' | sort -u); if [ -n "$u" ]; then systemctl show --no-pager -p ${LOCAL_MOUNT_PROPS.join(",")} -- $u | ${SECRET_MASK_SED} || exit 5; fi; else echo '${NO_SYSTEMD_MARKER}'; fi`,
    `echo '${MARK} lsblk'`,
    `lsblk -J -o PATH,UUID,LABEL,PARTUUID,FSTYPE 2>/dev/null || true`,
    // lsblk reads udev's database; blkid probes the devices itself (as root), where udev is absent.
    `echo '${MARK} blkid'`,
    `blkid -o export 2>/dev/null || true`,
    `echo '${MARK} end'`,
  ].join("; "),
  parse({ stdout, stderr, code }) {
    if (code !== 0) throw new ProbeParseError(LOCAL_MOUNTS, `exited ${code}: ${stderr.trim()}`);
    return parseLocalMounts(stdout);
  },
};

export function parseLocalMounts(stdout: string): LocalMountsFact {
  const name = LOCAL_MOUNTS;
  const sections: { head: string; body: string[] }[] = [];
  for (const line of stdout.split("\n")) {
    if (line.startsWith(MARK + " ")) sections.push({ head: line.slice(MARK.length + 1), body: [] });
    else if (sections.length > 0) sections.at(-1)!.body.push(line);
    else if (line.trim() !== "") throw new ProbeParseError(name, `output before the first section: ${JSON.stringify(line)}`);
  }
  if (sections.at(-1)?.head !== "end") throw new ProbeParseError(name, "output is truncated (no end marker)");
  const sec = (h: string) => sections.find((s) => s.head === h);
  const fstabSec = sec("fstab");
  if (!fstabSec && !sec("no-fstab")) throw new ProbeParseError(name, "no fstab section");
  const findmntSec = sec("findmnt");
  const unitsSec = sec("units");
  if (!findmntSec || !unitsSec || !sec("resolve")) throw new ProbeParseError(name, "findmnt, resolve or units section missing");

  const text = findmntSec.body.join("\n");
  let base: Mount[];
  try {
    base = findmntProbe.parse({ stdout: text, stderr: "", code: 0 });
  } catch (e) {
    throw new ProbeParseError(name, `findmnt: ${(e as Error).message}`);
  }
  // The extra columns, row by row (with -l findmnt prints one flat list, in the order parsed above).
  const rows = (JSON.parse(text) as { filesystems: Array<Record<string, unknown>> }).filesystems;
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const mounts: LiveMount[] = base.map((m, i) => {
    const r = rows[i] ?? {};
    const extra = { uuid: str(r.uuid), label: str(r.label), partuuid: str(r.partuuid), partlabel: str(r.partlabel) };
    return { ...m, ...Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)) };
  });

  const resolved: Record<string, string> = {};
  for (const l of sec("resolve")!.body) {
    if (l === "") continue;
    const tab = l.indexOf("\t");
    if (tab < 0) throw new ProbeParseError(name, `resolve line without a tab: ${JSON.stringify(l)}`);
    if (l.slice(tab + 1) !== "") resolved[l.slice(0, tab)] = l.slice(tab + 1);
  }

  const unitLines = unitsSec.body.join("\n").replace(/\n+$/, "");
  const systemd = unitLines.trim() !== NO_SYSTEMD_MARKER;
  const units: Record<string, UnitProps> = {};
  if (systemd && unitLines.trim() !== "") {
    for (const block of unitLines.split(/\n\n/)) {
      const props: UnitProps = {};
      for (const line of block.split("\n")) {
        const m = /^([A-Za-z0-9]+)=(.*)$/.exec(line); // the FIRST "=": values may contain "="
        if (!m) throw new ProbeParseError(name, `not a Property=value line: ${JSON.stringify(line)}`);
        props[m[1]!] = m[2]!;
      }
      if (!props.Id) throw new ProbeParseError(name, `unit block without Id: ${JSON.stringify(block)}`);
      units[props.Id] = props;
    }
  }

  const devices: BlockDevice[] = [];
  const lsblk = sec("lsblk")?.body.join("\n").trim() ?? "";
  if (lsblk !== "") {
    let doc: unknown;
    try {
      doc = JSON.parse(lsblk);
    } catch (e) {
      throw new ProbeParseError(name, `lsblk: not JSON (${(e as Error).message})`);
    }
    const walk = (list: unknown) => {
      if (!Array.isArray(list)) return;
      for (const d of list as Array<Record<string, unknown>>) {
        if (typeof d?.path === "string") {
          const o: BlockDevice = { path: d.path };
          for (const k of ["uuid", "label", "partuuid", "fstype"] as const) if (str(d[k])) o[k] = str(d[k])!;
          devices.push(o);
        }
        walk(d?.children);
      }
    };
    walk((doc as { blockdevices?: unknown } | null)?.blockdevices);
  }
  // blkid -o export: KEY=value lines, one blank-line-separated block per device (DEVNAME first).
  for (const block of (sec("blkid")?.body.join("\n") ?? "").split(/\n\s*\n/)) {
    const kv: Record<string, string> = {};
    for (const l of block.split("\n")) {
      const eq = l.indexOf("=");
      if (eq > 0) kv[l.slice(0, eq)] = l.slice(eq + 1);
    }
    if (!kv.DEVNAME) continue;
    const known = devices.find((d) => d.path === kv.DEVNAME);
    const o: BlockDevice = known ?? { path: kv.DEVNAME };
    if (kv.UUID && !o.uuid) o.uuid = kv.UUID;
    if (kv.LABEL && !o.label) o.label = kv.LABEL;
    if (kv.PARTUUID && !o.partuuid) o.partuuid = kv.PARTUUID;
    if (kv.TYPE && !o.fstype) o.fstype = kv.TYPE;
    if (!known) devices.push(o);
  }
  return { ...(fstabSec ? { fstab: parseFstab(name, fstabSec.body) } : {}), mounts, resolved, systemd, units, devices };
}
