// A compose file as the operator's repo keeps it (§7 "compose files in repo (sanitized)"), read on
// the node that keeps the checkout and parsed here the way Docker Compose reads it, down to what
// CONT-003 compares with the running containers: image, container_name, restart, ports, volumes
// and the NAMES of the environment. Rules relied on, from the Compose Specification
// (compose-spec/compose-spec, spec.md / 05-services.md, 12-interpolation.md):
// - `ports` short syntax: `[HOST:]CONTAINER[/PROTOCOL]`, HOST is `[IP:](port | range)`; "Host IP, if
//   not set, MUST bind to all network interfaces"; with only the container port the host port is
//   allocated; host and container ranges are equivalent (`9090-9091:8080-8081`). PROTOCOL defaults
//   to tcp. Long syntax: `target`, `published` (a string or number, may be a range), `host_ip`,
//   `protocol`, `mode`.
// - `volumes` short syntax: `VOLUME:CONTAINER_PATH[:ACCESS_MODE]`, VOLUME a host path (a bind; a
//   relative one starts with `.` or `..` and resolves against the compose file's folder) or a
//   volume name; ACCESS_MODE a comma list of `rw` (default), `ro`, `z`, `Z`, and for binds the
//   propagation (`shared`, `slave`, `private`, `rshared`, `rslave`, `rprivate`); a lone path is an
//   anonymous volume. Long syntax: `type` (bind, volume, tmpfs, ...), `source`, `target`,
//   `read_only`, `bind.propagation`.
// - `environment`: a map (`KEY: value`) or a list (`KEY=value`); a key without a value (`- KEY`, or
//   `KEY:` with null) takes the variable from the shell running compose, and is left out when unset.
// - `restart`: `no` (the default), `always`, `on-failure[:max-retries]`, `unless-stopped`.
// - Interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:?err}`, … are replaced from the
//   environment compose runs in, `$$` is a literal `$`. That environment is not the repo copy's:
//   a value with an unresolved variable is kept as written and NOT compared (said in the result).
// Not followed: `extends`, `include`, override files (compose.override.yaml) and `env_file`.
//
// Secrets: the sanitized copy may still hold environment values, and the evidence is kept, so the
// node masks every value of an `environment` block (`KEY=<hidden>`, `KEY: <hidden>`) before it is
// printed: only the names leave the node.
import { CORE_SCHEMA, load, mergeTag } from "js-yaml";
import { shQuote } from "../transport/shell.ts";
import { repoFileCommand, repoFileText } from "./repo-file.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

const NAME = "compose-file";
/** The file is read up to this size; a larger one is "not judged". */
const MAX = 1024 * 1024;

/** A value with `$VAR`/`${VAR…}` interpolation left in it: not compared. */
export const UNRESOLVED = /\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)/;
const isUnresolved = (s: string): boolean => UNRESOLVED.test(s.replace(/\$\$/g, ""));
/** `$$` is a literal `$` (12-interpolation.md). */
const literal = (s: string): string => s.replace(/\$\$/g, "$");

export interface ComposePort {
  /** As written (short syntax) or `target` of the long syntax, for messages. */
  written: string;
  /** "" = every interface; undefined = an unresolved variable (not compared). */
  hostIp: string | undefined;
  /** null = allocated by the engine (not compared); undefined = unresolved. */
  hostPort: number | null | undefined;
  /** "8096/tcp" */
  containerPort: string;
}

export interface ComposeVolume {
  written: string;
  type: "bind" | "volume" | "tmpfs" | "other";
  /** Host path of a bind (undefined: unresolved or relative to the deployed project's folder: not compared); volume name. */
  source?: string;
  target: string;
  readOnly: boolean;
  /** Bind propagation when the file sets one. */
  propagation?: string;
}

