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
import { fileAccessScript, parseFileAccess, type FileAccess } from "./file-access.ts";
import { mounts as findmntProbe, splitOptions, type Mount } from "./mounts.ts";
import { mountUnit, type MountsDecl } from "../inventory/sections/mounts.ts";
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

/**
 * A credentials file as mount.cifs reads it (cifs-utils mount.cifs.c, open_cred_file() and
 * parse_cred_line()): line by line (fgets), leading spaces and tabs eaten, the line cut at its
 * newline only (a CR stays in the value), the value is everything after the FIRST '=' (no
 * trimming: `user = x` logs in as " x"), and the key is recognised by its first letters,
 * case-insensitively: `strncasecmp("user", line, 4)` -> the user name, "pass" -> the password,
 * "dom" -> the domain; anything else is ignored. Each user line overwrites the one before
 * (strlcpy into parsed_info->username): the LAST one wins. So `username=jellyfin` then
 * `USER=nextcloud` logs in as nextcloud, and so does `user_name=nextcloud` or `UserX=nextcloud`.
 */
export interface CredentialsFile extends FileAccess {
  /** The user lines in file order, as mount.cifs sees them (key and raw value; after a '%' masked on the node). */
  userLines: { key: string; value: string }[];
  /** Values of the user lines in file order (normally one). */
  usernames: string[];
  /** The user mount.cifs takes from this file: the last user line's value. */
  user?: string;
  /** The capture came from the older probe (username= values only, not mount.cifs's rule). */
  legacy?: boolean;
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

/**
 * The node's sed that masks password=, pass=, password2= (mount.cifs doubles a comma inside a
 * value) and the part of username= after a '%', in fstab lines and in units' Options=: a
 * password in /etc/fstab never leaves the node (also used by BOOT-011's local-mounts probe).
 */
export const SECRET_MASK_SED = `sed -E 's/(^|[[:space:],=])(password2?|pass)=([^,[:space:]]|,,)*/\\1\\2=<hidden>/g; s/(^|[[:space:],=])(username|user)=([^,%[:space:]]*)%([^,[:space:]]|,,)*/\\1\\2=\\3%<hidden>/g'`;

const MARK = "@@hlc-netmount";
export const NETWORK_MOUNTS = "network-mounts";

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Probe for the given mount points and credentials files. */
export function networkMounts(paths: string[], credentials: string[]): Probe<NetworkMountsFact> {
  if (paths.length === 0) throw new Error("networkMounts: no paths given");
  // One probe per node (the planner passes every declared mount): a fixed name, so specs find it.
  const name = NETWORK_MOUNTS;
  const mask = SECRET_MASK_SED;
  // Unit names worked out here, as systemd names them (mountUnit: unit_name_path_escape), not by
  // a systemd-escape per name on the node (~20 ms a fork there).
  const units = paths.flatMap((p) => [mountUnit(p), mountUnit(p, "automount")]).map(shq).join(" ");
  const cmd = [
    // Trigger each automount with a read (see above); bounded, errors ignored (judged from the mount table).
    ...paths.map((p) => `timeout 20 ls -- ${shq(p + "/")} >/dev/null 2>&1 || true`),
    `echo '${MARK} fstab'`,
    `${mask} /etc/fstab`,
    `echo '${MARK} findmnt'`,
    `findmnt -J -l -o TARGET,SOURCE,FSTYPE,OPTIONS`,
    `echo '${MARK} units'`,
    // Read once, printed, and searched below for the credentials files its Options= name.
    `units=$({ command -v systemctl >/dev/null 2>&1 && systemctl cat --no-pager -- ${units} 2>/dev/null | ${mask}; } || true)`,
    `if [ -n "$units" ]; then printf '%s\\n' "$units"; fi`,
    // The credentials files the definitions name: the inventory's, then fstab's and the units'.
    // awk takes the mount points as operands, read in BEGIN (never as files: ARGC = 2), so a path
    // needs no escaping for awk's string syntax.
    `named=$({ awk 'BEGIN { for (i = 2; i < ARGC; i++) t[ARGV[i]] = 1; ARGC = 2 } $1 !~ /^#/ && ($2 in t) { print $4 }' /etc/fstab ${paths.map(shq).join(" ")} 2>/dev/null; printf '%s\\n' "$units" | sed -n 's/^[[:space:]]*Options[[:space:]]*=//p'; } | tr ',' '\\n' | sed -n 's/^cred\\(entials\\)\\{0,1\\}=//p')`,
    // Each file as mount.cifs opens it (fileAccessScript: through symlinks, with the directories on
    // its path), then its user lines as mount.cifs's credentials parser takes them (see CRED_USER_SED).
    `{ printf '%s\\n' ${credentials.map(shq).join(" ")}; printf '%s\\n' "$named"; } | awk 'NF && !seen[$0]++' | while IFS= read -r c; do echo "${MARK} cred $c"; ${fileAccessScript("c")}; if [ -e "$c" ]; then sed -n ${shq(CRED_USER_SED)} -- "$c"; fi; done`,
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
    credentials[path] = parseCredentials(name, path, s.body.filter((l) => l !== ""));
  }
  return { fstab, ...(unitsSec ? { units: parseSystemctlCat(unitsSec.body) } : {}), mounts: all.filter((x) => wanted.has(x.target)), credentials };
}

/**
 * The node's sed for a credentials file: the lines mount.cifs takes as the user name (leading
 * blanks eaten, key starting with "user" in any case, an '=' somewhere), anything after a '%'
 * masked (a password must never leave the node), printed with sed's `l 0` (unambiguous: a CR or
 * a trailing blank stays visible as `\\r`, ` $`). Password and domain lines are never printed.
 */
export const CRED_USER_SED = "s/^[[:blank:]]*//; /^[Uu][Ss][Ee][Rr].*=/{s/%.*/%<hidden>/; s/^/U /; l 0;}";

/** Undo sed's `l`: C escapes and \\ooo octal, the line's closing `$`. */
export function unescapeSedL(s: string): string {
  const body = s.endsWith("$") ? s.slice(0, -1) : s;
  const map: Record<string, string> = { "\\": "\\", a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === "\\" && i + 1 < body.length) {
      const oct = /^[0-7]{3}/.exec(body.slice(i + 1));
      if (oct) {
        bytes.push(parseInt(oct[0], 8));
        i += 3;
        continue;
      }
      const m = map[body[i + 1]!];
      if (m !== undefined) {
        bytes.push(...Buffer.from(m));
        i += 1;
        continue;
      }
    }
    bytes.push(...Buffer.from(ch));
  }
  return Buffer.from(bytes).toString("utf8");
}

