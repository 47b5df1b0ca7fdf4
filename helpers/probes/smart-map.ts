// Which physical disk each SnapRAID disk is on, as the kernel sees it (DATA-026; §1 "SMART
// metrics", §4.1 "a data disk failing", §4.2 parity): for every data and parity path of the
// node's snapraid.conf (read on the node as SnapRAID reads it, the same awk as DATA-020/021),
// `findmnt -n -o SOURCE -T PATH` gives the filesystem's device, and `lsblk -J -s -o
// NAME,PATH,TYPE DEVICE` its ancestors (-s: the dependency tree inverted, so a partition's,
// LUKS mapping's, LVM volume's or md array's `children` are the devices it sits on); the leaves
// of that tree are the whole disks. Every declared SMART device is resolved the same way
// (`readlink -f`, then lsblk -s), so /dev/disk/by-id/… names and partitions are compared as the
// whole disks they are. An NVMe controller (/dev/nvme0, a character device smartctl accepts)
// stands for its namespaces' disks (nvme0n1, nvme0n2…).
//
// Read-only. Captures: fixtures/captured/smart-map/ (loop devices on this machine).
import { shQuote } from "../transport/shell.ts";
import { namedPaths } from "./capacity.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

const NAME = "smart-map";
const MARK = "@@hlc-smap";

export type MapRole = "data" | "parity" | "parity+";

export interface LeafDisk {
  /** Kernel name, e.g. sdb, nvme0n1, loop4. */
  name: string;
  /** lsblk TYPE: disk, loop, … */
  type: string;
}

export interface MappedDisk {
  role: MapRole;
  /** The data directory or parity file as snapraid.conf names it. */
  path: string;
  /** findmnt's SOURCE (without a [/subvolume] suffix). */
  source?: string;
  /** The whole disks under it (lsblk -s leaves). */
  disks: LeafDisk[];
  error?: string;
}

export interface ResolvedDevice {
  device: string;
  /** readlink -f of the device. */
  resolved?: string;
  disks: LeafDisk[];
  error?: string;
}

export interface SmartMapFact {
  /** False when snapraid.conf could not be read. */
  confReadable: boolean;
  array: MappedDisk[];
  devices: ResolvedDevice[];
  /** /dev/disk/by-id names of each whole disk (partitions left out), by kernel name. */
  byId: Record<string, string[]>;
}

export function smartMap(snapraidConf: string, devices: string[]): Probe<SmartMapFact> {
  const conf = shQuote(snapraidConf);
  const lsblk = (v: string) =>
    `if o=$(lsblk -J -s -o NAME,PATH,TYPE -- "${v}" 2>&1); then printf '%s\\n' "$o"; else echo "${MARK}-error lsblk: $(printf '%s' "$o" | tr '\\n' ' ')"; fi`;
  const sel = `sel=$( { ${namedPaths({ snapraidConf })}} | grep -E '^(data|parity|parity\\+) ' )`;
  const array =
    `[ -r ${conf} ] || echo "${MARK}-noconf"; ${sel}; ` +
    `printf '%s\\n' "$sel" | while IFS= read -r line; do [ -n "$line" ] || continue; role=\${line%% *}; p=\${line#* }; echo "${MARK} disk $role $p"; ` +
    `q="$p"; case "$role" in parity*) [ -e "$q" ] || q=$(dirname -- "$q");; esac; ` +
    `if ! src=$(timeout 10 findmnt -n -o SOURCE -T "$q" 2>&1); then echo "${MARK}-error findmnt: $(printf '%s' "$src" | tr '\\n' ' ')"; continue; fi; ` +
    `src=\${src%%\\[*}; echo "${MARK} source $src"; ` +
    `if [ -b "$src" ]; then ${lsblk("$src")}; else echo "${MARK}-error not a block device"; fi; done`;
  const devs = devices
    .map(
      (d) =>
        `echo ${shQuote(`${MARK} dev ${d}`)}; r=$(readlink -f -- ${shQuote(d)}); echo "${MARK} resolved $r"; ` +
        `if [ -b "$r" ]; then ${lsblk("$r")}; elif [ -c "$r" ]; then echo "${MARK} char"; else echo "${MARK}-error no such block device"; fi`,
    )
    .join("; ");
  const byId = `echo "${MARK} byid"; for l in /dev/disk/by-id/*; do [ -L "$l" ] || continue; case "$l" in *-part[0-9]*) continue;; esac; echo "$(basename -- "$(readlink -f -- "$l")") $l"; done`;
  const command = `PATH="$PATH:/usr/sbin:/sbin"; ${array}; ${devs ? `${devs}; ` : ""}${byId}`;
  return { name: NAME, command, parse: parseSmartMap };
}

