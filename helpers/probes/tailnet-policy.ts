// The tailnet policy file (§5.2, §7), read from the node that keeps it and judged offline: no
// control server is asked. Parsed as HuJSON (./hujson.ts, after tailscale's hujson package), then
// read as Tailscale reads a policy (tailscale.com/kb/1337/policy-syntax):
// - `acls`: {action: "accept", src: [...], dst: ["TARGET:PORTS", ...]}, PORTS `*`, `22`, `22,8006`,
//   `8000-8100`; the target is everything before the last `:` (IPv6 addresses contain colons).
// - `grants`: {src, dst: [TARGET], ip: ["*", "22", "tcp:22", "tcp:8000-8100", "icmp:*"]}; a grant
//   without `ip` carries application capabilities only (no network access).
// - `ssh`: Tailscale SSH rules (action accept or check): SSH access by definition.
// - `tests`: assertions Tailscale evaluates when the policy is saved.
import { shQuote } from "../transport/shell.ts";
import { parseHujson } from "./hujson.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

const NAME = "tailnet-policy";
/** The file is read up to this size; a larger one is "truncated, not judged". */
const MAX = 1024 * 1024;

export interface TailnetPolicyFile {
  file: string;
  exists: boolean;
  /** The parsed policy, or why it does not parse. */
  policy?: unknown;
  error?: string;
}

export function tailnetPolicy(file: string): Probe<TailnetPolicyFile> {
  const f = shQuote(file);
  const command = `[ -r ${f} ] || { echo missing; exit 0; }; echo present; head -c ${MAX} ${f}`;
  return { name: NAME, command, parse: (o) => parseTailnetPolicy(file, o) };
}

export function parseTailnetPolicy(file: string, { stdout, stderr, code }: ProbeOutput): TailnetPolicyFile {
  if (code !== 0) throw new ProbeParseError(NAME, `exited ${code}: ${stderr.trim()}`);
  const nl = stdout.indexOf("\n");
  const head = nl < 0 ? stdout : stdout.slice(0, nl);
  if (head === "missing") return { file, exists: false };
  if (head !== "present") throw new ProbeParseError(NAME, `expected "present" or "missing", got ${JSON.stringify(head)}`);
  const body = stdout.slice(nl + 1);
  if (Buffer.byteLength(body) >= MAX) return { file, exists: true, error: `larger than ${MAX} bytes: not judged` };
  try {
    return { file, exists: true, policy: parseHujson(body) };
  } catch (e) {
    return { file, exists: true, error: `not valid HuJSON: ${(e as Error).message}` };
  }
}

/** One network grant of the policy, flattened: who, to which target, on which TCP ports (undefined = every port). */
export interface PolicyGrant {
  /** Where in the file: "acls[0]", "grants[2]", "ssh[0]". */
  at: string;
  src: string[];
  target: string;
  ports: Array<[number, number]> | "all";
}

const asStrings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** `*`, `22`, `22,8006`, `8000-8100` → ranges; undefined when unreadable. */
export function parsePorts(spec: string): Array<[number, number]> | "all" | undefined {
  if (spec === "*") return "all";
  const out: Array<[number, number]> = [];
  for (const p of spec.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(p.trim());
    if (!m) return undefined;
    out.push([Number(m[1]), Number(m[2] ?? m[1])]);
  }
  return out;
}

/** The network access every rule grants, and the problems met reading it. */
export function policyGrants(policy: unknown): { grants: PolicyGrant[]; problems: string[] } {
  const grants: PolicyGrant[] = [];
  const problems: string[] = [];
  if (policy === null || typeof policy !== "object" || Array.isArray(policy)) return { grants, problems: ["the policy is not a JSON object"] };
  const p = policy as Record<string, unknown>;
  (Array.isArray(p.acls) ? p.acls : []).forEach((r: Record<string, unknown>, i: number) => {
    if (r?.action !== "accept") return;
    for (const d of asStrings(r.dst)) {
      const cut = d.lastIndexOf(":");
      const ports = cut < 0 ? undefined : parsePorts(d.slice(cut + 1));
      if (!ports) problems.push(`acls[${i}] dst ${JSON.stringify(d)} has no readable ports`);
      else grants.push({ at: `acls[${i}]`, src: asStrings(r.src), target: d.slice(0, cut), ports });
    }
  });
  (Array.isArray(p.grants) ? p.grants : []).forEach((r: Record<string, unknown>, i: number) => {
    if (!Array.isArray(r?.ip)) return;
    const specs = asStrings(r.ip);
    let ports: Array<[number, number]> | "all" = [];
    for (const s of specs) {
      const m = /^(?:(tcp|udp|icmp|\d+):)?(.*)$/.exec(s)!;
      if (m[1] && m[1] !== "tcp" && m[1] !== "6") continue;
      const pr = parsePorts(m[2]!);
      if (!pr) problems.push(`grants[${i}] ip ${JSON.stringify(s)} is not readable`);
      else if (pr === "all") ports = "all";
      else if (ports !== "all") ports.push(...pr);
    }
    if (ports !== "all" && ports.length === 0) return;
    for (const d of asStrings(r.dst)) grants.push({ at: `grants[${i}]`, src: asStrings(r.src), target: d, ports });
  });
  (Array.isArray(p.ssh) ? p.ssh : []).forEach((r: Record<string, unknown>, i: number) => {
    if (r?.action !== "accept" && r?.action !== "check") return;
    for (const d of asStrings(r.dst)) grants.push({ at: `ssh[${i}]`, src: asStrings(r.src), target: d, ports: [[22, 22]] });
  });
  return { grants, problems };
}

export const grantsPort = (g: PolicyGrant, port: number) => g.ports === "all" || g.ports.some(([a, b]) => port >= a && port <= b);