export interface ComposeService {
  name: string;
  /** container_name; undefined when not set (the engine names it project-service-N) or unresolved. */
  containerName?: string;
  /** image as written; undefined when only `build` is given. */
  image?: string;
  /** "no" when not set. */
  restart: string;
  ports: ComposePort[];
  volumes: ComposeVolume[];
  /** Environment names that have a value in the file (a key without one is taken from the shell: may be absent). */
  envKeys: string[];
  /** Keys given without a value (from the shell running compose). */
  envFromShell: string[];
  profiles: string[];
  /** Values left as written because of an unresolved variable: "image", "ports[0] host IP", ... */
  unresolved: string[];
}

export interface ComposeFileFact {
  file: string;
  exists: boolean;
  /** Top-level `name`, when set. */
  name?: string;
  services: ComposeService[];
  /** Why the file could not be read as a compose file. */
  error?: string;
}

/**
 * awk on the node: every value of an `environment` block, block or flow style, becomes <hidden>;
 * keys, indentation and everything else stay, so the result still parses as the same YAML.
 */
const MASK_ENV = String.raw`function ind(s) { match(s, /^ */); return RLENGTH }
{
  line = $0
  if (env >= 0) {
    if (line ~ /^[ \t]*(#.*)?$/) { print line; next }
    i = ind(line); rest = substr(line, i + 1)
    if (i < env || (i == env && rest !~ /^- /)) env = -1
    else {
      if (item < 0) item = i
      if (i > item) { print substr(line, 1, i) "<hidden>"; next }
      if (match(rest, /^- */)) {
        pre = substr(rest, 1, RLENGTH); body = substr(rest, RLENGTH + 1)
        q = substr(body, 1, 1); if (q != "\"" && q != "'") q = ""
        k = body; sub(/=.*$/, "", k)
        if (index(body, "=")) print substr(line, 1, i) pre k "=<hidden>" q; else print line
        next
      }
      if (match(rest, /^("[^"]*"|'[^']*'|[^:]*):/)) {
        if (substr(rest, RLENGTH + 1) ~ /^[ \t]*(#.*)?$/) print line; else print substr(line, 1, i) substr(rest, 1, RLENGTH) " <hidden>"
        next
      }
      print substr(line, 1, i) "<hidden>"; next
    }
  }
  if (match(line, /^ *(- *)?environment *: */)) {
    head = substr(line, 1, RLENGTH); val = substr(line, RLENGTH + 1)
    if (val ~ /^(#.*)?$/) { env = ind(line); item = -1; print line; next }
    if (val ~ /^\[/) { gsub(/=[^],]*/, "=<hidden>", val); print head val; next }
    if (val ~ /^\{/) { gsub(/:[^,}]*/, ": <hidden>", val); print head val; next }
    print head "<hidden>"; next
  }
  print line
}`;

export function composeFile(file: string): Probe<ComposeFileFact> {
  const command = repoFileCommand(file, MAX, `awk -v env=-1 ${shQuote(MASK_ENV)}`);
  // One probe per file: probes are keyed by name on a node (helpers/run/plan.ts).
  return { name: `${NAME} ${file}`, command, parse: (o) => parseComposeOutput(file, o) };
}

export function parseComposeOutput(file: string, output: ProbeOutput): ComposeFileFact {
  const body = repoFileText(NAME, output);
  if (body === undefined) return { file, exists: false, services: [] };
  if (Buffer.byteLength(body) >= MAX) return { file, exists: true, services: [], error: `larger than ${MAX} bytes: not judged` };
  return parseComposeYaml(file, body);
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined);
const scalar = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined);

/**
 * YAML 1.2's core schema, as compose-go's yaml.v3 reads a file (`yes` is a string, not true), with
 * `<<` merge keys, which compose applies (10-fragments.md: `<<: *default`).
 */
const COMPOSE_SCHEMA = CORE_SCHEMA.withTags(mergeTag);

