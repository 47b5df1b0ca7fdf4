// helpers/convergence: what "converged" means for a node (§3.3), judged from canned command
// output through a fake transport pool (the lab run is tests/integration/reboot.test.ts).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkConvergence } from "../../helpers/convergence/index.ts";
import type { Inventory } from "../../helpers/inventory/types.ts";
import type { TransportPool } from "../../helpers/transport/pool.ts";
import type { ExecResult, Transport } from "../../helpers/transport/types.ts";

type Answers = Array<[RegExp, Partial<ExecResult>]>;

function fakePool(byNode: Record<string, Answers>): TransportPool {
  const get = (node: string): Transport => ({
    node,
    async exec(command: string) {
      const hit = (byNode[node] ?? []).find(([re]) => re.test(command));
      if (!hit) throw new Error(`unexpected command on ${node}: ${command.slice(0, 80)}`);
      return { command, stdout: "", stderr: "", code: 0, durationMs: 1, ...hit[1] };
    },
    async close() {},
  });
  return { get, closeAll: async () => {} } as unknown as TransportPool;
}

const inventory = {
  file: "/x/inventory.yaml",
  version: 1,
  nodes: [
    {
      name: "vm100", role: "compute", layer: 2, services: [{ name: "jellyfin", port: 8096, scope: "lan" }],
      mounts: [{ path: "/mnt/media", source: "//vm102/media", identity: "jellyfin", access: "ro", credentials: "/c", maxMountTimeoutSec: 30 }],
      containers: [{ name: "jellyfin", restart: "unless-stopped", healthcheck: true, maxRestarts: 1, dataPaths: [], publish: [] }],
    },
    { name: "lxc200", role: "monitoring", layer: 3, services: [], prometheus: { url: "http://127.0.0.1:9090", nodeLabel: "node" } },
  ],
} as unknown as Inventory;

const findmnt = (fstype: string) =>
  JSON.stringify({ filesystems: [{ target: "/mnt/media", source: "systemd-1", fstype: "autofs", options: "rw" }, ...(fstype ? [{ target: "/mnt/media", source: "//vm102/media", fstype, options: "ro" }] : [])] });
const netmounts = (fstype: string) => `@@hlc-netmount fstab\n\n@@hlc-netmount findmnt\n${findmnt(fstype)}\n@@hlc-netmount end\n`;
// A health check 0.1 s after the container's start (fresh), as podman's first check runs.
const inspect = (health: string, running = true) =>
  JSON.stringify({ Name: "jellyfin", RestartCount: 0, State: { Status: running ? "running" : "exited", Running: running, StartedAt: "2026-11-25T20:26:45.249809505Z", Health: { Status: health, Log: [{ Start: "2026-11-25T20:26:45.389045838Z", ExitCode: 0 }] } }, HostConfig: { RestartPolicy: { Name: "unless-stopped" }, PortBindings: {} }, Mounts: [] });
const targets = (health: string) => JSON.stringify({ status: "success", data: { activeTargets: [{ labels: { node: "vm100", job: "node" }, scrapeUrl: "http://vm100:9100/metrics", health }] } });

function vm100(o: { state?: string; fstype?: string; health?: string; running?: boolean; access?: string; inspect?: string } = {}): Answers {
  return [
    [/^true$/, {}],
    // Before is-system-running: the failed-units probe asks it too, on its own last line.
    [/list-units --failed/, { stdout: "mnt-media.mount loaded failed failed /mnt/media\nhlc-system-state degraded\n" }],
    [/is-system-running/, { stdout: `${o.state ?? "running"}\n`, code: o.state && o.state !== "running" ? 1 : 0 }],
    [/ss -Hltn/, { stdout: "LISTEN 0 4096 192.168.1.10:8096 0.0.0.0:*\n" }],
    [/docker ps -aq/, { stdout: o.inspect ?? inspect(o.health ?? "healthy", o.running ?? true) + "\n" }],
    [/date \+%s%N/, { stdout: o.access ?? "fail 72\n" }],
    [/@@hlc-netmount/, { stdout: netmounts(o.fstype ?? "fuse.smbfuse") }],
    [/^timeout 20 ls/, { code: 0 }],
  ];
}
const lxc200 = (health = "up"): Answers => [[/api\/v1\/targets/, { stdout: targets(health) }]];

