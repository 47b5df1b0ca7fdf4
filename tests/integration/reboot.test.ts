// Reboot safety (§3.3, §6 "after major changes"; issue "Reboot safety", item 6): nodes converge
// by themselves after a reboot, in any order, with no manual step. Three scenarios on one lab
// (vm102 storage, vm100 its SMB consumer with two containers, lxc200 monitoring), each checked
// OVER SSH through the suite's transport and probes (helpers/convergence). Every measured time
// goes to reports/convergence.json as {scenario, node, seconds} and is printed.
//
// The bounds below are convergence deadlines — the invariant "converge automatically" itself —
// not speed assertions: they are generous (lab boot ~1–3 s, storage-online waits up to 45 s).
import { mkdirSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awaitConvergence, rebootAndConverge, type ConvergenceRecord, type ConvergenceResult } from "../../helpers/convergence/index.ts";
import { dockerRestart, labInventory, powerOff, powerOn, type LabHandle } from "../../helpers/convergence/lab.ts";
import { defaultLab } from "../../fixtures/lab/default-lab.ts";
import { lacking as lackingFor } from "../../fixtures/lab/hosting.ts";
import { startLab, type Lab } from "../../fixtures/lab/lab.ts";
import { scenario } from "../../fixtures/lab/scenarios.ts";
import { TransportPool } from "../../helpers/transport/pool.ts";

const BOUND_MS = 90_000;
const FAIL_FAST_MS = 5_000;
const TEST_MS = 200_000;

let lab: Lab;
let handle: LabHandle;
const records: ConvergenceRecord[] = [];

const log = (line: string) => console.log(`[reboot] ${line}`);
function record(scenario: string, r: ConvergenceResult, seconds = r.seconds): void {
  records.push({ scenario, node: r.node, seconds: Math.round(seconds * 1000) / 1000 });
  log(`${scenario} ${r.node}: ${seconds.toFixed(3)} s`);
}
const refresh = () => labInventory(handle);
const explain = (r: ConvergenceResult) => `${r.node} did not converge within ${BOUND_MS / 1000} s: ${r.last.problems.join("; ")}`;

/** A scenario this machine cannot host (fixtures/lab/scenarios.ts) is skipped with the reason. */
function hostable(id: string, ctx: { skip(note: string): never }): void {
  const lacking = lackingFor(scenario(id).needs);
  if (lacking.length) ctx.skip(`not hostable here: ${lacking.join("; ")}`);
}

// Lab nodes have static addresses, as a homelab's VMs do: with Docker-assigned ones a rebooted
// vm100 once came back on another address, podman-restart.service could not re-publish on the
// old one and the containers stayed exited. HLC_REBOOT_SCENARIOS=0 skips these scenarios.
const enabled = process.env.HLC_REBOOT_SCENARIOS !== "0";

beforeAll(async () => {
  if (!enabled) return;
  // Without pve: the guests' `proxmox` declarations (which need their hypervisor) are left out.
  const nodes = defaultLab()
    .filter((n) => ["vm102", "vm100", "lxc200"].includes(n.name))
    .map(({ declare, ...n }) => ({ ...n, declare: Object.fromEntries(Object.entries(declare ?? {}).filter(([k]) => k !== "proxmox")) }));
  lab = await startLab(nodes);
  handle = { inventoryFile: lab.inventoryFile, ids: new Map([...lab.containers].map(([n, c]) => [n, c.getId()])) };
  // The conformant lab is converged before anything is rebooted (the criteria hold at rest).
  for (const node of ["vm102", "vm100"]) {
    const r = await awaitConvergence(await refresh(), node, { timeoutMs: BOUND_MS, refresh, log });
    if (!r.converged) throw new Error(`lab not converged at start: ${explain(r)}`);
  }
});

afterAll(async () => {
  if (records.length) {
    mkdirSync("reports", { recursive: true });
    writeFileSync("reports/convergence.json", JSON.stringify(records, null, 2) + "\n");
    console.log("[reboot] convergence times:\n" + records.map((r) => `  ${r.scenario.padEnd(28)} ${r.node.padEnd(6)} ${r.seconds.toFixed(3)} s`).join("\n"));
  }
  await lab?.stop();
});

