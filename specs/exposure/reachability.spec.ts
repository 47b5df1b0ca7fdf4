// §1 Exposure model, §5.1 Exposure rules: socket tables say where a service binds; this says what
// the LAN actually gets. Another node of the homelab (the vantage, helpers/probes/
// reachability.ts, declared as this invariant's peer) attempts a real TCP connection to every declared TCP port of this node on its
// LAN address: a `lan` service MUST answer, a `loopback` or `tailnet` one MUST NOT.
import type { Inventory, NodeDecl } from "../../helpers/inventory/types.ts";
import { crossCheckedServices, lanHostsOf, vantageOf, vantageProbe, type ReachAttempt } from "../../helpers/probes/reachability.ts";
import { listeningSockets } from "../../helpers/probes/sockets.ts";
import { invariant, type PeerFact } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

export default invariant(
  {
    id: "EXPOSE-005",
    title: "Reachability matches the declared scope, seen from another node",
    must: "Seen from another node of the homelab, on this node's LAN address: every declared TCP port of a `lan` service MUST accept a connection, and every declared TCP port of a `loopback` or `tailnet` service MUST be refused or not answer. A closed port only counts when the node answered on that address at all (some port connected or refused).",
    fix: (f, node) => /accept|open|reach/i.test(f.expected) ? `on ${node.name}: bind the service to the LAN address (ss -ltn 'sport = :${port(f)}') and allow the port in the firewall (nft list ruleset)` : `on ${node.name}: bind the service to 127.0.0.1 (or the tailnet address) instead of the LAN, or drop the port in the firewall; then restart it`,
    section: "§1, §5.1",
    family: "exposure",
    severity: "critical",
  },
  {
    appliesTo: (node, { inventory }) => crossCheckedServices(node).length > 0 && vantageOf(node, inventory) !== undefined,
    planned: (node) =>
      crossCheckedServices(node).length > 0 ? "§5.1 cross-check needs a second node in the inventory to connect from (or reachability.from)" : undefined,
    // The node's own socket table, for the operator to compare with what the vantage saw. It
    // must be readable: a node whose own tools print garbage is judged on nothing (issue 15).
    reads: () => ({ listeningSockets }),
    // The vantage's connection attempts (one probe per vantage, for every node it watches).
    peers: (node, { inventory }) => {
      const vantage = vantageOf(node, inventory);
      return vantage && vantage !== node.name && inventory.nodes.some((n) => n.name === vantage) ? [{ node: vantage, probe: vantageProbe(vantage, inventory) }] : [];
    },
    check: ({ node, inventory, facts, peer }) => {
      void facts.listeningSockets;
      const vantage = vantageOf(node, inventory)!;
      const known = vantage !== node.name && inventory.nodes.some((n) => n.name === vantage);
      return judgeReachability(node, inventory, known ? peer(vantage, vantageProbe(vantage, inventory)) : undefined);
    },
  },
);


const EXPECT = {
  lan: (v: string) => `accepts a connection from ${v} (scope lan)`,
  loopback: (v: string) => `refused or no answer from ${v} (scope loopback: 127.0.0.1/::1 only)`,
  tailnet: (v: string) => `refused or no answer from ${v} on the LAN (scope tailnet: overlay only)`,
} as const;

const SAW: Record<ReachAttempt["result"], string> = {
  connected: "a connection was accepted",
  refused: "connection refused",
  timeout: "no answer within the timeout",
  unreachable: "no route to the host",
  unresolved: "the name did not resolve",
  error: "the connect could not be attempted",
};

/** The findings for `node`, from the attempts its vantage made (exported for offline tests). */
export function judgeReachability(node: NodeDecl, inventory: Inventory, seen: PeerFact<ReachAttempt[]> | undefined): Finding[] {
  const vantage = vantageOf(node, inventory)!;
  const subject = `cross-check from ${vantage}`;
  if (vantage === node.name) {
    return [{ subject, expected: "reachability.from naming another node (a node cannot see its own exposure from the LAN)", actual: `reachability.from is ${node.name} itself` }];
  }
  if (!inventory.nodes.some((n) => n.name === vantage) || !seen) {
    return [{ subject, expected: "reachability.from naming another node of the inventory", actual: `no node ${vantage} in the inventory` }];
  }
  if (!seen.ok && (seen.reason === "unreachable" || seen.reason === "left-out")) {
    return [{ subject, expected: `${vantage} reachable, to connect to ${node.name} from it`, actual: `${vantage} is unreachable (${seen.why}), so nothing was tried` }];
  }
  if (!seen.ok && seen.reason === "not-gathered") return [{ subject, expected: `connection attempts from ${vantage}`, actual: `none were gathered on ${vantage}` }];
  if (!seen.ok) return [{ subject, expected: `connection attempts from ${vantage}`, actual: `unreadable: ${seen.why}` }];
  const attempts = seen.value.filter((a) => a.target === node.name);

  const findings: Finding[] = [];
  for (const host of lanHostsOf(node)) {
    const mine = attempts.filter((a) => a.host === host);
    const where = (a: ReachAttempt) => (a.address && a.address !== host ? `${host} (${a.address})` : host);
    const broken = mine.find((a) => a.result === "unresolved" || a.result === "error");
    if (broken) {
      findings.push({ subject: `${subject} to ${host}`, expected: `${vantage} can attempt connections to ${host}`, actual: `${SAW[broken.result]} on ${vantage}${broken.detail ? `: ${broken.detail}` : ""}` });
      continue;
    }
    // A port that is refused proves the host is there; a timeout alone could be a wrong address.
    const alive = mine.some((a) => a.result === "connected" || a.result === "refused");
    let silentReported = false;
    for (const svc of crossCheckedServices(node)) {
      const a = mine.find((x) => x.port === svc.port);
      const label = `${svc.name} tcp/${svc.port} on ${a ? where(a) : host}`;
      if (!a) {
        findings.push({ subject: label, expected: EXPECT[svc.scope](vantage), actual: `no attempt recorded on ${vantage}` });
        continue;
      }
      const seen = `${SAW[a.result]}${a.detail && a.result !== "connected" ? ` (${a.detail})` : ""}`;
      if (svc.scope === "lan") {
        if (a.result !== "connected") findings.push({ subject: label, expected: EXPECT.lan(vantage), actual: `${seen}: not reachable from the LAN` });
      } else if (a.result === "connected") {
        findings.push({ subject: label, expected: EXPECT[svc.scope](vantage), actual: `a connection from ${vantage} was accepted: reachable from the LAN` });
      } else if (!alive && !silentReported) {
        silentReported = true;
        findings.push({
          subject: `${subject} to ${host}`,
          expected: `${node.name} answers on ${host} (some port connected or refused), so a closed port means something`,
          actual: `no port answered at all (${[...new Set(mine.map((x) => SAW[x.result]))].join(", ")}): wrong address, or the node is down or filtered`,
        });
      }
    }
  }
  return findings;
}

// Where a finding names it (the subject the check above writes), for the fix line.
const port = (f: Finding): string => /(?:tcp|udp)\/(\d+)|port (\d+)|:(\d+)/.exec(`${f.subject} ${f.actual}`)?.slice(1).find(Boolean) ?? "<port>";
