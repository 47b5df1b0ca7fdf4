// §1 Monitored layers, §3.1 Layer 4 validation: "Monitoring confirms that targets are UP" means
// something only if each target is the node it is labelled as. MON-001 matches a target to a node
// by its label alone, so a copy-pasted scrape block (labelled vm100, scraping vm102:9100) makes an
// unmonitored vm100 look monitored and up. Here each target's exporter says which host it runs on
// (node_uname_info{nodename}, uname(2): helpers/probes/node-identity.ts) and each node says its
// own host name over its own connection (`uname -n`, the same field of the same syscall): they must
// be the same. Where the scrape address is decidable from the inventory (a node's name or declared
// LAN address; loopback = the Prometheus node itself), it must be the labelled node's too.
//
// Apart from MON-001 because it reads every node (a cross-node read), not Prometheus alone, and so
// is judged on other facts and fails on other causes (a node whose host name cannot be read).
import type { Inventory } from "../../helpers/inventory/types.ts";
import { exporterIdentities, nodename, type ExporterIdentity } from "../../helpers/probes/node-identity.ts";
import { prometheusTargets, type ScrapeTarget } from "../../helpers/probes/prometheus.ts";
import { lanHostsOf } from "../../helpers/probes/reachability.ts";
import { isLoopback } from "../../helpers/probes/sockets.ts";
import { invariant, type PeerFact } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

/** The host part of a scrape URL (brackets of an IPv6 literal removed), or undefined. */
export function scrapeHost(scrapeUrl: string): string | undefined {
  try {
    return new URL(scrapeUrl).hostname.replace(/^\[(.*)\]$/, "$1") || undefined;
  } catch {
    return undefined;
  }
}

const isLocal = (host: string) => host === "localhost" || isLoopback(host);

/** Why a target holds no node_uname_info series. */
const silent = (t: ScrapeTarget): string =>
  t.health !== "up"
    ? `the target is ${t.health}${t.lastError ? ` (${t.lastError})` : ""}, so Prometheus holds no node_uname_info from it`
    : "Prometheus holds no current node_uname_info series from this up target (not a node-exporter, or its uname collector is off: --no-collector.uname)";

/**
 * Which node of the inventory a scrape host is, when the inventory decides it: loopback is the node
 * Prometheus runs on; a node's name or one of its declared LAN hosts (lanHostsOf) is that node, if
 * no other node declares it too. Undefined when undecidable (an address no node declares).
 */
export function nodeOfHost(host: string, inventory: Inventory, prometheusNode: string): string | undefined {
  if (isLocal(host)) return prometheusNode;
  const h = host.toLowerCase();
  const owners = inventory.nodes.filter((n) => [n.name, ...lanHostsOf(n)].some((x) => x.toLowerCase() === h && !isLocal(x)));
  return owners.length === 1 ? owners[0]!.name : undefined;
}

/**
 * The findings (pure: unit-tested on real Prometheus answers). `hostnames`: each node's own `uname -n`
 * (the monitoring node's from its own read, the others' as peer facts).
 */
