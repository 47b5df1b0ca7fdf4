// The scheduled run end to end (issue #12 item 4): the real suite run by scripts/scheduled-run.ts
// (what homelab-conformance.service runs) against a lab of lxc200, the monitoring node, and vm102,
// the storage VM (a drift on another node than Prometheus' own shows the `node` label survives). Its .prom is
// delivered into lxc200's textfile directory as the service delivers it on a monitoring host (temp
// file in the directory + rename); lxc200's real node-exporter serves it, its real Prometheus
// scrapes it and evaluates the SHIPPED rules file (copied to /etc/prometheus/rules.d/ and reloaded,
// as an operator installs it; the lab's Prometheus evaluates every 5 s, the rules are as shipped).
//   conformant lab                       -> no alert in /api/v1/alerts
//   drift guest-access (SHARE-003)       -> HomelabConformanceCriticalInvariantFailed{invariant="SHARE-003",node="vm102"} firing
//   no further run, bound 45 s           -> HomelabConformanceRunStale firing
//   the REAL unit: `npm run schedule -- install` run for real in a throwaway systemd container on the
//   lab network (the checkout mounted read-only, the host's node), then `systemctl start
//   homelab-conformance.service` under its user and hardening -> its .prom, delivered to lxc200,
//   clears the staleness and keeps the drift's alert firing.
// The times from drift applied to alert firing go to reports/scheduled-run-latency.json.
import { execa } from "execa";
import { load, dump } from "js-yaml";
import { mkdtempSync, readFileSync, readlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import type { StartedTestContainer } from "testcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultLab } from "../../fixtures/lab/default-lab.ts";
import { findDrift } from "../../fixtures/lab/drifts.ts";
import { imageName } from "../../fixtures/lab/images.ts";
import { applyDrift, LAB_LABEL, startLab, type Lab } from "../../fixtures/lab/lab.ts";
import { readResults } from "../../helpers/report/results.ts";
import { PROM_NAME } from "../../scripts/scheduled-run.ts";
import { COMPILED_RUN } from "../../scripts/schedule.ts";

const RULES = readFileSync(new URL("../../deploy/prometheus/homelab-conformance.rules.yml", import.meta.url), "utf8");
const TEXTFILE_DIR = "/var/lib/prometheus/node-exporter";

interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: "pending" | "firing";
  activeAt: string;
}

let lab: Lab;
let lxc200: StartedTestContainer;
let runsDir: string;
const timeline: Record<string, number> = {};

async function prom<T>(path: string): Promise<T> {
  const [route, query] = path.split("?query=");
  const r = await lxc200.exec(["curl", "-fsS", `http://127.0.0.1:9090${route}${query ? `?query=${encodeURIComponent(query)}` : ""}`]);
  if (r.exitCode !== 0) throw new Error(`Prometheus ${path}: ${r.output}`);
  return (JSON.parse(r.stdout) as { data: T }).data;
}
const alerts = () => prom<{ alerts: Alert[] }>("/api/v1/alerts").then((d) => d.alerts);

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; alerts now: ${JSON.stringify(await alerts())}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The .prom into lxc200's textfile dir as the service writes it: temp file there + rename. */
async function deliver(prom: string): Promise<void> {
  const tmp = `${TEXTFILE_DIR}/.${PROM_NAME}.tmp-test`;
  await lxc200.copyContentToContainer([{ content: prom, target: tmp, mode: 0o644 }]);
  const mv = await lxc200.exec(["sh", "-c", `chmod 0644 ${tmp} && mv -f ${tmp} ${TEXTFILE_DIR}/${PROM_NAME}`]);
  expect(mv.exitCode, mv.output).toBe(0);
}

