// Listening sockets from `ss -H -ltnup`. Format facts were checked against iproute2 6.1 output
// captured in fixtures/captured/probes/ss-*.txt.
import { BlockList, isIPv4, isIPv6 } from "node:net";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

export interface SocketProcess {
  /** The process's comm as ss prints it. ss cuts it at the first ")" (it scans /proc/PID/stat). */
  name: string;
  pid: number;
  fd: number;
}

export interface ListeningSocket {
  proto: "tcp" | "udp";
  /** Normalized: no brackets, no %scope; "::" for ss's "*"; v4-mapped "::ffff:a.b.c.d" → "a.b.c.d". */
  address: string;
  /** Interface the socket is scoped/bound to (the "%lo" / "%eth0" part), if any. */
  scope?: string;
  port: number;
  family: 4 | 6;
  /** Bound to the any-address: reachable on every interface of its family. */
  wildcard: boolean;
  /**
   * An IPv6 wildcard that also accepts IPv4 (IPV6_V6ONLY off). ss 6.1 knows v6only from sock_diag
   * and prints such a socket as "*"; a v6only one as "[::]" (verified with socat ipv6only=0/1).
   * So: "*" → dualStack true; "[::]" → false. When ss can't learn v6only (the /proc fallback
   * without inet_diag) it assumes "not v6only" and prints "*", so this errs towards "exposed on
   * IPv4 too". Always false for non-wildcard sockets. Old ss (< 4.x) printed "*" for 0.0.0.0;
   * treating that as dual-stack also only over-reports exposure.
   */
  dualStack: boolean;
  /** Empty when ss could not see the owner (not root, other user's process) or a kernel socket. */
  processes: SocketProcess[];
  raw: string;
}

const NAME = "listening-sockets";

export const listeningSockets: Probe<ListeningSocket[]> = {
  name: NAME,
  command: "ss -H -ltnup",
  parse: (output) => parseSs(output),
};

// Netid State Recv-Q Send-Q Local Peer [users:(...)]. Interface names and addresses hold no
// whitespace, so the first six fields split safely; the users column may (a comm can hold tabs).
const LINE = /^(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)(?:\s+(\S.*?))?\s*$/;

function parseSs({ stdout, stderr, code }: ProbeOutput): ListeningSocket[] {
  if (code !== 0) throw new ProbeParseError(NAME, `ss exited ${code}: ${stderr.trim()}`);
  const sockets: ListeningSocket[] = [];
  for (const raw of stdout.split("\n")) {
    if (raw.trim() === "") continue;
    const m = LINE.exec(raw);
    const proto = m?.[1];
    if (!m || (proto !== "tcp" && proto !== "udp")) throw bad(raw, "unrecognized line");
    const local = parseLocal(m[5]!, raw);
    const processes = m[7] === undefined ? [] : parseUsers(m[7], raw);
    sockets.push({ proto, ...local, processes, raw });
  }
  // Every node of the homelab listens somewhere (its sshd, node-exporter, its services): an empty
  // table is what a broken or replaced ss prints, never a node's real state (issue 15).
  if (sockets.length === 0) throw new ProbeParseError(NAME, `ss listed no listening socket at all: not believable on a node that runs services${stderr.trim() ? ` (${stderr.trim().slice(0, 200)})` : ""}`);
  return sockets;
}

type Local = Pick<ListeningSocket, "address" | "scope" | "port" | "family" | "wildcard" | "dualStack">;

// Spellings seen from ss 6.1: 0.0.0.0:22  127.0.0.53%lo:53  *:22  [::]:22  [::1]:631
// [fe80::42:acff:fe11:2]%eth0:546 (scope goes AFTER the bracket)  [::ffff:127.0.0.1]:80.
// "[fe80::1%eth0]:546" is accepted too, in case another version puts it inside.
const LOCAL = /^(?:\[([^\]]+)\]|([^%\[\]]+?))(?:%([^:]+))?:(\d+|\*)$/;

