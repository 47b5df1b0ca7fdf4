// OpenSSH client configuration (~/.ssh/config), read the way ssh reads it, for the settings the
// suite needs to reach a node: HostName, User, Port, IdentityFile, ProxyJump, UserKnownHostsFile.
//
// Rules followed, from ssh_config(5) (OpenSSH 9.x):
// - "Unless noted otherwise, for each parameter, the first obtained value will be used." and
//   "Since the first obtained value for each parameter is used, more host-specific declarations
//   should be given near the beginning of the file, and general defaults at the end." So a
//   keyword set by an earlier matching Host block is never overridden by a later one.
// - "Host: Restricts the following declarations (up to the next Host or Match keyword) to be only
//   for those hosts that match one of the patterns given after the keyword. ... A pattern entry
//   may be negated by prefixing it with an exclamation mark ('!'). If a negated entry is matched,
//   then the Host entry is ignored, regardless of whether any other patterns on the line match."
//   Patterns use `*` and `?` (PATTERNS section), matched case-insensitively against the name
//   given on the command line (the alias), not against HostName.
// - "Configuration options may be separated by whitespace or optional whitespace and exactly one
//   '='"; "Arguments may optionally be enclosed in double quotes"; keywords are case-insensitive.
// - IdentityFile, CertificateFile, LocalForward... may be given several times; ssh tries every
//   IdentityFile in order. The suite takes the first (ssh2 authenticates with one key).
// - HostName accepts the `%h` token (the name given) and `%%`; IdentityFile and
//   UserKnownHostsFile accept `~` and the tokens %d (home), %h (remote host), %r (remote user),
//   %u (local user), %% .
// - ProxyJump: "[user@]host[:port]" or an ssh:// URI, several separated by commas, tried in turn
//   as hops; "none" disables it. Each hop's own settings come from the same configuration
//   (ssh runs `ssh -W` through it, which reads the config again for the hop's name).
// - Include: "Files without absolute paths are assumed to be in ~/.ssh if included in a user
//   configuration file"; may hold glob wildcards. Included inside a Host block, the included
//   lines belong to that block.
// Not supported (reported, never guessed): `Match` blocks other than `Match all` (they depend on
// the command being run, the local user or a command's exit code); ProxyCommand.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import type { SshHopSettings } from "./types.ts";

export interface SshConfigEntry {
  /** Patterns of the Host line ("*" for options before the first Host). */
  patterns: string[];
  /** Lower-cased keyword → values in file order (each occurrence; arguments split). */
  options: Array<{ key: string; args: string[]; file: string; line: number }>;
  /** `Match` other than `Match all`: never applied, reported. */
  unsupportedMatch?: string;
}

export interface SshConfig {
  file: string;
  entries: SshConfigEntry[];
  /** Things ignored, with file:line (Match blocks, ProxyCommand, unreadable Includes). */
  warnings: string[];
}

/** One hop as ssh_config resolves it: the inventory's own type (helpers/inventory/types.ts). */
export type SshHop = SshHopSettings;

export interface ResolvedSshHost extends SshHop {
  /** Hops to go through, first hop first (ProxyJump), each resolved through the same config. */
  proxyJump: SshHop[];
}

/** Split a line into keyword and arguments: `Key value`, `Key=value`, `Key = "a b"`. */
export function splitLine(line: string): { key: string; args: string[] } | undefined {
  const text = line.trim();
  if (text === "" || text.startsWith("#")) return undefined;
  const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(text);
  if (!m) return { key: text.toLowerCase(), args: [] };
  const args: string[] = [];
  const rest = m[2]!;
  const re = /"([^"]*)"|(\S+)/g;
  for (let a; (a = re.exec(rest)); ) {
    if (a[2]?.startsWith("#") && a.index > 0) break;
    args.push(a[1] ?? a[2]!);
  }
  return { key: m[1]!.toLowerCase(), args };
}

export function parseSshConfig(text: string, file = "ssh_config", depth = 0): SshConfig {
  const config: SshConfig = { file, entries: [{ patterns: ["*"], options: [] }], warnings: [] };
  addLines(config, text, file, depth);
  return config;
}

function addLines(config: SshConfig, text: string, file: string, depth: number): void {
  text.split("\n").forEach((raw, i) => {
    const kv = splitLine(raw);
    if (!kv) return;
    const line = i + 1;
    if (kv.key === "host") {
      config.entries.push({ patterns: kv.args, options: [] });
    } else if (kv.key === "match") {
      const all = kv.args.length === 1 && kv.args[0]!.toLowerCase() === "all";
      const entry: SshConfigEntry = { patterns: ["*"], options: [] };
      if (!all) {
        entry.unsupportedMatch = `${file}:${line}: Match ${kv.args.join(" ")}`;
        config.warnings.push(`${file}:${line}: 'Match ${kv.args.join(" ")}' is not supported: its settings are not applied`);
      }
      config.entries.push(entry);
    } else if (kv.key === "include") {
      if (depth >= 16) {
        config.warnings.push(`${file}:${line}: Include nested too deeply, ignored`);
        return;
      }
      for (const pattern of kv.args) {
        for (const f of expandInclude(pattern, file)) {
          try {
            addLines(config, readFileSync(f, "utf8"), f, depth + 1);
          } catch (e) {
            config.warnings.push(`${file}:${line}: Include ${f}: ${(e as Error).message}`);
          }
        }
      }
    } else {
      if (kv.key === "proxycommand") config.warnings.push(`${file}:${line}: ProxyCommand is not supported (use ProxyJump)`);
      config.entries[config.entries.length - 1]!.options.push({ key: kv.key, args: kv.args, file, line });
    }
  });
}