/** One scheduled run (the compiled scripts/scheduled-run, what the unit runs: one Node process), delivered to lxc200. */
async function runAndDeliver(staleAfter: string): Promise<{ prom: string; finishedSec: number }> {
  const r = await execa(process.execPath, [join(ROOT, COMPILED_RUN), "--inventory", lab.inventoryFile, "--runs-dir", runsDir, "--keep", "2", "--stale-after", staleAfter], { cwd: ROOT, reject: false, all: true, stdin: "ignore" });
  expect(r.exitCode, `the scheduled run produced results and metrics:\n${r.all?.slice(-3000)}`).toBe(0);
  const latest = join(runsDir, readlinkSync(join(runsDir, "latest")));
  const prom = readFileSync(join(latest, PROM_NAME), "utf8");
  await deliver(prom);
  return { prom, finishedSec: Date.parse(readResults(join(latest, "results.json")).run.finishedAt) / 1000 };
}

/** Prometheus has scraped this run's metrics and evaluated the rules since. */
async function seen(finishedSec: number): Promise<void> {
  const scrapedAt = await until("Prometheus to scrape the run's metrics", async () => {
    const r = await prom<{ result: Array<{ value: [number, string] }> }>("/api/v1/query?query=homelab_conformance_last_run_timestamp_seconds");
    return r.result.length === 1 && Math.abs(Number(r.result[0]!.value[1]) - finishedSec) < 0.01 ? Date.now() : undefined;
  });
  await until("a rule evaluation after the scrape", async () => {
    const g = await prom<{ groups: Array<{ name: string; lastEvaluation: string }> }>("/api/v1/rules");
    const ours = g.groups.find((x) => x.name === "homelab-conformance");
    return ours && Date.parse(ours.lastEvaluation) > scrapedAt ? true : undefined;
  });
}

beforeAll(async () => {
  // Without pve: the guests' `proxmox` declarations (which need their hypervisor) are left out.
  const nodes = defaultLab()
    .filter((n) => ["vm102", "lxc200"].includes(n.name))
    .map(({ declare, ...n }) => ({ ...n, declare: Object.fromEntries(Object.entries(declare ?? {}).filter(([k]) => k !== "proxmox")) }));
  lab = await startLab(nodes);
  lxc200 = lab.containers.get("lxc200")!;
  runsDir = mkdtempSync(join(tmpdir(), "hlc-runs-"));
  // Install the shipped rules as an operator does, then reload Prometheus.
  await lxc200.copyContentToContainer([{ content: RULES, target: "/etc/prometheus/rules.d/homelab-conformance.rules.yml", mode: 0o644 }]);
  const reload = await lxc200.exec(["sh", "-c", "promtool check config /etc/prometheus/prometheus.yml && systemctl reload prometheus"]);
  if (reload.exitCode !== 0) throw new Error(`cannot load the rules: ${reload.output}`);
  // Loaded AND evaluated: until its first evaluation every rule's health is "unknown", which MON-004
  // rightly fails ("not evaluated yet"); a run started right after the reload raced it (CI, stop 30).
  await until("Prometheus to load and evaluate the shipped rules", async () => {
    const g = await prom<{ groups: Array<{ name: string; rules: Array<{ health: string }> }> }>("/api/v1/rules");
    const ours = g.groups.find((x) => x.name === "homelab-conformance");
    return ours?.rules.length === 6 && ours.rules.every((r) => r.health === "ok") ? true : undefined;
  });
  // A reload also re-discovers the Alertmanagers: until that is done Prometheus lists none active,
  // which MON-004 rightly fails too ("fired alerts are sent nowhere"; CI, stop 31).
  await until("Prometheus to list its Alertmanager again after the reload", async () => {
    const a = await prom<{ activeAlertmanagers: unknown[] }>("/api/v1/alertmanagers");
    return a.activeAlertmanagers.length > 0 ? true : undefined;
  });
}, 600_000);

let runner: string | undefined;
afterAll(async () => {
  if (runner) await execa("docker", ["rm", "-f", runner], { reject: false });
  await lab?.stop();
});

const ROOT = resolve(import.meta.dirname, "../..");
const sh = async (container: string, command: string, timeout = 60_000) => execa("docker", ["exec", container, "sh", "-c", command], { reject: false, all: true, timeout });

/**
 * The lab's inventory as a monitoring host on the lab's network sees the nodes: by name on port 22,
 * the key in the service user's home, the secrets under /etc/homelab-conformance.
 */
