// MON-005 and its probe on REAL Prometheus 2.42 answers from the lab's lxc200, the series written by
// the lab's docker_state_exporter stand-in (fixtures/images/podman: hlc-container-state-metrics)
// through each node's prometheus-node-exporter 1.5, fixtures/captured/probes/:
// - prometheus-container-metrics-lab.json: the conformant lab, every declared container (vm100's
//   jellyfin and audiobookshelf, lxc212's calibre-web, lxc230's vaultwarden) with all three families;
// - prometheus-container-metrics-vm100-only.json: a lab whose lxc212 and lxc230 ran images built
//   before the stand-in existed: only vm100's two containers are on record.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { Inventory, NodeDecl } from "../../../helpers/inventory/types.ts";
import { CONTAINER_METRICS, containerMetrics, containerMetricsQuery, parseContainerMetrics, type ContainerMetricsFact } from "../../../helpers/probes/container-metrics.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import type { Finding } from "../../../helpers/spec/message.ts";
import { declared, NO_SCENE, type Declared } from "../catalog-support.ts";

const dir = new URL("../../../fixtures/captured/probes/", import.meta.url);
const read = (f: string) => readFileSync(new URL(f, dir), "utf8");
const FAMILIES = CONTAINER_METRICS.map((k) => k.metric).sort();

/** The lab's declared containers, as the inventory has them. */
const inventory = {
  nodes: [
    { name: "vm100", containers: [{ name: "jellyfin" }, { name: "audiobookshelf" }] },
    { name: "lxc200", prometheus: { url: "http://127.0.0.1:9090", nodeLabel: "node" } },
    { name: "lxc212", containers: [{ name: "calibre-web" }] },
    { name: "lxc230", containers: [{ name: "vaultwarden" }] },
    { name: "vm102" },
  ],
} as unknown as Inventory;

describe("container metrics probe", () => {
  it("one count by node and name per family, tagged with label_replace, URL-encoded", () => {
    const q = containerMetricsQuery("node");
    expect(q.split(" or ")).toHaveLength(3);
    expect(q).toContain('label_replace(count by (node, name) (container_restartcount{node!="", name!=""}), "family", "container_restartcount", "", "")');
    expect(containerMetrics("http://127.0.0.1:9090", "node").command).toContain("/api/v1/query?query=label_replace(count%20by%20(node%2C%20name)%20(container_state_startedat");
    expect(() => containerMetrics("http://x", "node; rm")).toThrow(/bad label/);
  });

  it("parses the real answers", () => {
    const full = parseContainerMetrics("node", read("prometheus-container-metrics-lab.json"), "", 0);
    expect(Object.keys(full).sort()).toEqual(["lxc212", "lxc230", "vm100"]);
    expect(full.vm100!.jellyfin!.sort()).toEqual(FAMILIES);
    expect(full.lxc230!.vaultwarden!.sort()).toEqual(FAMILIES);
    const part = parseContainerMetrics("node", read("prometheus-container-metrics-vm100-only.json"), "", 0);
    expect(Object.keys(part)).toEqual(["vm100"]);
    expect(() => parseContainerMetrics("node", "<html>", "", 0)).toThrow(ProbeParseError);
    expect(() => parseContainerMetrics("node", '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"node":"vm100"},"value":[1,"1"]}]}}', "", 0)).toThrow(/malformed sample/);
    expect(() => parseContainerMetrics("node", "", "curl: (7) Failed to connect", 7)).toThrow(/exit 7/);
  });
});

describe("MON-005 on the captures", () => {
  let judge: (inv: Inventory, label: string, f: ContainerMetricsFact) => Finding[];
  let spec: Declared;
  beforeAll(async () => {
    judge = (await import("../../../specs/monitoring/container-metrics.spec.ts")).judgeContainerMetrics;
    spec = declared.find((d) => d.meta.id === "MON-005")!;
  });

  it("applies on the monitoring node when some node declares containers", () => {
    const scene = { ...NO_SCENE, inventory };
    expect(spec.def.appliesTo(inventory.nodes[1] as NodeDecl, scene)).toBe(true);
    expect(spec.def.appliesTo(inventory.nodes[0] as NodeDecl, scene)).toBe(false);
    const none = { ...NO_SCENE, inventory: { nodes: [inventory.nodes[1]] } as unknown as Inventory };
    expect(spec.def.appliesTo(inventory.nodes[1] as NodeDecl, none)).toBe(false);
  });

  it("passes the conformant lab's answer", () => {
    expect(judge(inventory, "node", parseContainerMetrics("node", read("prometheus-container-metrics-lab.json"), "", 0))).toEqual([]);
  });

  it("fails each container whose node has no exporter scraped, and says so", () => {
    const f = judge(inventory, "node", parseContainerMetrics("node", read("prometheus-container-metrics-vm100-only.json"), "", 0));
    expect(f.map((x) => x.subject)).toEqual(['lxc212 container calibre-web (node="lxc212", name="calibre-web")', 'lxc230 container vaultwarden (node="lxc230", name="vaultwarden")']);
    expect(f[0]!.actual).toMatch(/no container series for lxc212 at all/);
    const fix = spec.meta.fix!(f[0]!, inventory.nodes[1] as NodeDecl);
    expect(fix).toMatch(/^on lxc212: run docker_state_exporter/);
    expect(fix).toContain('on lxc200: scrape it with the label node="lxc212"');
  });

  it("names the container missing beside others, and the family missing", () => {
    const real = parseContainerMetrics("node", read("prometheus-container-metrics-lab.json"), "", 0);
    // Edited from the real answer: audiobookshelf's series gone (re-created under another name, say).
    const renamed: ContainerMetricsFact = { ...real, vm100: { jellyfin: real.vm100!.jellyfin! } };
    const [a] = judge(inventory, "node", renamed);
    expect(a!.subject).toContain("audiobookshelf");
    expect(a!.actual).toBe("none for this container (Prometheus has container series of vm100 for jellyfin only)");
    // Edited: the health family dropped (an exporter that exports no health).
    const noHealth: ContainerMetricsFact = { ...real, lxc212: { "calibre-web": ["container_state_startedat", "container_restartcount"] } };
    const [b] = judge(inventory, "node", noHealth);
    expect(b!.actual).toBe("missing health (container_state_health_status)");
  });
});
