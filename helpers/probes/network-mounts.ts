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
// owner/group/mode.
import { mounts as findmntProbe, splitOptions, type Mount } from "./mounts.ts";
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

export interface NetworkMountsFact {
  fstab: FstabEntry[];
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
  const cmd = [
    // Trigger each automount with a read (see above); bounded, errors ignored (judged from the mount table).
    ...paths.map((p) => `timeout 20 ls -- ${shq(p + "/")} >/dev/null 2>&1 || true`),
    `echo '${MARK} fstab'`,
    `cat /etc/fstab`,
    `echo '${MARK} findmnt'`,
    `findmnt -J -l -o TARGET,SOURCE,FSTYPE,OPTIONS`,
    ...credentials.flatMap((c) => [
      `echo '${MARK} cred '${shq(c)}`,
      `if [ -e ${shq(c)} ]; then stat -c '%U %G %a' -- ${shq(c)}; sed -n '/^[[:space:]]*username[[:space:]]*=/{s/^[^=]*=[[:space:]]*//;s/%.*//;p;}' -- ${shq(c)}; else echo missing; fi`,
    ]),
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
  return { fstab, mounts: all.filter((x) => wanted.has(x.target)), credentials };
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