/** A compose file's text (YAML, anchors and `<<` merge keys) → its services. */
export function parseComposeYaml(file: string, text: string): ComposeFileFact {
  let doc: unknown;
  try {
    doc = load(text, { schema: COMPOSE_SCHEMA });
  } catch (e) {
    return { file, exists: true, services: [], error: `not valid YAML: ${(e as Error).message.split("\n")[0]}` };
  }
  const top = obj(doc);
  const services = obj(top?.services);
  if (!top || !services) return { file, exists: true, services: [], error: "no `services` map: not a compose file" };
  try {
    return {
      file,
      exists: true,
      ...(typeof top.name === "string" ? { name: top.name } : {}),
      services: Object.entries(services).map(([name, raw]) => parseService(name, raw)),
    };
  } catch (e) {
    return { file, exists: true, services: [], error: (e as Error).message };
  }
}

function parseService(name: string, raw: unknown): ComposeService {
  const s = obj(raw) ?? {};
  const unresolved: string[] = [];
  const resolved = (what: string, v: string | undefined): string | undefined => {
    if (v === undefined) return undefined;
    if (isUnresolved(v)) {
      unresolved.push(`${what} ${JSON.stringify(v)}`);
      return undefined;
    }
    return literal(v);
  };
  const image = resolved("image", scalar(s.image));
  const containerName = resolved("container_name", scalar(s.container_name));
  const restart = resolved("restart", scalar(s.restart)) ?? (s.restart === undefined ? "no" : "(unresolved)");
  const ports = (Array.isArray(s.ports) ? s.ports : []).flatMap((p, i) => parsePort(name, p, i, unresolved));
  const volumes = (Array.isArray(s.volumes) ? s.volumes : []).map((v, i) => parseVolume(name, v, i, unresolved));
  const { keys, fromShell } = envKeys(s.environment);
  const profiles = Array.isArray(s.profiles) ? s.profiles.filter((p): p is string => typeof p === "string") : [];
  return { name, ...(containerName ? { containerName } : {}), ...(image ? { image } : {}), restart, ports, volumes, envKeys: keys, envFromShell: fromShell, profiles, unresolved };
}

/** Split on `:` outside `${…}` and `[…]` (an interpolation or an IPv6 address keeps its colons). */
function splitColons(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let brace = 0;
  let bracket = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "$" && s[i + 1] === "{") brace++;
    else if (c === "}" && brace > 0) brace--;
    else if (c === "[") bracket++;
    else if (c === "]" && bracket > 0) bracket--;
    if (c === ":" && brace === 0 && bracket === 0) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const range = (s: string): [number, number] | undefined => {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s.trim());
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  return b >= a ? [a, b] : undefined;
};

function parsePort(service: string, raw: unknown, i: number, unresolved: string[]): ComposePort[] {
  const at = `ports[${i}]`;
  let ip: string | undefined;
  let host: string | undefined;
  let container: string;
  let proto: string;
  let written: string;
  const o = obj(raw);
  if (o) {
    const target = scalar(o.target);
    if (target === undefined) throw new Error(`service ${service}: ${at} has no target`);
    written = JSON.stringify(o);
    container = target;
    host = scalar(o.published);
    ip = scalar(o.host_ip) ?? "";
    proto = scalar(o.protocol) ?? "tcp";
  } else {
    const s = scalar(raw);
    if (s === undefined) throw new Error(`service ${service}: ${at} is neither a string nor a map`);
    written = s;
    const [spec, p] = s.split("/") as [string, string | undefined];
    proto = p ?? "tcp";
    const parts = splitColons(spec);
    container = parts.pop()!;
    host = parts.length ? parts.pop()! : undefined;
    ip = parts.length ? parts.join(":") : "";
  }
  let hostIp: string | undefined = ip.replace(/^\[|\]$/g, "");
  if (isUnresolved(hostIp)) {
    unresolved.push(`${at} host IP ${JSON.stringify(ip)}`);
    hostIp = undefined;
  } else if (hostIp === "0.0.0.0" || hostIp === "::") hostIp = "";
  if (isUnresolved(container)) {
    unresolved.push(`${at} container port ${JSON.stringify(container)}`);
    return [];
  }
  const cr = range(container);
  if (!cr) throw new Error(`service ${service}: ${at} ${JSON.stringify(written)}: unreadable container port`);
  let hr: [number, number] | null | undefined = null;
  if (host !== undefined && host !== "") {
    if (isUnresolved(host)) {
      unresolved.push(`${at} host port ${JSON.stringify(host)}`);
      hr = undefined;
    } else {
      hr = range(host);
      if (!hr) throw new Error(`service ${service}: ${at} ${JSON.stringify(written)}: unreadable host port`);
    }
  }
  const out: ComposePort[] = [];
  for (let c = cr[0]; c <= cr[1]; c++) {
    const hostPort = hr === null ? null : hr === undefined ? undefined : hr[0] === hr[1] ? hr[0] : hr[0] + (c - cr[0]);
    out.push({ written, hostIp, hostPort, containerPort: `${c}/${proto}` });
  }
  return out;
}