function parseCredentials(name: string, path: string, lines: string[]): CredentialsFile {
  const { access, rest, error } = parseFileAccess(path, lines);
  if (error) throw new ProbeParseError(name, `credentials ${path}: ${error}`);
  const userLines: { key: string; value: string }[] = [];
  const legacy = rest.length > 0 && rest.every((l) => !l.startsWith("U "));
  for (const l of rest) {
    if (legacy) {
      userLines.push({ key: "username", value: l.trim() });
      continue;
    }
    if (!l.startsWith("U ")) throw new ProbeParseError(name, `credentials ${path}: unexpected line ${JSON.stringify(l)}`);
    const line = unescapeSedL(l.slice(2));
    const eq = line.indexOf("=");
    if (eq < 0) throw new ProbeParseError(name, `credentials ${path}: user line without '=': ${JSON.stringify(line)}`);
    userLines.push({ key: line.slice(0, eq), value: line.slice(eq + 1) });
  }
  const usernames = userLines.map((u) => u.value);
  return { ...access, userLines, usernames, ...(usernames.length ? { user: usernames.at(-1)! } : {}), ...(legacy ? { legacy } : {}) };
}

/** A credentials file's user lines (a fact recorded before userLines existed has only usernames). */
export function userLinesOf(c: CredentialsFile): { key: string; value: string }[] {
  return c.userLines ?? (c.usernames ?? []).map((value) => ({ key: "username", value }));
}

