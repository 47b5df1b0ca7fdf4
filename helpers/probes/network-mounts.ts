// Network (SMB) mounts of a consumer node, for the `mounts` section (BOOT-004, SHARE-004,
// SHARE-005): their /etc/fstab lines, the live mounts at their paths, and the owner, mode and
// `username=` of their credentials files. Read-only, with one deliberate side effect:
//
// The automount is TRIGGERED with `ls PATH/` before findmnt runs, so that the live mount options
// (ro/rw) can be judged. That is a read of the share's top directory; it mounts the share exactly
// as the node's own services do on first access (the mount then expires or stays, as configured).
// A path that is not an active automount (missing-automount) is listed all the same: a read.
//
// The password line of a credentials file is never read into the output: only `username=` is
// printed (sed), cut at a '%' (mount.cifs accepts `username=user%password`), plus stat's
// owner/group/mode. An inline `password=` (or `username=user%password`) in an fstab line or a
// mount unit's Options= is masked on the node, before anything leaves it.
//
// A mount is defined by an /etc/fstab line or by explicit `.mount`/`.automount` unit files: the
// units of every probed path are read with `systemctl cat` (fstab's generated ones live under
// /run/systemd/generator), and the credentials files that the fstab line or the unit really
// names (`credentials=`/`cred=`) are stat'ed as well as the ones the inventory names.
import { mounts as findmntProbe, splitOptions, type Mount } from "./mounts.ts";
import { escapePath, type MountsDecl } from "../inventory/sections/mounts.ts";
import { unitProperties, type SystemdFact, type UnitProps } from "./systemd.ts";
import { ProbeParseError, type Probe } from "./types.ts";

export interface FstabEntry {
  source: string;
  target: string;
  fstype: string;
  options: string[];
  /** The line as written (for messages). */
  line: string;
}

export interface CredentialsFile {
  path: string;
  /** False when the file does not exist (or cannot be stat'ed). */
  exists: boolean;
  owner?: string;
  group?: string;
  /** Permission bits in octal as stat prints them, e.g. "600". */
  mode?: string;
  /** Values of the username= lines (normally one). */
  usernames: string[];
}

/** One unit file (or drop-in) as `systemctl cat` shows it. */
export interface UnitFile {
  unit: string;
  path: string;
  /** Written by a generator (systemd-fstab-generator: /run/systemd/generator*). */
  generated: boolean;
  dropIn: boolean;
  /** section → key → value (the last assignment wins; an empty one resets). */
  sections: Record<string, Record<string, string>>;
}

export interface NetworkMountsFact {
  fstab: FstabEntry[];
  /** Unit files of the probed paths' .mount and .automount units (absent: no such unit). */
  units?: UnitFile[];
  /** Live mounts whose target is one of the probed paths (autofs trigger and the share itself). */
  mounts: Mount[];
  credentials: Record<string, CredentialsFile>;
}