const PROPAGATION = new Set(["shared", "slave", "private", "rshared", "rslave", "rprivate"]);

function parseVolume(service: string, raw: unknown, i: number, unresolved: string[]): ComposeVolume {
  const at = `volumes[${i}]`;
  const o = obj(raw);
  const hostPath = (src: string | undefined): string | undefined => {
    if (src === undefined) return undefined;
    if (isUnresolved(src)) {
      unresolved.push(`${at} source ${JSON.stringify(src)}`);
      return undefined;
    }
    // Relative to the deployed project's folder, which is not the copy's: not compared.
    if (!src.startsWith("/")) {
      unresolved.push(`${at} source ${JSON.stringify(src)} (relative to the deployed project's folder)`);
      return undefined;
    }
    return literal(src).replace(/(.)\/+$/, "$1");
  };
  if (o) {
    const target = scalar(o.target);
    if (target === undefined) throw new Error(`service ${service}: ${at} has no target`);
    const t = scalar(o.type) ?? "volume";
    const type = t === "bind" || t === "volume" || t === "tmpfs" ? t : "other";
    const propagation = scalar(obj(o.bind)?.propagation);
    const src = scalar(o.source);
    return {
      written: JSON.stringify(o),
      type,
      ...(type === "bind" ? (hostPath(src) !== undefined ? { source: hostPath(src)! } : {}) : src !== undefined ? { source: src } : {}),
      target: target.replace(/(.)\/+$/, "$1"),
      readOnly: o.read_only === true || o.read_only === "true",
      ...(propagation ? { propagation } : {}),
    };
  }
  const s = scalar(raw);
  if (s === undefined) throw new Error(`service ${service}: ${at} is neither a string nor a map`);
  const parts = splitColons(s);
  if (parts.length === 1) return { written: s, type: "volume", target: parts[0]!.replace(/(.)\/+$/, "$1"), readOnly: false };
  const [src, target, mode = ""] = parts as [string, string, string?];
  const opts = mode.split(",").filter(Boolean);
  const bind = /^[/.~$]/.test(src);
  const propagation = opts.find((m) => PROPAGATION.has(m));
  const source = bind ? hostPath(src) : src;
  return {
    written: s,
    type: bind ? "bind" : "volume",
    ...(source !== undefined ? { source } : {}),
    target: target.replace(/(.)\/+$/, "$1"),
    readOnly: opts.includes("ro"),
    ...(propagation ? { propagation } : {}),
  };
}

function envKeys(raw: unknown): { keys: string[]; fromShell: string[] } {
  const keys: string[] = [];
  const fromShell: string[] = [];
  if (Array.isArray(raw)) {
    for (const item of raw) {
      const s = scalar(item);
      if (s === undefined) continue;
      const eq = s.indexOf("=");
      if (eq < 0) fromShell.push(s);
      else keys.push(s.slice(0, eq));
    }
  } else {
    for (const [k, v] of Object.entries(obj(raw) ?? {})) (v === null || v === undefined ? fromShell : keys).push(k);
  }
  return { keys, fromShell };
}