/**
 * The user mount.cifs logs in as for a definition (cifs-utils mount.cifs.c parse_options()): the
 * options are taken in order; `user=`/`username=` (exact, case-sensitive keys, parse_opt_token)
 * set the name, `credentials=`/`cred=` reads the file right there (open_cred_file), whose user
 * lines set it again; the last setting wins. `guest` means no user. Nothing set: mount.cifs falls
 * back to $USER of the mounting process, else its login name (assemble_mountinfo) - root at boot.
 */
export function effectiveCifsUser(def: MountDefinition, files: Record<string, CredentialsFile>): { user?: string; from: string; guest?: boolean } {
  let user: string | undefined;
  let from = "nothing (mount.cifs falls back to $USER, else the mounting process's login name: root at boot)";
  let guest = false;
  for (const o of def.options) {
    const eq = o.indexOf("=");
    const k = eq < 0 ? o : o.slice(0, eq);
    const v = eq < 0 ? undefined : o.slice(eq + 1);
    if ((k === "user" || k === "username") && v) {
      user = v.split("%")[0]!;
      from = `${k}= in ${def.origin}`;
    } else if ((k === "credentials" || k === "cred") && v) {
      const lines = files[v] ? userLinesOf(files[v]) : [];
      if (lines.length) {
        const last = lines.at(-1)!;
        user = last.value;
        from = `${v} (${lines.length > 1 ? `the last of its ${lines.length} user lines, ` : ""}${JSON.stringify(`${last.key}=${last.value}`)})`;
      }
    } else if (k === "guest") guest = true;
  }
  return { ...(user !== undefined ? { user } : {}), from, ...(guest ? { guest } : {}) };
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
  /** Later /etc/fstab lines for the same mount point, which systemd ignores (fstabLinesFor). */
  ignored?: string[];
}

/**
 * A mount point as systemd-fstab-generator compares them: it simplifies the path first (repeated
 * and trailing slashes, `.` components: path_simplify(), path_kill_slashes() in older releases)
 * and names the unit after the result (unit_name_from_path), so `/mnt/media/` IS `/mnt/media`.
 */
export function fstabTarget(p: string): string {
  if (!p.startsWith("/")) return p;
  const parts = p.split("/").filter((x) => x !== "" && x !== ".");
  return "/" + parts.join("/");
}

/**
 * The /etc/fstab lines for a mount point, as systemd's fstab generator reads them: the FIRST line
 * wins. systemd-fstab-generator (src/fstab-generator/fstab-generator.c, add_mount()) writes the
 * unit for each line with fopen(unit, "wxe") - O_EXCL (generator_open_unit_file() in
 * src/shared/generator.c in later releases) - so a second line for the same mount point finds the
 * unit already there, fails with EEXIST and is dropped with "Failed to create unit file ..., as it
 * already exists. Duplicate entry in /etc/fstab?". An operator who appends a corrected line and
 * leaves the old one keeps the OLD one in force. `duplicates` are the ignored lines.
 */
export function fstabLinesFor(fstab: FstabEntry[], path: string): { first?: FstabEntry; duplicates: FstabEntry[] } {
  const all = fstab.filter((x) => fstabTarget(x.target) === fstabTarget(path));
  return { ...(all[0] ? { first: all[0] } : {}), duplicates: all.slice(1) };
}

/**
 * The definition of a mount point, as systemd reads it: the FIRST /etc/fstab line for the path
 * (fstabLinesFor; fstab wins: systemd ignores an explicit unit that fstab also defines), else its
 * explicit `.mount` unit file (from /etc/systemd/system or elsewhere, not a generator's), with an
 * explicit `.automount` unit file judged like `x-systemd.automount`.
 */
export function mountDefinition(nm: NetworkMountsFact, path: string): MountDefinition | undefined {
  const { first: e, duplicates } = fstabLinesFor(nm.fstab, path);
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
      ...(duplicates.length ? { ignored: duplicates.map((d) => d.line) } : {}),
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
  return decl.flatMap((m) => [mountUnit(m.path, "automount"), mountUnit(m.path)]);
}

/** unitProperties of the mount points' units under a fixed name (one per node). */
export function mountUnitsProbe(decl: MountsDecl): Probe<SystemdFact<Record<string, UnitProps>>> {
  return { ...unitProperties(mountUnits(decl), MOUNT_UNIT_PROPS), name: "network-mount-units" };
}