const MARK = "@@hlc-netmount";
export const NETWORK_MOUNTS = "network-mounts";

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Probe for the given mount points and credentials files. */
export function networkMounts(paths: string[], credentials: string[]): Probe<NetworkMountsFact> {
  if (paths.length === 0) throw new Error("networkMounts: no paths given");
  // One probe per node (the planner passes every declared mount): a fixed name, so specs find it.
  const name = NETWORK_MOUNTS;
  // Masks password=, pass=, password2= (mount.cifs doubles a comma inside a value) and the part of
  // username= after a '%', in fstab lines and in units' Options=.
  const mask = `sed -E 's/(^|[[:space:],=])(password2?|pass)=([^,[:space:]]|,,)*/\\1\\2=<hidden>/g; s/(^|[[:space:],=])(username|user)=([^,%[:space:]]*)%([^,[:space:]]|,,)*/\\1\\2=\\3%<hidden>/g'`;
  const unitsOf = (p: string) => `"$(systemd-escape -p --suffix=mount -- ${shq(p)})" "$(systemd-escape -p --suffix=automount -- ${shq(p)})"`;
  const cmd = [
    // Trigger each automount with a read (see above); bounded, errors ignored (judged from the mount table).
    ...paths.map((p) => `timeout 20 ls -- ${shq(p + "/")} >/dev/null 2>&1 || true`),
    `echo '${MARK} fstab'`,
    `${mask} /etc/fstab`,
    `echo '${MARK} findmnt'`,
    `findmnt -J -l -o TARGET,SOURCE,FSTYPE,OPTIONS`,
    `echo '${MARK} units'`,
    `{ command -v systemctl >/dev/null 2>&1 && systemctl cat --no-pager -- ${paths.map(unitsOf).join(" ")} 2>/dev/null | ${mask}; } || true`,
    // The credentials files the definitions name: the inventory's, then fstab's and the units'.
    `named=$({ ${paths.map((p) => `awk -v t=${shq(p)} '$1 !~ /^#/ && $2 == t { print $4 }' /etc/fstab 2>/dev/null; systemctl cat --no-pager -- ${unitsOf(p)} 2>/dev/null | sed -n 's/^[[:space:]]*Options[[:space:]]*=//p'`).join("; ")}; } | tr ',' '\\n' | sed -n 's/^cred\\(entials\\)\\{0,1\\}=//p')`,
    `{ printf '%s\\n' ${credentials.map(shq).join(" ")}; printf '%s\\n' "$named"; } | awk 'NF && !seen[$0]++' | while IFS= read -r c; do echo "${MARK} cred $c"; if [ -e "$c" ]; then stat -c '%U %G %a' -- "$c"; sed -n '/^[[:space:]]*user\\(name\\)\\{0,1\\}[[:space:]]*=/{s/^[^=]*=[[:space:]]*//;s/%.*//;p;}' -- "$c"; else echo missing; fi; done`,
    `echo '${MARK} end'`,
  ].join("; ");
  return {
    name,
    command: cmd,
    parse({ stdout, stderr, code }) {
      if (code !== 0) throw new ProbeParseError(name, `exited ${code}: ${stderr.trim()}`);
      return parseNetworkMounts(name, stdout, paths);
    },
  };
}

export function parseNetworkMounts(name: string, stdout: string, paths: string[]): NetworkMountsFact {
  const sections: { head: string; body: string[] }[] = [];
  for (const line of stdout.split("\n")) {
    if (line.startsWith(MARK + " ")) sections.push({ head: line.slice(MARK.length + 1), body: [] });
    else if (sections.length > 0) sections.at(-1)!.body.push(line);
    else if (line.trim() !== "") throw new ProbeParseError(name, `output before the first section: ${JSON.stringify(line)}`);
  }
  if (sections.at(-1)?.head !== "end") throw new ProbeParseError(name, "output is truncated (no end marker)");
  const fstabSec = sections.find((s) => s.head === "fstab");
  const findmntSec = sections.find((s) => s.head === "findmnt");
  if (!fstabSec || !findmntSec) throw new ProbeParseError(name, "fstab or findmnt section missing");
  const fstab = parseFstab(name, fstabSec.body);
  const unitsSec = sections.find((s) => s.head === "units");
  let all: Mount[];
  try {
    all = findmntProbe.parse({ stdout: findmntSec.body.join("\n"), stderr: "", code: 0 });
  } catch (e) {
    throw new ProbeParseError(name, `findmnt: ${(e as Error).message}`);
  }
  const wanted = new Set(paths);
  const credentials: Record<string, CredentialsFile> = {};
  for (const s of sections.filter((x) => x.head.startsWith("cred "))) {
    const path = s.head.slice(5);
    const lines = s.body.filter((l) => l !== "");
    if (lines[0] === "missing") {
      credentials[path] = { path, exists: false, usernames: [] };
      continue;
    }
    const m = /^(\S+) (\S+) ([0-7]{3,4})$/.exec(lines[0] ?? "");
    if (!m) throw new ProbeParseError(name, `credentials ${path}: unreadable stat line ${JSON.stringify(lines[0] ?? "")}`);
    credentials[path] = { path, exists: true, owner: m[1]!, group: m[2]!, mode: m[3]!, usernames: lines.slice(1).map((l) => l.trim()) };
  }
  return { fstab, ...(unitsSec ? { units: parseSystemctlCat(unitsSec.body) } : {}), mounts: all.filter((x) => wanted.has(x.target)), credentials };
}

