// Reachability seen from another node (§1 exposure model, §5.1): real TCP connection attempts
// from a vantage node to other nodes' declared ports, not socket tables. netcat is not on every
// node, so each attempt is bash's /dev/tcp under coreutils' `timeout`; all attempts of one vantage
// run in parallel (background jobs + wait) inside its one batched round trip, so the probe costs
// about one timeout, whatever the number of ports. Read-only: a connect that succeeds is closed at
// once without sending a byte. Output format verified on the lab (fixtures/captured/reachability/).
import { isIP } from "node:net";
import { shQuote } from "../transport/shell.ts";
import type { Inventory, NodeDecl, ServiceDecl } from "../inventory/types.ts";
import { isTailnetAddress } from "./addresses.ts";
import { isLoopback } from "./sockets.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

/** One connection to attempt: `host` (an address or a DNS name) of node `target`, on `port`. */
export interface ReachTarget {
  target: string;
  host: string;
  port: number;
}

/**
 * What a TCP connect from the vantage got:
 * - connected: the three-way handshake completed (something listens there and lets us in);
 * - refused: a RST came back (the host is up, nothing listens on that address:port);
 * - timeout: no answer within the timeout (filtered, or the host is down);
 * - unreachable: "No route to host" / "Network is unreachable" (ICMP or no ARP answer);
 * - unresolved: the vantage could not resolve the host name;
 * - error: anything else (e.g. bash missing), with its message.
 */
export type ReachResult = "connected" | "refused" | "timeout" | "unreachable" | "unresolved" | "error";

export interface ReachAttempt extends ReachTarget {
  /** The address actually tried ("" when the name did not resolve). */
  address: string;
  result: ReachResult;
  /** bash's or timeout's message, when there was one. */
  detail: string;
}

export const REACHABILITY = "reachability";
/** Seconds a single connect may take before it is tried again. */
export const CONNECT_TIMEOUT_S = 2;
/**
 * Seconds the second try may take before the attempt counts as a timeout. The bound covers
 * starting bash and resolving the name too, which a busy node can stretch past 2 s (seen: a
 * conformant lab's sshd and node-exporter reported "no answer" at load average 40+). Only an
 * attempt that timed out is tried again, so a refused or open port costs no more, and a second
 * try can only turn a timeout into what the port really answers.
 */
export const RETRY_TIMEOUT_S = 6;

const RESULTS: readonly ReachResult[] = ["connected", "refused", "timeout", "unreachable", "unresolved", "error"];

// One attempt: `a TARGET HOST ADDRESS PORT` prints one tab-separated line. timeout exits 124 when
// the connect hangs; bash prints "connect: Connection refused" / "No route to host" otherwise.
// A line is one printf (< PIPE_BUF), so lines of parallel jobs never interleave.
const ATTEMPT = [
  "a() {",
  `  m=$(timeout ${CONNECT_TIMEOUT_S} bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$3" "$4" 2>&1); c=$?`,
  `  if [ $c = 124 ]; then m=$(timeout ${RETRY_TIMEOUT_S} bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$3" "$4" 2>&1); c=$?; fi`,
  "  case $c:$m in",
  "    0:*) r=connected ;; 124:*) r=timeout ;; *refused*) r=refused ;;",
  "    *'No route'*|*unreachable*) r=unreachable ;; *) r=error ;;",
  "  esac",
  // The message's first line, tabs made spaces; a connection prints none, and then no process is
  // started for it (most attempts connect).
  `  case $m in '') l= ;; *) l=$(printf '%s\\n' "$m" | head -n 1 | tr '\\t' ' ') ;; esac`,
  `  printf '%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n' "$1" "$2" "$3" "$4" "$r" "$l"`,
  "}",
].join("\n");

/**
 * The probe for one vantage: every (target, host, port) in one command. A name is resolved once
 * per host with getent (IPv4: the LAN the document speaks of); literal addresses are used as is.
 */