function parseLocal(text: string, raw: string): Local {
  const m = LOCAL.exec(text);
  if (!m || m[4] === "*") throw bad(raw, `unreadable local address ${JSON.stringify(text)}`);
  let address = m[1] ?? m[2]!;
  let scope = m[3];
  const port = Number(m[4]);
  if (port > 65535) throw bad(raw, `port out of range in ${text}`);
  if (address === "*") return { address: "::", port, family: 6, wildcard: true, dualStack: true };
  const inner = address.indexOf("%");
  if (inner >= 0) [address, scope] = [address.slice(0, inner), address.slice(inner + 1)];
  if (m[1] === undefined && !isIPv4(address)) throw bad(raw, `unbracketed non-IPv4 ${text}`);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) address = mapped[1]!; // an AF_INET6 socket that only ever sees this IPv4 address
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
  if (!family) throw bad(raw, `not an IP address: ${address}`);
  const local: Local = { address, port, family, wildcard: isWildcard(address), dualStack: false };
  if (scope !== undefined) local.scope = scope;
  return local;
}

// users:(("name",pid=1,fd=3),("other",pid=2,fd=4)). Names are printed unescaped and may contain
// quotes, commas, spaces, "users:((" and tabs, so match each entry by its ",pid=N,fd=N)" tail.
const ENTRY = /^\("(.*?)",pid=(\d+),fd=(\d+)\)(,|$)/s;

function parseUsers(column: string, raw: string): SocketProcess[] {
  if (!column.startsWith("users:(") || !column.endsWith(")")) throw bad(raw, "unrecognized users column");
  let rest = column.slice("users:(".length, -1);
  const out: SocketProcess[] = [];
  while (rest !== "") {
    const m = ENTRY.exec(rest);
    if (!m) throw bad(raw, `unreadable process entry ${JSON.stringify(rest)}`);
    out.push({ name: m[1]!, pid: Number(m[2]), fd: Number(m[3]) });
    rest = rest.slice(m[0].length);
  }
  return out;
}

function bad(line: string, why: string): ProbeParseError {
  return new ProbeParseError(NAME, `${why}: ${JSON.stringify(line)}`);
}

// BlockList compares parsed addresses, so "0:0:0:0:0:0:0:1" and v4-mapped forms match too.
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");
const ANY = new BlockList();
ANY.addAddress("0.0.0.0", "ipv4");
ANY.addAddress("::", "ipv6");

function check(list: BlockList, addr: string): boolean {
  const a = addr.trim().replace(/^\[([^\]]*)\].*$/, "$1").split("%")[0]!;
  if (isIPv4(a)) return list.check(a, "ipv4");
  return isIPv6(a) && list.check(a, "ipv6");
}

/** 127.0.0.0/8, ::1 and v4-mapped ::ffff:127.x.x.x. Accepts ss spellings ("[::1]", "127.0.0.53%lo"). */
export function isLoopback(addr: string): boolean {
  return check(LOOPBACK, addr);
}

/** The any-address: 0.0.0.0, ::, ss's "*" (and bracketed / v4-mapped spellings). Never loopback. */
export function isWildcard(addr: string): boolean {
  return addr.trim() === "*" || check(ANY, addr);
}

/** /proc/sys/net/ipv6/bindv6only: whether new AF_INET6 sockets default to v6only. */
export const ipv6OnlyDefault: Probe<boolean> = {
  name: "ipv6-only-default",
  command: "cat /proc/sys/net/ipv6/bindv6only",
  parse({ stdout, stderr, code }) {
    const v = stdout.trim();
    if (code !== 0 || (v !== "0" && v !== "1")) {
      throw new ProbeParseError("ipv6-only-default", `unexpected output (exit ${code}): ${JSON.stringify(v || stderr.trim())}`);
    }
    return v === "1";
  },
};