/** `systemctl cat`: each file starts with a `# /path/of/file` line; then ini sections. */
export function parseSystemctlCat(lines: string[]): UnitFile[] {
  const out: UnitFile[] = [];
  let section = "";
  for (const raw of lines) {
    const head = /^# (\/\S.*)$/.exec(raw);
    if (head) {
      const path = head[1]!;
      const drop = /\/([^/]+)\.d\/[^/]+\.conf$/.exec(path);
      out.push({ unit: drop ? drop[1]! : path.slice(path.lastIndexOf("/") + 1), path, generated: /^\/run\/systemd\/generator/.test(path), dropIn: !!drop, sections: {} });
      section = "";
      continue;
    }
    const f = out.at(-1);
    const line = raw.trim();
    if (!f || line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1]!;
      f.sections[section] ??= {};
      continue;
    }
    const eq = line.indexOf("=");
    if (eq > 0 && section) f.sections[section]![line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** Types systemd itself treats as network file systems (no `_netdev` needed). */
const NETWORK_FS = new Set(["cifs", "smb3", "smbfs", "nfs", "nfs4", "ncpfs", "ncp", "glusterfs", "ceph", "9p", "sshfs", "fuse.sshfs", "davfs", "afs", "gfs", "gfs2", "ocfs2"]);

/** How a mount point is defined, whichever way: an /etc/fstab line or explicit unit files. */
export interface MountDefinition {
  /** "/etc/fstab" or the explicit .mount unit file, for messages. */
  origin: string;
  kind: "fstab" | "units";
  source: string;
  fstype: string;
  /** The mount options as written (fstab's 4th field or the unit's Options=). */
  options: string[];
  /** An automount arms it: `x-systemd.automount` in fstab, or an explicit .automount unit. */
  automount: boolean;
  /** Nothing at boot waits for or fails on the mount itself (`nofail`, or a .mount unit that no target pulls in). */
  nofail: boolean;
  /** Ordered after the network (`_netdev`, a network fs type, or After=network-online.target). */
  netdev: boolean;
  /** The mount timeout as written (`x-systemd.mount-timeout=` or [Mount] TimeoutSec=), if any. */
  timeout?: string;
  /** The credentials file the definition names, if any. */
  credentials?: string;
  /** Inline secrets in the definition itself (`password=`, `username=user%…`), masked on the node. */
  inlinePassword: boolean;
  /** Inline `username=`/`user=` (the part before any '%'). */
  inlineUser?: string;
  line: string;
}

/**
 * The definition of a mount point, as systemd reads it: the last /etc/fstab line for the path
 * (fstab wins: systemd ignores an explicit unit that fstab also defines), else its explicit
 * `.mount` unit file (from /etc/systemd/system or elsewhere, not a generator's), with an explicit
 * `.automount` unit file judged like `x-systemd.automount`.
 */
export function mountDefinition(nm: NetworkMountsFact, path: string): MountDefinition | undefined {
  const e = nm.fstab.filter((x) => x.target === path).at(-1);
  if (e) {
    const o = e.options;
    const t = option(o, "x-systemd.mount-timeout");
    return {
      origin: "/etc/fstab",
      kind: "fstab",
      source: e.source,
      fstype: e.fstype,
      options: o,
      automount: option(o, "x-systemd.automount") !== undefined,
      nofail: option(o, "nofail") !== undefined,
      netdev: option(o, "_netdev") !== undefined,
      ...(typeof t === "string" ? { timeout: t } : {}),
      ...credsOf(o),
      line: e.line,
    };
  }
  const files = (nm.units ?? []).filter((u) => !u.generated);
  const mountFiles = files.filter((u) => u.unit.endsWith(".mount") && (u.sections.Mount?.Where ?? "") !== "" ? u.sections.Mount!.Where === path : false);
  const main = mountFiles.find((u) => !u.dropIn);
  if (!main) return undefined;
  const unit = main.unit;
  // The unit's settings with its drop-ins applied in order.
  const merged: Record<string, Record<string, string>> = {};
  for (const f of files.filter((u) => u.unit === unit)) for (const [sec, kv] of Object.entries(f.sections)) Object.assign((merged[sec] ??= {}), kv);
  const m = merged.Mount ?? {};
  const options = splitOptions(m.Options || "defaults");
  const auto = files.find((u) => u.unit === unit.replace(/\.mount$/, ".automount") && !u.dropIn);
  const install = merged.Install ?? {};
  const after = `${merged.Unit?.After ?? ""} ${merged.Unit?.Wants ?? ""}`;
  const t = m.TimeoutSec ?? (() => { const x = option(options, "x-systemd.mount-timeout"); return typeof x === "string" ? x : undefined; })();
  return {
    origin: main.path,
    kind: "units",
    source: m.What ?? "",
    fstype: m.Type ?? "",
    options,
    automount: auto !== undefined,
    // Pulled in by no target: only its automount (or a service needing it) starts it.
    nofail: !(install.WantedBy || install.RequiredBy) || option(options, "nofail") !== undefined,
    netdev: option(options, "_netdev") !== undefined || NETWORK_FS.has(m.Type ?? "") || /\b(network-online|remote-fs-pre)\.target\b/.test(after),
    ...(t !== undefined ? { timeout: t } : {}),
    ...credsOf(options),
    line: `${main.path}${auto ? ` + ${auto.path}` : ""}: What=${m.What ?? ""} Type=${m.Type ?? ""} Options=${m.Options ?? ""}${m.TimeoutSec ? ` TimeoutSec=${m.TimeoutSec}` : ""}`,
  };
}

function credsOf(o: string[]): Pick<MountDefinition, "credentials" | "inlinePassword" | "inlineUser"> {
  const c = option(o, "credentials") ?? option(o, "cred");
  const u = option(o, "username") ?? option(o, "user");
  const inlinePassword = ["password", "pass", "password2"].some((k) => option(o, k) !== undefined) || (typeof u === "string" && u.includes("%"));
  return {
    ...(typeof c === "string" ? { credentials: c } : {}),
    inlinePassword,
    ...(typeof u === "string" ? { inlineUser: u.split("%")[0]! } : {}),
  };
}

/** fstab(5): whitespace-separated fields, `#` comments, octal escapes (\040) in fields. */
export function parseFstab(name: string, lines: string[]): FstabEntry[] {
  const out: FstabEntry[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const f = line.split(/\s+/);
    if (f.length < 3) throw new ProbeParseError(name, `fstab line with fewer than 3 fields: ${JSON.stringify(line)}`);
    const un = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    out.push({ source: un(f[0]!), target: un(f[1]!), fstype: f[2]!, options: splitOptions(f[3] ?? "defaults"), line });
  }
  return out;
}

/** The value of an option (k=v) or true for a flag; the last occurrence wins, as mount does. */
export function option(options: string[], key: string): string | true | undefined {
  let v: string | true | undefined;
  for (const o of options) {
    const eq = o.indexOf("=");
    if (eq < 0 ? o === key : o.slice(0, eq) === key) v = eq < 0 ? true : o.slice(eq + 1);
  }
  return v;
}

/** systemd time span (x-systemd.mount-timeout=) to seconds: "10s", "1min 30s", "90", "2m". */
export function timeSpanSec(v: string): number | undefined {
  const units: Record<string, number> = { "": 1, s: 1, sec: 1, second: 1, seconds: 1, m: 60, min: 60, minute: 60, minutes: 60, h: 3600, hr: 3600, hour: 3600, hours: 3600, ms: 0.001, msec: 0.001, us: 1e-6, usec: 1e-6 };
  const s = v.trim();
  if (s === "" || s === "infinity") return s === "infinity" ? Infinity : undefined;
  let total = 0;
  const re = /(\d+(?:\.\d+)?)\s*([a-z]*)\s*/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(s))) {
    const u = units[m[2]!];
    if (u === undefined) return undefined;
    total += parseFloat(m[1]!) * u;
    pos = re.lastIndex;
  }
  return pos === s.length ? total : undefined;
}

