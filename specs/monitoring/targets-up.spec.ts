// §1 Monitored layers, §3.1 Layer 4 validation: "Monitoring confirms that targets are UP."
import { prometheusTargets, type ScrapeTarget } from "../../helpers/probes/prometheus.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

export default invariant(
  {
    id: "MON-001",
    title: "Monitoring covers every node and reports it up",
    must: "The homelab's Prometheus MUST have at least one scrape target for every node of the inventory (every layer, itself included), and every such target MUST be up.",
    fix: (f) => /target/.test(f.subject) ? `on ${f.subject.split(" ")[0]}: systemctl enable --now prometheus-node-exporter, and check the scrape from Prometheus: curl -s ${f.subject.replace(/^.* target /, "")}` : `in prometheus.yml add a scrape target for ${f.subject.split(" ")[0]} (static_configs: - targets: ['${f.subject.split(" ")[0]}:9100']), then: systemctl reload prometheus`,
    section: "§1, §3.1",
    family: "monitoring",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.prometheus !== undefined,
    reads: (node) => ({ targets: prometheusTargets(node.prometheus!.url) }),
    check({ node, inventory, facts }) {
      const label = node.prometheus!.nodeLabel;
      const targets: ScrapeTarget[] = facts.targets;
      const findings: Finding[] = [];
      for (const n of inventory.nodes) {
        const mine = targets.filter((t) => t.labels[label] === n.name);
        if (mine.length === 0) {
          findings.push({ subject: `${n.name} (layer ${n.layer})`, expected: `a scrape target labelled ${label}="${n.name}"`, actual: "not monitored" });
          continue;
        }
        for (const t of mine.filter((x) => x.health !== "up")) {
          findings.push({
            subject: `${n.name} ${t.job} target ${t.scrapeUrl}`,
            expected: "health up",
            actual: `health ${t.health}${t.lastError ? ` (${t.lastError})` : ""}`,
          });
        }
      }
      return findings;
    },
  },
);