export function parseSmartMap({ stdout, stderr, code }: ProbeOutput): SmartMapFact {
  if (code !== 0) throw new ProbeParseError(NAME, `exited ${code}: ${stderr.trim()}`);
  const fact: SmartMapFact = { confReadable: true, array: [], devices: [], byId: {} };
  let cur: { disks: LeafDisk[]; error?: string } | undefined;
  let json: string[] = [];
  let part: "main" | "byid" = "main";
  const flush = () => {
    if (cur && json.length) cur.disks.push(...leaves(json.join("\n")));
    json = [];
  };
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    if (part === "byid") {
      const m = /^(\S+) (\/dev\/disk\/by-id\/\S+)$/.exec(line);
      if (!m) throw new ProbeParseError(NAME, `not a by-id line: ${JSON.stringify(line)}`);
      (fact.byId[m[1]!] ??= []).push(m[2]!);
      continue;
    }
    if (line === `${MARK}-noconf`) {
      fact.confReadable = false;
    } else if (line.startsWith(`${MARK} disk `)) {
      flush();
      const rest = line.slice(MARK.length + 6);
      const sp = rest.indexOf(" ");
      const role = rest.slice(0, sp) as MapRole;
      if (sp < 0 || !["data", "parity", "parity+"].includes(role)) throw new ProbeParseError(NAME, `unknown entry: ${line}`);
      const d: MappedDisk = { role, path: rest.slice(sp + 1), disks: [] };
      fact.array.push(d);
      cur = d;
    } else if (line.startsWith(`${MARK} source `)) {
      const d = fact.array[fact.array.length - 1];
      if (!d || cur !== d) throw new ProbeParseError(NAME, `a source outside a disk: ${line}`);
      d.source = line.slice(MARK.length + 8);
    } else if (line.startsWith(`${MARK} dev `)) {
      flush();
      const d: ResolvedDevice = { device: line.slice(MARK.length + 5), disks: [] };
      fact.devices.push(d);
      cur = d;
    } else if (line.startsWith(`${MARK} resolved `)) {
      const d = fact.devices[fact.devices.length - 1];
      if (!d || cur !== d) throw new ProbeParseError(NAME, `a resolved path outside a device: ${line}`);
      const r = line.slice(MARK.length + 10);
      if (r) d.resolved = r;
    } else if (line === `${MARK} char`) {
      const d = fact.devices[fact.devices.length - 1];
      // An NVMe controller: its namespaces are nvme<N>n<M>.
      const m = /^\/dev\/(nvme\d+)$/.exec(d?.resolved ?? "");
      if (!d) throw new ProbeParseError(NAME, `char outside a device`);
      if (m) d.disks.push({ name: `${m[1]}n*`, type: "nvme-controller" });
      else d.error = `${d.resolved} is a character device that is not an NVMe controller`;
    } else if (line.startsWith(`${MARK}-error `)) {
      if (!cur) throw new ProbeParseError(NAME, `an error outside an entry: ${line}`);
      cur.error = line.slice(MARK.length + 7).trim();
    } else if (line === `${MARK} byid`) {
      flush();
      cur = undefined;
      part = "byid";
    } else {
      if (!cur) throw new ProbeParseError(NAME, `unexpected line: ${JSON.stringify(line)}`);
      json.push(line);
    }
  }
  if (part !== "byid") throw new ProbeParseError(NAME, "cut off before the by-id list");
  return fact;
}

/** The leaves of `lsblk -J -s` (the devices everything else sits on), deduplicated. */
function leaves(text: string): LeafDisk[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ProbeParseError(NAME, `lsblk: not JSON: ${JSON.stringify(text.slice(0, 200))}`);
  }
  const out: LeafDisk[] = [];
  const walk = (n: unknown) => {
    const o = n as { name?: unknown; type?: unknown; children?: unknown };
    if (typeof o?.name !== "string" || typeof o.type !== "string") throw new ProbeParseError(NAME, `lsblk: malformed entry ${JSON.stringify(n)}`);
    if (Array.isArray(o.children) && o.children.length) o.children.forEach(walk);
    else if (!out.some((x) => x.name === o.name)) out.push({ name: o.name, type: o.type });
  };
  const top = (doc as { blockdevices?: unknown })?.blockdevices;
  if (!Array.isArray(top)) throw new ProbeParseError(NAME, `lsblk: no blockdevices: ${JSON.stringify(text.slice(0, 200))}`);
  top.forEach(walk);
  return out;
}

/** Does a declared device's disk (kernel name, or nvmeN n* for a controller) cover this kernel disk? */
export function covers(declared: LeafDisk, disk: string): boolean {
  if (declared.type === "nvme-controller") return new RegExp(`^${declared.name.slice(0, -2)}n\\d+$`).test(disk);
  return declared.name === disk;
}