describe("checkConvergence", () => {
  it("is converged when the system runs, the share mounts and reads, containers are healthy and Prometheus has the node up", async () => {
    const r = await checkConvergence(inventory, "vm100", {}, fakePool({ vm100: vm100(), lxc200: lxc200() }));
    expect(r).toMatchObject({ converged: true, problems: [] });
  });

  it("names each thing that has not converged: degraded system with its failed units, unhealthy container, target down", async () => {
    const r = await checkConvergence(inventory, "vm100", {}, fakePool({ vm100: vm100({ state: "degraded", health: "unhealthy" }), lxc200: lxc200("down") }));
    expect(r.converged).toBe(false);
    expect(r.problems).toEqual([
      "system: expected running; actual degraded (failed: mnt-media.mount)",
      "container jellyfin: expected healthy; actual unhealthy",
      "monitoring node http://vm100:9100/metrics: expected up; actual down",
    ]);
  });

  it("does not count an automount point alone as a mounted share", async () => {
    const r = await checkConvergence(inventory, "vm100", {}, fakePool({ vm100: vm100({ fstype: "" }), lxc200: lxc200() }));
    expect(r.problems).toEqual(["mount /mnt/media (//vm102/media): expected mounted on access; actual not mounted"]);
  });

  it("storage down: accepts degraded and unhealthy, and requires access to FAIL within the bound", async () => {
    const expectDown = { system: ["running", "degraded"], mounts: "fail-fast" as const, failFastMs: 5000, containers: "running" as const };
    const ok = await checkConvergence(inventory, "vm100", expectDown, fakePool({ vm100: vm100({ state: "degraded", health: "unhealthy" }), lxc200: lxc200() }));
    expect(ok).toMatchObject({ converged: true, measured: { "access /mnt/media ms": 72 } });
    const hang = await checkConvergence(inventory, "vm100", expectDown, fakePool({ vm100: vm100({ access: "fail 20004\n" }), lxc200: lxc200() }));
    expect(hang.problems).toEqual(["mount /mnt/media: expected access to fail within 5000 ms; actual 20004 ms"]);
    const plainDir = await checkConvergence(inventory, "vm100", expectDown, fakePool({ vm100: vm100({ access: "ok 2\n" }), lxc200: lxc200() }));
    expect(plainDir.problems).toEqual(["mount /mnt/media: expected access to fail (storage down); actual it succeeded"]);
  });

  // Real podman 4.3 output (fixtures/captured/containers): jellyfin right after `podman restart`
  // (`starting`, its newest health log entry from the previous run), then after its first check.
  // podman 4.3 resets the status to `starting` at a start; an engine that kept the last status
  // would show the first capture as `healthy`: convergence must not accept that either.
  it("does not accept a healthy status that predates the container's current start", async () => {
    const cap = (f: string) => readFileSync(`fixtures/captured/containers/${f}`, "utf8");
    const staleText = cap("format-vm100-after-restart-stale.jsonl");
    const starting = await checkConvergence(inventory, "vm100", {}, fakePool({ vm100: vm100({ inspect: staleText }), lxc200: lxc200() }));
    expect(starting.problems).toEqual(["container jellyfin: expected healthy; actual starting"]);
    const keptHealthy = staleText.replace(/("Name":"jellyfin".*?"Health":\{"Status":)"starting"/, '$1"healthy"');
    expect(keptHealthy).not.toBe(staleText);
    const stale = await checkConvergence(inventory, "vm100", {}, fakePool({ vm100: vm100({ inspect: keptHealthy }), lxc200: lxc200() }));
    expect(stale.converged).toBe(false);
    expect(stale.problems).toHaveLength(1);
    expect(stale.problems[0]).toMatch(/^container jellyfin: expected healthy by a health check since its start \(2026-11-25T\S+\); actual healthy, but its last health check started 2026-11-25T\S+ \(stale: before that start\)$/);
    const fresh = await checkConvergence(inventory, "vm100", {}, fakePool({ vm100: vm100({ inspect: cap("format-vm100-after-restart-fresh.jsonl") }), lxc200: lxc200() }));
    expect(fresh).toMatchObject({ converged: true, problems: [] });
    // "running" mode (storage down) does not judge health at all.
    const running = await checkConvergence(inventory, "vm100", { containers: "running" }, fakePool({ vm100: vm100({ inspect: keptHealthy }), lxc200: lxc200() }));
    expect(running).toMatchObject({ converged: true });
  });

  it("reports an unreachable node as not converged instead of throwing", async () => {
    const pool = { get: (n: string) => ({ node: n, exec: async () => { throw new Error(`${n}: connect ECONNREFUSED`); }, close: async () => {} }), closeAll: async () => {} } as unknown as TransportPool;
    const r = await checkConvergence(inventory, "vm100", {}, pool);
    expect(r).toMatchObject({ converged: false, problems: ["ssh: expected a command to run; actual vm100: connect ECONNREFUSED"] });
  });
});
