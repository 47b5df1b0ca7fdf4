// Samba's effective configuration, as smbd reads it: `testparm -sv`. Without -v testparm prints
// only what differs from the built-in defaults, so `read only = yes` or `guest ok = no` would be
// invisible; with -v [global] lists every parameter (share-level ones included: they are the
// defaults of every share), and a share section lists what differs from [global]. So a share's
// effective value is its own, else [global]'s — no Samba default is hard-coded here.
// Names are testparm's canonical ones (`writeable = yes` prints as `read only = No`, `public` as
// `guest ok`). Captures: fixtures/captured/samba/testparm-*.txt (Samba 4.17).
import type { Accounts } from "./accounts.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

export interface SambaConfig {
  /** Every parameter of [global], defaults included. */
  global: Record<string, string>;
  /** Share sections in file order: the parameters that differ from [global]. */
  shares: Array<{ name: string; params: Record<string, string> }>;
}

export const SAMBA_CONFIG = "samba-config";

export const sambaConfig: Probe<SambaConfig> = {
  name: SAMBA_CONFIG,
  command: "testparm -sv",
  parse: (output) => parseTestparm(output),
};

export function parseTestparm({ stdout, stderr, code }: ProbeOutput): SambaConfig {
  if (code === 127) throw new ProbeParseError(SAMBA_CONFIG, "testparm is not installed (is Samba installed on this node?)");
  if (code !== 0) throw new ProbeParseError(SAMBA_CONFIG, `testparm exited ${code}: ${lastLines(stderr || stdout)}`);
  let global: Record<string, string> | undefined;
  const shares: SambaConfig["shares"] = [];
  let current: Record<string, string> | undefined;
  for (const line of stdout.split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = {};
      if (section[1] === "global") global = current;
      else shares.push({ name: section[1]!, params: current });
      continue;
    }
    // "\tkey = value"; an unset list prints "\tkey = " (trailing space). Keys never hold " = ".
    const m = /^\t(\S.*?) =(?: (.*))?$/.exec(line);
    if (!m || !current) throw new ProbeParseError(SAMBA_CONFIG, `unrecognized line: ${JSON.stringify(line)}`);
    current[m[1]!] = m[2] ?? "";
  }
  if (!global) throw new ProbeParseError(SAMBA_CONFIG, "no [global] section in testparm's output");
  // -v prints several hundred global parameters; a handful means -v was not honoured.
  if (!("read only" in global) || !("map to guest" in global)) {
    throw new ProbeParseError(SAMBA_CONFIG, "testparm printed no defaults (was -v honoured?): cannot tell effective values");
  }
  return { global, shares };
}

function lastLines(text: string): string {
  return text.trim().split("\n").slice(-3).join(" / ");
}

/** A share's effective value of a parameter: its own, else [global]'s (which holds every default). */
export function shareParam(cfg: SambaConfig, share: string, key: string): string | undefined {
  const s = cfg.shares.find((x) => x.name === share);
  if (!s) return undefined;
  return s.params[key] ?? cfg.global[key];
}

export function hasShare(cfg: SambaConfig, share: string): boolean {
  return cfg.shares.some((x) => x.name === share);
}

/** testparm prints booleans as Yes/No. */
export function isYes(value: string | undefined): boolean {
  return /^(yes|true|1|on)$/i.test((value ?? "").trim());
}

/**
 * A Samba user list (`valid users`, `write list`, ...): names separated by whitespace or commas,
 * double quotes around a name with spaces.
 */
export function parseUserList(value: string | undefined): string[] {
  const out: string[] = [];
  for (const m of (value ?? "").matchAll(/"([^"]*)"|([^\s,"]+)/g)) {
    const item = m[1] ?? m[2]!;
    if (item !== "") out.push(item);
  }
  return out;
}

/** `@g`, `+g`, `&g`, `+&g`, `&+g` name a group (Unix group or netgroup); the rest are users. */
export function groupOf(item: string): string | undefined {
  const m = /^[@+&]{1,2}(.+)$/.exec(item);
  return m ? m[1] : undefined;
}

/** The Unix groups a user is in (primary and supplementary), from the accounts fact. */
export function groupsOf(accounts: Accounts | undefined, user: string): Set<string> {
  const out = new Set<string>();
  if (!accounts) return out;
  const u = accounts.users.find((x) => x.name === user);
  for (const g of accounts.groups) {
    if (g.members.includes(user) || (u && g.gid === u.gid)) out.add(g.name);
  }
  return out;
}

/** Does a user list name this user, directly or through a group? %S is the share name. */
export function listNames(list: string[], user: string, share: string, accounts?: Accounts): string | undefined {
  const groups = groupsOf(accounts, user);
  for (const raw of list) {
    const item = raw.replace(/%S/g, share);
    if (item === user) return item;
    const g = groupOf(item);
    if (g !== undefined && groups.has(g)) return item;
  }
  return undefined;
}

export type ConfigAccess = "none" | "ro" | "rw";

export interface ConfigVerdict {
  access: ConfigAccess;
  /** Which parameters decided it, e.g. "write list = jellyfin". */
  because: string;
}

/**
 * What the effective config grants a user on a share, following smbd (share_access.c,
 * is_share_read_only_for_token): `invalid users` refuses; a non-empty `valid users` must name the
 * user; then `read only`, overridden by `read list` (read only) and `write list` (read-write, wins).
 * `admin users` grants everything (as root).
 */
export function configAccess(cfg: SambaConfig, share: string, user: string, accounts?: Accounts): ConfigVerdict {
  if (!hasShare(cfg, share)) return { access: "none", because: "the share is not in the effective config" };
  const list = (key: string) => parseUserList(shareParam(cfg, share, key));
  const invalid = listNames(list("invalid users"), user, share, accounts);
  if (invalid) return { access: "none", because: `invalid users has ${invalid}` };
  const valid = list("valid users");
  const inValid = listNames(valid, user, share, accounts);
  if (valid.length > 0 && !inValid) return { access: "none", because: `valid users = ${valid.join(" ")} does not name ${user}` };
  const admin = listNames(list("admin users"), user, share, accounts);
  if (admin) return { access: "rw", because: `admin users has ${admin} (full access as root)` };
  const inWrite = listNames(list("write list"), user, share, accounts);
  if (inWrite) return { access: "rw", because: `write list has ${inWrite}` };
  const inRead = listNames(list("read list"), user, share, accounts);
  if (inRead) return { access: "ro", because: `read list has ${inRead}` };
  const ro = isYes(shareParam(cfg, share, "read only"));
  return { access: ro ? "ro" : "rw", because: `read only = ${shareParam(cfg, share, "read only")}` };
}