describe.skipIf(!enabled)("reboot safety: nodes converge after a reboot with no manual step (§3.3)", () => {
  it(
    `1. ${scenario("consumer-reboot-storage-down").title}`,
    async (ctx) => {
      hostable("consumer-reboot-storage-down", ctx);
      await powerOff(handle, "vm102");
      const r = await rebootAndConverge(await refresh(), "vm100", dockerRestart(handle), {
        timeoutMs: BOUND_MS,
        refresh,
        log,
        // Storage is down: the mount unit fails on access, so `degraded` is the honest state;
        // containers run but may be unhealthy (their library is the dead share).
        expect: { system: ["running", "degraded"], mounts: "fail-fast", failFastMs: FAIL_FAST_MS, containers: "running" },
      });
      expect(r.converged, explain(r)).toBe(true);
      record("consumer-reboot-storage-down", r);
      const access = r.last.measured["access /mnt/media ms"]!;
      records.push({ scenario: "consumer-reboot-storage-down:access-fails", node: "vm100", seconds: access / 1000 });
      log(`vm100 ls /mnt/media failed after ${access} ms (bound ${FAIL_FAST_MS} ms)`);
      expect(access).toBeLessThan(FAIL_FAST_MS);
      // BOOT-007: the node's own services access the share as fast as they like. 8 accesses in
      // ~3 s are 8 failed starts of mnt-media.mount: with systemd's default start limit (5 in
      // 10 s) the 6th fails mnt-media.automount for good (mount-start-limit-hit) and /mnt/media
      // turns into an empty directory that reads fine; scenario 2 then proves the share still
      // comes back on access once the storage returns.
      const pool = new TransportPool(await refresh());
      try {
        const t = pool.get("vm100");
        const hammer = await t.exec(`for i in 1 2 3 4 5 6 7 8; do if timeout 20 ls /mnt/media/ >/dev/null 2>&1; then echo ok; else echo fail; fi; sleep 0.3; done`, { timeoutMs: 200_000 });
        const results = hammer.stdout.trim().split("\n");
        log(`vm100 8 accesses to /mnt/media with vm102 off: ${results.join(" ")}`);
        expect(results, "every access fails while the storage is off (none reads an empty directory)").toEqual(Array(8).fill("fail"));
        const units = await t.exec("systemctl show -p ActiveState,Result mnt-media.automount", { timeoutMs: 10_000 });
        expect(units.stdout, "mnt-media.automount is not locked out by the start limit").toContain("ActiveState=active");
      } finally {
        await pool.closeAll();
      }
    },
    TEST_MS,
  );

  it(
    `2. ${scenario("storage-returns").title}`,
    async (ctx) => {
      hostable("storage-returns", ctx);
      const since = Date.now();
      await powerOn(handle, "vm102");
      const [storage, consumer] = await Promise.all([
        awaitConvergence(await refresh(), "vm102", { since, timeoutMs: BOUND_MS, refresh, log }),
        awaitConvergence(await refresh(), "vm100", { since, timeoutMs: BOUND_MS, refresh, log }),
      ]);
      expect(storage.converged, explain(storage)).toBe(true);
      expect(consumer.converged, explain(consumer)).toBe(true);
      record("storage-returns", storage);
      record("storage-returns", consumer);
    },
    TEST_MS,
  );

  it(
    `3. ${scenario("storage-reboot").title}`,
    async (ctx) => {
      hostable("storage-reboot", ctx);
      const since = Date.now();
      await dockerRestart(handle)("vm102");
      const [storage, consumer] = await Promise.all([
        awaitConvergence(await refresh(), "vm102", { since, timeoutMs: BOUND_MS, refresh, log }),
        awaitConvergence(await refresh(), "vm100", { since, timeoutMs: BOUND_MS, refresh, log }),
      ]);
      expect(storage.converged, explain(storage)).toBe(true);
      expect(consumer.converged, explain(consumer)).toBe(true);
      record("storage-reboot", storage);
      record("storage-reboot", consumer);
    },
    TEST_MS,
  );
});