export function judgeTargetIdentity(
  prometheusNode: string,
  inventory: Inventory,
  label: string,
  targets: ScrapeTarget[],
  series: ExporterIdentity[],
  hostnames: Record<string, PeerFact<string>>,
): Finding[] {
  const findings: Finding[] = [];
  // Host name → the nodes that report it (two nodes with one host name cannot be told apart).
  const byName = new Map<string, string[]>();
  for (const [n, f] of Object.entries(hostnames)) if (f.ok) byName.set(f.value, [...(byName.get(f.value) ?? []), n]);
  const whoIs = (name: string): string => {
    const nodes = byName.get(name) ?? [];
    if (nodes.length) return `that is ${nodes.join(" and ")} (uname -n there)`;
    const unread = Object.entries(hostnames).filter(([, f]) => !f.ok).map(([n]) => n);
    return `no node of the inventory reports that host name${unread.length ? ` (not read on ${unread.join(", ")})` : ""}`;
  };

  for (const n of inventory.nodes) {
    const mine = targets.filter((t) => t.labels[label] === n.name);
    if (mine.length === 0) continue; // not monitored at all: MON-001's finding, no claim to verify here
    const own = hostnames[n.name];
    if (!own?.ok) {
      findings.push({
        subject: `${n.name} (${label}="${n.name}")`,
        expected: `${n.name}'s own host name (uname -n on ${n.name}), to compare with what its target's exporter reports`,
        actual: `not read: ${own ? own.why : "not gathered"}; the target's identity is not verified`,
      });
      continue;
    }
    const twins = (byName.get(own.value) ?? []).filter((x) => x !== n.name);
    if (twins.length) {
      findings.push({
        subject: `${n.name} (${label}="${n.name}")`,
        expected: `a host name of its own, so its exporter's node_uname_info{nodename} tells it apart`,
        actual: `${n.name} and ${twins.join(", ")} all report host name "${own.value}" (uname -n): a target scraping either passes for both`,
      });
      continue;
    }
    let reported = false;
    for (const t of mine) {
      const subject = `${n.name} ${t.job} target ${t.labels.instance ?? t.scrapeUrl}`;
      const problems: string[] = [];
      const host = scrapeHost(t.scrapeUrl);
      const addressOf = host === undefined ? undefined : nodeOfHost(host, inventory, prometheusNode);
      if (addressOf !== undefined && addressOf !== n.name) {
        problems.push(`it scrapes ${t.scrapeUrl}, ${isLocal(host!) ? `loopback on ${prometheusNode} (where Prometheus runs)` : `an address the inventory declares for ${addressOf}`}`);
      }
      const seen = series.filter((s) => s.node === n.name && s.job === t.job && s.instance === (t.labels.instance ?? ""));
      for (const name of [...new Set(seen.map((s) => s.nodename))]) {
        if (name !== own.value) problems.push(`its exporter reports host name "${name}" (node_uname_info{nodename}): ${whoIs(name)}, not ${n.name} ("${own.value}")`);
      }
      // A target that says nothing of its host (Prometheus's own, a down exporter) is only vouched
      // for by its address; where the inventory does not decide that either, it is not verified.
      if (seen.length === 0 && addressOf === undefined) problems.push(`not verified: ${silent(t)}, and the inventory does not say whose address ${host ?? t.scrapeUrl} is`);
      if (problems.length) {
        reported = true;
        findings.push({ subject, expected: `the exporter of ${n.name} itself: node_uname_info{nodename="${own.value}"} (uname -n on ${n.name}), scraped on an address of ${n.name}`, actual: problems.join("; ") });
      }
    }
    // At least one of its targets must say, from its own host, that it is this node.
    const vouched = series.some((s) => s.node === n.name && s.nodename === own.value && mine.some((t) => t.job === s.job && (t.labels.instance ?? "") === s.instance));
    if (!vouched && !reported) {
      findings.push({
        subject: `${n.name} (${label}="${n.name}")`,
        expected: `a target whose exporter reports ${n.name}'s host name: node_uname_info{nodename="${own.value}"} (uname -n on ${n.name})`,
        actual: `none does, so the claim is not verified: ${mine.map((t) => `${t.job} target ${t.labels.instance ?? t.scrapeUrl}: ${silent(t)}`).join("; ")}`,
      });
    }
  }
  return findings;
}

export default invariant(
  {
    id: "MON-003",
    title: "Each monitoring target is the node it claims to be",
    must:
      "Every scrape target of the homelab's Prometheus that carries a node's label MUST be that node's own exporter: its node_uname_info{nodename} (uname(2) of the exporter's host) MUST equal the host name the node itself reports (uname -n over its own connection), the node's host name MUST be its own (no other node of the inventory reports it), and where the inventory decides whose address the target scrapes (a node's name or declared LAN address; loopback is the Prometheus node), it MUST be that node's. A target whose exporter's host cannot be read (down, no node_uname_info) is not verified and fails.",
    section: "§1, §3.1",
    family: "monitoring",
    severity: "critical",
    fix: (f, node) => {
      const claimed = f.subject.split(" ")[0];
      if (/^not read: /.test(f.actual)) return `let the suite read uname -n on ${claimed} (the node unreachable, or an earlier probe of its batch timed out: see that node's other results), then run again`;
      if (/all report host name/.test(f.actual)) return `give each of those nodes its own host name: hostnamectl set-hostname <name> on each (a Proxmox LXC: pct set <vmid> --hostname <name>), then restart its prometheus-node-exporter`;
      return `on ${node.name}: in /etc/prometheus/prometheus.yml make the target labelled ${claimed} scrape ${claimed}'s own node-exporter (targets: ['${claimed}:9100'] under that label, not a copy of another node's block); promtool check config /etc/prometheus/prometheus.yml && systemctl reload prometheus; then curl -s 'http://127.0.0.1:9090/api/v1/query?query=node_uname_info' shows each node label with its own nodename`;
    },
  },
  {
    appliesTo: (node) => node.prometheus !== undefined,
    reads: (node) => ({
      targets: prometheusTargets(node.prometheus!.url),
      identities: exporterIdentities(node.prometheus!.url, node.prometheus!.nodeLabel),
      nodename,
    }),
    // Every other node's own host name, read on the node itself.
    peers: (node, { inventory }) => inventory.nodes.filter((n) => n.name !== node.name).map((n) => ({ node: n.name, probe: nodename })),
    check({ node, inventory, facts, peer }) {
      const hostnames: Record<string, PeerFact<string>> = { [node.name]: { ok: true, value: facts.nodename } };
      for (const n of inventory.nodes) if (n.name !== node.name) hostnames[n.name] = peer(n.name, nodename);
      return judgeTargetIdentity(node.name, inventory, node.prometheus!.nodeLabel, facts.targets, facts.identities, hostnames);
    },
  },
);