/** Include: ~ expanded, relative to ~/.ssh, `*`/`?` globs in the last path component. */
function expandInclude(pattern: string, from: string): string[] {
  let p = pattern.startsWith("~/") ? join(homedir(), pattern.slice(2)) : pattern;
  if (!isAbsolute(p)) p = join(from.startsWith("/etc/ssh") ? "/etc/ssh" : join(homedir(), ".ssh"), p);
  if (!/[*?]/.test(p)) return existsSync(p) ? [p] : [];
  const dir = dirname(p);
  const glob = globRegExp(p.slice(dir.length + 1));
  return existsSync(dir) ? readdirSync(dir).filter((f) => glob.test(f)).sort().map((f) => join(dir, f)) : [];
}

function globRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
}

/** Does a Host line's pattern list match `name`? (negation wins, ssh_config(5) "Host") */
export function hostMatches(patterns: string[], name: string): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith("!")) {
      if (globRegExp(p.slice(1)).test(name)) return false;
    } else if (globRegExp(p).test(name)) matched = true;
  }
  return matched;
}

/** Every keyword's first obtained value for `alias` (ssh_config(5)), and every IdentityFile. */
export function lookup(config: SshConfig, alias: string): { first: Map<string, string[]>; identityFiles: string[] } {
  const first = new Map<string, string[]>();
  const identityFiles: string[] = [];
  for (const e of config.entries) {
    if (e.unsupportedMatch || !hostMatches(e.patterns, alias)) continue;
    for (const o of e.options) {
      if (o.key === "identityfile") identityFiles.push(...o.args);
      if (!first.has(o.key)) first.set(o.key, o.args);
    }
  }
  return { first, identityFiles };
}

function tokens(value: string, t: { h: string; r: string }): string {
  let v = value.startsWith("~/") ? join(homedir(), value.slice(2)) : value === "~" ? homedir() : value;
  v = v.replace(/%([%dhru])/g, (_, c: string) => (c === "%" ? "%" : c === "d" ? homedir() : c === "h" ? t.h : c === "r" ? t.r : userInfo().username));
  return v;
}

export class SshConfigError extends Error {}

/** One hop spec of ProxyJump: `[user@]host[:port]` or `ssh://[user@]host[:port]`. */
export function parseJumpSpec(spec: string): { user?: string; host: string; port?: number } {
  const s = spec.replace(/^ssh:\/\//, "");
  const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(s);
  if (!m) throw new SshConfigError(`ProxyJump hop ${JSON.stringify(spec)} is not [user@]host[:port]`);
  return { ...(m[1] ? { user: m[1] } : {}), host: m[2]!.replace(/^\[|\]$/g, ""), ...(m[3] ? { port: Number(m[3]) } : {}) };
}

/**
 * What ssh would use to reach `alias`. `overrides` play the command line's part (ssh -l/-p):
 * they win over the file. Hops of ProxyJump are resolved the same way, through the same file.
 */
export function resolveHost(config: SshConfig, alias: string, overrides: { user?: string; port?: number } = {}, depth = 0): ResolvedSshHost {
  if (depth > 8) throw new SshConfigError(`ProxyJump chain through ${alias} is longer than 8 hops (a loop?)`);
  const { first, identityFiles } = lookup(config, alias);
  const one = (k: string) => first.get(k)?.[0];
  const hostName = one("hostname") !== undefined ? tokens(one("hostname")!, { h: alias, r: "" }) : alias;
  const user = overrides.user ?? one("user") ?? userInfo().username;
  const portText = overrides.port !== undefined ? String(overrides.port) : one("port");
  const port = portText !== undefined ? Number(portText) : 22;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new SshConfigError(`${config.file}: Port for ${alias} is ${JSON.stringify(portText)}, not a port number`);
  const t = { h: hostName, r: user };
  const identity = identityFiles.find((f) => f.toLowerCase() !== "none");
  const knownHosts = one("userknownhostsfile");
  const hop: SshHop = {
    alias,
    host: hostName,
    port,
    user,
    ...(identity ? { identityFile: tokens(identity, t) } : {}),
    ...(knownHosts && knownHosts.toLowerCase() !== "none" ? { knownHosts: tokens(knownHosts, t) } : {}),
  };
  const jumpArg = first.get("proxyjump");
  const proxyJump: SshHop[] = [];
  if (jumpArg && jumpArg.join("").toLowerCase() !== "none") {
    for (const spec of jumpArg.join(",").split(",").filter(Boolean)) {
      const j = parseJumpSpec(spec);
      // A hop is reached as `ssh [-l user] [-p port] host`: the spec's user/port act like the command line.
      const r = resolveHost(config, j.host, { ...(j.user ? { user: j.user } : {}), ...(j.port ? { port: j.port } : {}) }, depth + 1);
      // A hop's own ProxyJump comes first (ssh -J a,b: a is reached first, then b through it).
      proxyJump.push(...r.proxyJump, { alias: r.alias, host: r.host, port: r.port, user: r.user, ...(r.identityFile ? { identityFile: r.identityFile } : {}), ...(r.knownHosts ? { knownHosts: r.knownHosts } : {}) });
    }
  }
  return { ...hop, proxyJump };
}

/** The Host aliases a file names literally (no wildcard, no negation): what `discover --ssh-config` lists. */
export function literalHosts(config: SshConfig): string[] {
  return [...new Set(config.entries.flatMap((e) => e.patterns.filter((p) => !/[*?!]/.test(p))))];
}

export function loadSshConfig(file = join(homedir(), ".ssh", "config")): SshConfig {
  return parseSshConfig(readFileSync(file, "utf8"), file);
}