// StartLimitBurst/StartLimitIntervalUSec: BOOT-007 (a mount unit that systemd's start limit can
// refuse locks its automount out for good).
export const MOUNT_UNIT_PROPS = ["Id", "Names", "LoadState", "ActiveState", "SubState", "Result", "Where", "What", "Options", "TimeoutUSec", "StartLimitBurst", "StartLimitIntervalUSec"] as const;

/** fstab + live mounts + credentials files of the declared network mounts (one probe; it triggers the automounts with a read). */
export function networkMountsProbe(decl: MountsDecl): Probe<NetworkMountsFact> {
  return networkMounts(
    decl.map((m) => m.path),
    [...new Set(decl.map((m) => m.credentials))],
  );
}

/** The .automount and .mount unit of every declared mount point, in that order. */
export function mountUnits(decl: MountsDecl): string[] {
  return decl.flatMap((m) => [`${escapePath(m.path)}.automount`, `${escapePath(m.path)}.mount`]);
}

/** unitProperties of the mount points' units under a fixed name (one per node). */
export function mountUnitsProbe(decl: MountsDecl): Probe<SystemdFact<Record<string, UnitProps>>> {
  return { ...unitProperties(mountUnits(decl), MOUNT_UNIT_PROPS), name: "network-mount-units" };
}