export function reachabilityProbe(targets: ReachTarget[]): Probe<ReachAttempt[]> {
  const byHost = new Map<string, ReachTarget[]>();
  for (const t of targets) byHost.set(`${t.target}\t${t.host}`, [...(byHost.get(`${t.target}\t${t.host}`) ?? []), t]);
  const blocks = [...byHost.values()].map((ts) => {
    const { target, host } = ts[0]!;
    const [q, h] = [shQuote(target), shQuote(host)];
    const resolve = isIP(host)
      ? `ip=${h}`
      : `ip=$(getent ahostsv4 ${h} | awk 'NR==1{print $1}')`;
    const ports = [...new Set(ts.map((t) => t.port))];
    const unresolved = ports.map((p) => `printf '%s\\t%s\\t\\t%s\\tunresolved\\t%s\\n' ${q} ${h} ${p} 'no address for this name'`).join("; ");
    const attempts = ports.map((p) => `a ${q} ${h} "$ip" ${p} &`).join(" ");
    return `( ${resolve}\n  if [ -z "$ip" ]; then ${unresolved}; else ${attempts} wait; fi ) &`;
  });
  return {
    name: REACHABILITY,
    slow: true,
    command: `command -v bash >/dev/null || { echo 'bash not found: needed for /dev/tcp' >&2; exit 127; }\n${ATTEMPT}\n${blocks.join("\n")}\nwait`,
    parse: parseReachability,
  };
}

export function parseReachability({ stdout, stderr, code }: ProbeOutput): ReachAttempt[] {
  if (code !== 0) throw new ProbeParseError(REACHABILITY, `exited ${code}: ${stderr.trim() || stdout.trim()}`);
  const out: ReachAttempt[] = [];
  for (const line of stdout.split("\n")) {
    if (line.trim() === "") continue;
    const f = line.split("\t");
    const port = Number(f[3]);
    const result = f[4] as ReachResult;
    if (f.length !== 6 || !f[0] || !f[1] || !Number.isInteger(port) || port < 1 || port > 65535 || !RESULTS.includes(result)) {
      throw new ProbeParseError(REACHABILITY, `unrecognized line ${JSON.stringify(line)}`);
    }
    if (result !== "unresolved" && !isIP(f[2]!)) throw new ProbeParseError(REACHABILITY, `not an address in ${JSON.stringify(line)}`);
    out.push({ target: f[0], host: f[1], address: f[2]!, port, result, detail: f[5]!.trim() });
  }
  // Parallel jobs finish in any order: sort so facts and messages are stable.
  return out.sort((a, b) => a.target.localeCompare(b.target) || a.host.localeCompare(b.host) || a.port - b.port);
}

// Which node watches which (EXPOSE-005, §1, §5.1) is decided from the inventory alone (facts are
// gathered in one phase, so the plan cannot wait for anyone's reachability): a node's
// `reachability.from`, else the NEXT node of the inventory in file order, wrapping around (pve
// watches vm102, vm102 watches vm100, …, the last node watches the first). A ring rather than
// "everything from one node": an unreachable node costs the cross-check of one neighbour, not of
// the whole homelab, and each vantage adds about one connect timeout to its own round trip
// (attempts run in parallel).
/** The node that connects to `target`'s ports, or undefined in a one-node inventory. */
export function vantageOf(target: NodeDecl, inventory: Inventory): string | undefined {
  if (target.reachability?.from) return target.reachability.from;
  const nodes = inventory.nodes;
  if (nodes.length < 2) return undefined;
  const i = nodes.findIndex((n) => n.name === target.name);
  return nodes[(i + 1) % nodes.length]!.name;
}

/**
 * Where other nodes reach `target` on the LAN: `reachability.addresses`, else its ssh.host when
 * that is an address or name other than loopback or a tailnet address (the lab's 127.0.0.1 port
 * forwards, a Tailscale admin address), else its node name, as the LAN's DNS knows it.
 */
export function lanHostsOf(target: NodeDecl): string[] {
  if (target.reachability?.addresses) return target.reachability.addresses;
  const h = target.ssh?.host;
  return h && !isLoopback(h) && !isTailnetAddress(h) && h !== "localhost" ? [h] : [target.name];
}

/** The declared services the cross-check connects to: fixed TCP ports (not `any`, e.g. Docker DNS). */
export function crossCheckedServices(node: NodeDecl): Array<ServiceDecl & { port: number }> {
  return node.services.filter((s): s is ServiceDecl & { port: number } => s.proto === "tcp" && typeof s.port === "number");
}

/** Every connection `vantage` attempts: the ports of each node it watches, on each LAN host. */
export function reachTargetsFor(vantage: string, inventory: Inventory): ReachTarget[] {
  return inventory.nodes
    .filter((t) => t.name !== vantage && vantageOf(t, inventory) === vantage)
    .flatMap((t) => lanHostsOf(t).flatMap((host) => crossCheckedServices(t).map((s) => ({ target: t.name, host, port: s.port }))));
}


/** The one probe a vantage runs: every connection it attempts, for every node it watches. */
export function vantageProbe(vantage: string, inventory: Inventory): Probe<ReachAttempt[]> {
  return reachabilityProbe(reachTargetsFor(vantage, inventory));
}