function runnerInventory(): { yaml: string; secrets: string[] } {
  const inv = load(readFileSync(lab.inventoryFile, "utf8")) as { defaults: { ssh: Record<string, unknown> }; nodes: Array<{ name: string; ssh: Record<string, unknown> }> };
  inv.defaults.ssh.identityFile = "~/.ssh/id_ed25519";
  for (const n of inv.nodes) Object.assign(n.ssh, { host: n.name, port: 22 });
  const secrets: string[] = [];
  // Only the lab's secret files travel to the runner; a `file:` naming a path on a node (the
  // tailnet policy on lxc200) stays as it is: the runner never reads it.
  const text = dump(inv, { lineWidth: 200, noRefs: true }).replace(/^(\s*file: )(\S+)$/gm, (line: string, k: string, f: string) => {
    if (!resolve(lab.dir, f).startsWith(`${resolve(lab.dir)}/`)) return line;
    secrets.push(f);
    return `${k}/etc/homelab-conformance/secrets/${basename(f)}`;
  });
  return { yaml: text, secrets };
}

describe("the scheduled run, scraped and alerted on by the lab's Prometheus", () => {
  let conformant: { prom: string; finishedSec: number };

  it("a conformant lab: its metrics are served by node-exporter's textfile collector and no alert fires", async () => {
    conformant = await runAndDeliver("1h");
    const red = readResults(join(runsDir, readlinkSync(join(runsDir, "latest")), "results.json")).results.filter((r) => r.status === "failed");
    expect(red.map((r) => `${r.id}@${r.node}: ${r.message ?? ""}`), "the conformant lab fails nothing").toEqual([]);
    expect(conformant.prom).toMatch(/^homelab_conformance_results\{status="failed"\} 0$/m);
    expect(conformant.prom).toMatch(/^homelab_conformance_results\{status="passed"\} [1-9]\d*$/m);
    expect(conformant.prom).toMatch(/^homelab_conformance_run_errors 0$/m);
    // promtool of the lab's Prometheus accepts the file as it was delivered.
    const check = await lxc200.exec(["sh", "-c", `promtool check metrics < ${TEXTFILE_DIR}/${PROM_NAME}`]);
    expect(check.exitCode, check.output).toBe(0);
    await seen(conformant.finishedSec);
    const errors = await prom<{ result: Array<{ value: [number, string] }> }>("/api/v1/query?query=node_textfile_scrape_error{node=\"lxc200\"}");
    expect(errors.result.map((r) => r.value[1])).toEqual(["0"]);
    // Each result keeps the node it is about (honor_labels), not the node of the exporter.
    for (const node of ["lxc200", "vm102"]) {
      const up = await prom<{ result: unknown[] }>(`/api/v1/query?query=homelab_conformance_result{node="${node}",status="passed"}==1`);
      expect(up.result.length, node).toBeGreaterThan(0);
    }
    expect(await alerts()).toEqual([]);
  });

  it("a drifted lab: the critical invariant's alert turns firing, naming node and invariant; then, with no further run, the run goes stale", async () => {
    timeline.driftApplied = Date.now();
    await applyDrift(lab, findDrift("guest-access"));
    timeline.runStarted = Date.now();
    const drifted = await runAndDeliver("45s");
    timeline.delivered = Date.now();
    timeline.runFinished = drifted.finishedSec * 1000;
    expect(drifted.prom).toMatch(/^homelab_conformance_result\{invariant="SHARE-003",node="vm102",[^}]*status="failed"\} 0$/m);

    const firing = await until("HomelabConformanceCriticalInvariantFailed for SHARE-003 on vm102", async () => {
      const a = (await alerts()).find((x) => x.labels.alertname === "HomelabConformanceCriticalInvariantFailed" && x.labels.invariant === "SHARE-003" && x.labels.node === "vm102");
      return a?.state === "firing" ? a : undefined;
    });
    timeline.alertFiring = Date.now();
    expect(firing.labels).toMatchObject({ severity: "critical", invariant_severity: "critical", family: "shares", section: "§0, §5.3", status: "failed" });
    expect(firing.annotations.summary).toBe("SHARE-003 fails on vm102 (§0, §5.3)");
    // Only what the drift broke fires (and the run is not stale yet).
    const names = (await alerts()).filter((a) => a.state === "firing").map((a) => `${a.labels.alertname} ${a.labels.invariant ?? ""} ${a.labels.node ?? ""}`.trim());
    expect(names.every((n) => n.startsWith("HomelabConformanceCriticalInvariantFailed ") || n.startsWith("HomelabConformanceInvariantFailed ")), names.join("; ")).toBe(true);
    expect(names).toContain("HomelabConformanceCriticalInvariantFailed SHARE-003 vm102");

    // The timer "stops": no run after this one. 45 s after it finished, the staleness alert fires.
    const stale = await until("HomelabConformanceRunStale", async () => {
      const a = (await alerts()).find((x) => x.labels.alertname === "HomelabConformanceRunStale");
      return a?.state === "firing" ? a : undefined;
    }, 120_000);
    timeline.staleFiring = Date.now();
    expect(stale.annotations.summary).toMatch(/^No conformance run for [\d.]+s$/);
    expect(timeline.staleFiring / 1000 - drifted.finishedSec).toBeGreaterThanOrEqual(45);

    const ms = (a: string, b: string) => Math.round(timeline[b]! - timeline[a]!);
    const latency = {
      at: new Date().toISOString(),
      drift: "guest-access (vm102, SHARE-003)",
      driftToFiringMs: ms("driftApplied", "alertFiring"),
      driftAppliedMs: ms("driftApplied", "runStarted"),
      runMs: ms("runStarted", "delivered"),
      deliveredToFiringMs: ms("delivered", "alertFiring"),
      staleBoundSec: 45,
      runFinishedToStaleFiringMs: ms("runFinished", "staleFiring"),
    };
    mkdirSync("reports", { recursive: true });
    writeFileSync("reports/scheduled-run-latency.json", JSON.stringify(latency, null, 2) + "\n");
    console.log(`scheduled-run latency: ${JSON.stringify(latency)}`);
  });

  it("the real unit: installed by `npm run schedule -- install`, started by systemd under its user and hardening, its metrics alerted on", async (ctx) => {
    // install refuses a checkout the service could not see (ProtectHome=yes, PrivateTmp=yes), rightly.
    const hidden = ["/home/", "/root/", "/run/user/", "/tmp/", "/var/tmp/"].find((p) => `${ROOT}/`.startsWith(p));
    if (hidden) ctx.skip(`this checkout (${ROOT}) is under ${hidden}, which the installed service cannot see: install refuses it`);
    const name = `hlc-${lab.id}-runner`;
    const started = await execa("docker", [
      "run", "-d", "--name", name, "--label", `${LAB_LABEL}=${lab.id}`, "--network", `hlc-lab-${lab.id}`,
      "--tmpfs", "/run:rw,mode=755", "--tmpfs", "/run/lock", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:ro", "-e", "container=docker", "--stop-signal", "SIGRTMIN+3",
      "-v", `${ROOT}:${ROOT}:ro`, "-v", `${process.execPath}:/usr/bin/node:ro`,
      imageName("systemd"), "/sbin/init",
    ], { reject: false, all: true });
    expect(started.exitCode, started.all).toBe(0);
    runner = started.stdout.trim();
    await sh(runner, "systemctl is-system-running --wait", 90_000);

    const { yaml, secrets } = runnerInventory();
    const put = async (content: string, target: string) => {
      const r = await execa("docker", ["exec", "-i", runner!, "sh", "-c", `mkdir -p $(dirname ${target}) && cat > ${target}`], { input: content, reject: false, all: true });
      expect(r.exitCode, r.all).toBe(0);
    };
    await put(yaml, "/etc/homelab-conformance/inventory.yaml");
    for (const f of secrets) await put(readFileSync(resolve(lab.dir, f), "utf8"), `/etc/homelab-conformance/secrets/${basename(f)}`);

    // The install command, for real (target root /): user, runs folder, units, daemon-reload, timer.
    const inst = await sh(runner, `cd ${ROOT} && node node_modules/tsx/dist/cli.mjs scripts/schedule.ts install --inventory /etc/homelab-conformance/inventory.yaml --textfile-dir /var/lib/prometheus/node-exporter --runs-dir /srv/hlc-runs --stale-after 1h --on-calendar daily`, 120_000);
    expect(inst.exitCode, inst.all).toBe(0);
    expect(inst.all).toContain("start the schedule: systemctl enable --now homelab-conformance.timer");
    expect((await sh(runner, "systemctl is-active homelab-conformance.timer")).stdout).toBe("active");
    // The operator's step: the key the inventory names, in the service user's home; the secrets readable by it.
    await put(readFileSync(join(lab.dir, "id_ed25519"), "utf8"), "/var/lib/homelab-conformance/.ssh/id_ed25519");
    const own = await sh(runner, "chown -R homelab-conformance: /var/lib/homelab-conformance && chmod 700 /var/lib/homelab-conformance/.ssh && chmod 600 /var/lib/homelab-conformance/.ssh/id_ed25519 && chgrp -R homelab-conformance /etc/homelab-conformance && chmod 0640 /etc/homelab-conformance/secrets/* 2>/dev/null; true");
    expect(own.exitCode, own.all).toBe(0);

    timeline.unitStarted = Date.now();
    const run = await sh(runner, "systemctl start homelab-conformance.service", 300_000);
    const journal = (await sh(runner, "journalctl -u homelab-conformance.service --no-pager -o cat | tail -40")).all;
    expect(run.exitCode, `${run.all}\n${journal}`).toBe(0);
    const show = await sh(runner, "systemctl show -p Result -p ExecMainStatus -p User homelab-conformance.service");
    expect(show.stdout.split("\n").sort()).toEqual(["ExecMainStatus=0", "Result=success", "User=homelab-conformance"]);
    const files = await sh(runner, "stat -c '%U %a %n' /var/lib/prometheus/node-exporter/homelab_conformance.prom && readlink /srv/hlc-runs/latest && ls /srv/hlc-runs/$(readlink /srv/hlc-runs/latest)");
    expect(files.exitCode, files.all).toBe(0);
    expect(files.stdout).toMatch(/^homelab-conformance 644 \/var\/lib\/prometheus\/node-exporter\/homelab_conformance\.prom\n\d{8}T\d{6}Z\n/);
    // No HTML report: a scheduled run renders none unless --report (issue #25).
    for (const f of ["results.json", "homelab_conformance.prom", "output.log", "run-stats.json"]) expect(files.stdout).toContain(f);
    expect(files.stdout).not.toContain("conformance-report.html");

    const prom = (await sh(runner, "cat /var/lib/prometheus/node-exporter/homelab_conformance.prom")).stdout + "\n";
    expect(prom).toMatch(/^homelab_conformance_result\{invariant="SHARE-003",node="vm102",[^}]*status="failed"\} 0$/m);
    expect(prom).toMatch(/^homelab_conformance_info\{[^}]*target="live"\} 1$/m);
    expect(prom).toMatch(/^homelab_conformance_stale_after_seconds 3600$/m);
    await deliver(prom);
    const finished = Number(/^homelab_conformance_last_run_timestamp_seconds (\S+)$/m.exec(prom)![1]);
    await seen(finished);
    timeline.unitAlertSeen = Date.now();
    const firing = (await alerts()).filter((a) => a.state === "firing").map((a) => `${a.labels.alertname} ${a.labels.invariant ?? ""} ${a.labels.node ?? ""}`.trim());
    expect(firing).toContain("HomelabConformanceCriticalInvariantFailed SHARE-003 vm102");
    expect(firing.filter((a) => a.startsWith("HomelabConformanceRunStale"))).toEqual([]);
    const file = "reports/scheduled-run-latency.json";
    const latency = { ...(JSON.parse(readFileSync(file, "utf8")) as object), realUnitStartToEvaluatedMs: Math.round(timeline.unitAlertSeen - timeline.unitStarted) };
    writeFileSync(file, JSON.stringify(latency, null, 2) + "\n");
    console.log(`scheduled-run latency: ${JSON.stringify(latency)}`);
  });
});
