// §1 "Key Metrics (Minimum Set)": compute (CPU load, RAM usage, swap pressure), storage (disk
// usage, inode usage, IO wait), network (interface errors), collected for every monitored layer.
import { KEY_METRICS, keyMetrics, type KeyMetricsFact } from "../../helpers/probes/key-metrics.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

/** The findings for the given nodes (pure: unit-tested on a real Prometheus answer). */
export function judgeKeyMetrics(nodes: string[], label: string, f: KeyMetricsFact): Finding[] {
  const out: Finding[] = [];
  for (const n of nodes) {
    const have = f[n] ?? {};
    const missing = KEY_METRICS.filter((k) => !(have[k.metric]! > 0));
    if (missing.length === 0) continue;
    out.push({
      subject: `${n} (${label}="${n}")`,
      expected: `current series of every key metric (${KEY_METRICS.map((k) => k.what).join(", ")})`,
      actual:
        missing.length === KEY_METRICS.length
          ? "none of them: Prometheus holds no current node-exporter series for this node (is it scraped and up? MON-001)"
          : `missing ${missing.map((k) => `${k.what} (${k.metric}${k.matcher ? `{${k.matcher}}` : ""}: node-exporter's ${k.collector} collector; is it off with --no-collector.${k.collector}?)`).join("; ")}`,
    });
  }
  return out;
}

export default invariant(
  {
    id: "MON-002",
    title: "Prometheus holds the key metrics of every node",
    must:
      "For every node of the inventory, the homelab's Prometheus MUST hold current series (an instant query, labelled with the node) of each key metric of §1's minimum set as node-exporter exports it: CPU load (node_load1), RAM (node_memory_MemAvailable_bytes), swap pressure (node_vmstat_pswpin), disk usage (node_filesystem_avail_bytes), inode usage (node_filesystem_files_free), IO wait (node_cpu_seconds_total{mode=\"iowait\"}), disk IO time (node_disk_io_time_seconds_total) and interface errors (node_network_receive_errs_total); a missing family names the collector that provides it.",
    section: "§1, §3.1",
    family: "monitoring",
    severity: "normal",
    fix: (f, node) => `on the node named in ${f.subject.split(" ")[0]}: run prometheus-node-exporter with its default collectors (loadavg, meminfo, vmstat, filesystem, cpu, diskstats, netdev; ${f.actual}), and on ${node.name} a scrape job for it carrying the node's label`,
  },
  {
    appliesTo: (node) => node.prometheus !== undefined,
    reads: (node) => ({ metrics: keyMetrics(node.prometheus!.url, node.prometheus!.nodeLabel) }),
    check({ node, inventory, facts }) {
      return judgeKeyMetrics(inventory.nodes.map((n) => n.name), node.prometheus!.nodeLabel, facts.metrics);
    },
  },
);
