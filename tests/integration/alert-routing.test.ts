// §1 "Alerting with Alertmanager (routing via SMTP or webhook)" end to end (issue 22 point 6): a
// conformance failure found by a real run reaches a webhook receiver through the lab's real
// Alertmanager. A lab of lxc200 alone (the monitoring node: Prometheus 2.42 with the shipped rules,
// Alertmanager 0.25 routing every alert to the webhook receiver, fixtures/images/monitoring):
//   drift grafana-bind-all (EXPOSE-001 critical fails on lxc200)
//   -> the scheduled run (scripts/scheduled-run.ts, what homelab-conformance.service runs) judges
//      the lab; MON-004 passes in it (alerting declared, routed)
//   -> its .prom delivered into lxc200's textfile directory as the service delivers it
//   -> Prometheus fires HomelabConformanceCriticalInvariantFailed{invariant="EXPOSE-001"}
//   -> Alertmanager POSTs it to the webhook, whose log then holds the notification.
// Every wait is bounded by what happened (the scrape, the alert, the POST), with a generous deadline
// only against hanging. The times go to reports/alert-routing-latency.json.
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StartedTestContainer } from "testcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultLab } from "../../fixtures/lab/default-lab.ts";
import { findDrift } from "../../fixtures/lab/drifts.ts";
import { applyDrift, startLab, type Lab } from "../../fixtures/lab/lab.ts";
import { readResults } from "../../helpers/report/results.ts";
import { PROM_NAME, scheduledRun } from "../../scripts/scheduled-run.ts";

const TEXTFILE_DIR = "/var/lib/prometheus/node-exporter";
/** Where the lab's webhook receiver (hlc-alert-webhook.service) appends each notification's JSON body. */
const WEBHOOK_LOG = "/var/log/hlc-alert-webhook/alerts.jsonl";
const ALERT = "HomelabConformanceCriticalInvariantFailed";

/** Alertmanager's webhook payload (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). */
interface WebhookNotification {
  receiver: string;
  status: "firing" | "resolved";
  alerts: Array<{ status: "firing" | "resolved"; labels: Record<string, string>; annotations: Record<string, string> }>;
}

let lab: Lab;
let lxc200: StartedTestContainer;
const timeline: Record<string, number> = {};

async function sh(command: string): Promise<string> {
  const r = await lxc200.exec(["sh", "-c", command]);
  if (r.exitCode !== 0) throw new Error(`${command}: ${r.output}`);
  return r.stdout;
}

async function webhookLog(): Promise<WebhookNotification[]> {
  const text = await sh(`cat ${WEBHOOK_LOG} 2>/dev/null; true`);
  return text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as WebhookNotification);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) {
      const alerts = await sh("curl -fsS http://127.0.0.1:9090/api/v1/alerts").catch((e: Error) => e.message);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; Prometheus alerts: ${alerts.slice(0, 1500)}; webhook log: ${JSON.stringify(await webhookLog()).slice(0, 1500)}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

beforeAll(async () => {
  // Without pve: lxc200's `proxmox` declaration (which needs its hypervisor) is left out.
  const nodes = defaultLab()
    .filter((n) => n.name === "lxc200")
    .map(({ declare, ...n }) => ({ ...n, declare: Object.fromEntries(Object.entries(declare ?? {}).filter(([k]) => k !== "proxmox")) }));
  lab = await startLab(nodes);
  lxc200 = lab.containers.get("lxc200")!;
}, 600_000);

afterAll(async () => {
  await lab?.stop();
});

describe("a conformance failure reaches the webhook receiver through the real Alertmanager", () => {
  it("nothing of the suite's is sent while nothing fails", async () => {
    expect((await webhookLog()).flatMap((n) => n.alerts).filter((a) => a.labels.alertname?.startsWith("HomelabConformance"))).toEqual([]);
  });

  it("drift grafana-bind-all: the run fails EXPOSE-001, and its alert is POSTed to the webhook", async () => {
    timeline.driftApplied = Date.now();
    await applyDrift(lab, findDrift("grafana-bind-all"));
    const runsDir = mkdtempSync(join(tmpdir(), "hlc-alert-runs-"));
    timeline.runStarted = Date.now();
    const code = await scheduledRun({ inventory: lab.inventoryFile, runsDir, keep: 2, staleAfter: "1h", hostLimits: lab.hostLimitsFile, vitestArgs: [] }, () => {});
    expect(code, "the scheduled run produced results and metrics").toBe(0);
    const latest = join(runsDir, readlinkSync(join(runsDir, "latest")));
    const results = readResults(join(latest, "results.json")).results;
    const of = (spec: string) => results.find((r) => r.id === spec && r.node === "lxc200")?.status;
    expect(of("EXPOSE-001")).toBe("failed");
    // The invariant this path proves, judged in the same run: alerting declared and routed.
    expect(of("MON-004")).toBe("passed");

    // Delivered as the service delivers it on a monitoring host: temp file in the directory + rename.
    const prom = readFileSync(join(latest, PROM_NAME), "utf8");
    expect(prom).toMatch(/^homelab_conformance_result\{invariant="EXPOSE-001",node="lxc200",[^}]*status="failed"\} 0$/m);
    const tmp = `${TEXTFILE_DIR}/.${PROM_NAME}.tmp-test`;
    await lxc200.copyContentToContainer([{ content: prom, target: tmp, mode: 0o644 }]);
    await sh(`chmod 0644 ${tmp} && mv -f ${tmp} ${TEXTFILE_DIR}/${PROM_NAME}`);
    timeline.delivered = Date.now();

    const sent = await until("the alert's notification in the webhook receiver's log", async () => {
      for (const n of await webhookLog()) {
        const a = n.alerts.find((x) => x.status === "firing" && x.labels.alertname === ALERT && x.labels.invariant === "EXPOSE-001" && x.labels.node === "lxc200");
        if (a) return { n, a };
      }
      return undefined;
    }, 300_000);
    timeline.webhookReceived = Date.now();
    expect(sent.n.receiver).toBe("homelab-webhook");
    expect(sent.a.labels).toMatchObject({ severity: "critical", invariant_severity: "critical", family: "exposure", status: "failed" });
    expect(sent.a.annotations.summary).toMatch(/^EXPOSE-001 fails on lxc200 \(§/);

    const ms = (a: string, b: string) => Math.round(timeline[b]! - timeline[a]!);
    const latency = { at: new Date().toISOString(), drift: "grafana-bind-all (lxc200, EXPOSE-001)", runMs: ms("runStarted", "delivered"), deliveredToWebhookMs: ms("delivered", "webhookReceived"), driftToWebhookMs: ms("driftApplied", "webhookReceived") };
    mkdirSync("reports", { recursive: true });
    writeFileSync("reports/alert-routing-latency.json", JSON.stringify(latency, null, 2) + "\n");
    console.log(`alert-routing latency: ${JSON.stringify(latency)}`);
  }, 900_000);
});
