// The live reboot entry point (issue #5 item 6, §3.3, §6 "after major changes"):
//   npm run conformance -- --inventory FILE --reboot NODE --confirm-reboot NODE
// reboots ONE node that the inventory allows (`reboot: { allowed: true, convergeWithin: 5m }`)
// and the operator confirmed by name (flag or HLC_CONFIRM_REBOOT=NODE), over SSH
// (`systemctl reboot`, through `sudo -n` when the node's ssh.sudo says so), waits for the
// connection to drop, then for SSH to answer with a NEW boot id (/proc/sys/kernel/random/boot_id),
// then polls the convergence checks (index.ts) until converged or the declared time passes.
// The caller records the time in reports/convergence.json and runs the suite.
import type { Inventory, NodeDecl } from "../inventory/types.ts";
import { TransportPool } from "../transport/pool.ts";
import type { Transport } from "../transport/types.ts";
import { awaitConvergence, type ConvergenceResult, type Expectation } from "./index.ts";

export type RebootDecision = { ok: true; node: NodeDecl; boundSec: number; expect: Expectation } | { ok: false; reason: string };

/**
 * May the suite reboot this node? Only when the inventory allows it AND the operator named the
 * same node in the confirmation. Never a hypervisor (it takes every guest down with it) nor an
 * LXC reached through `pct` (no SSH of its own to reboot it over).
 */
export function decideReboot(inventory: Inventory, nodeName: string, confirmed: string | undefined): RebootDecision {
  const node = inventory.nodes.find((n) => n.name === nodeName);
  if (!node) return { ok: false, reason: `${nodeName} is not a node of ${inventory.file} (nodes: ${inventory.nodes.map((n) => n.name).join(", ")})` };
  if (!node.reboot?.allowed) {
    return { ok: false, reason: `${nodeName} does not allow reboots: declare \`reboot: { allowed: true, convergeWithin: 5m }\` on it in ${inventory.file}` };
  }
  if (confirmed !== nodeName) {
    return {
      ok: false,
      reason: `rebooting ${nodeName} is disruptive: confirm it with --confirm-reboot ${nodeName} (or HLC_CONFIRM_REBOOT=${nodeName})${confirmed ? `; the confirmation names ${confirmed}` : ""}`,
    };
  }
  if (node.role === "hypervisor") return { ok: false, reason: `${nodeName} is a hypervisor: rebooting it takes every guest down; reboot its guests one at a time instead` };
  if (!node.ssh) return { ok: false, reason: `${nodeName} is reached through pct on ${node.pct?.host}: only nodes with their own ssh can be rebooted by the suite` };
  return {
    ok: true,
    node,
    boundSec: node.reboot.convergeWithinSec,
    expect: { system: node.reboot.allowDegraded ? ["running", "degraded"] : ["running"] },
  };
}

/**
 * Which boot of the node this is: the kernel's boot id, and the start time of PID 1 (clock ticks
 * since the kernel booted, field 22 of /proc/1/stat). A VM's reboot changes the first; a
 * container shares its host's kernel, so its boot id never changes, but a new init (the lab's
 * "reboot", an LXC's restart) changes the second. Either change is a new boot.
 */
export const BOOT_ID_COMMAND = `printf '%s/%s\\n' "$(cat /proc/sys/kernel/random/boot_id)" "$(sed 's/.*) //' /proc/1/stat | cut -d' ' -f20)"`;

export async function readBootId(t: Transport, timeoutMs = 5000): Promise<string> {
  const r = await withTimeout(t.exec(BOOT_ID_COMMAND, { timeoutMs }), timeoutMs + 5000, `${t.node}: boot id`);
  const id = r.stdout.trim();
  if (r.code !== 0 || !/^[0-9a-f-]{36}\/\d+$/.test(id)) throw new Error(`${t.node}: cannot read the boot id: ${r.stderr.trim() || id || `exit ${r.code}`}`);
  return id;
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`${what}: no answer within ${ms} ms`)), ms).unref())]);

export interface RebootWait {
  /** When the node stopped answering (ms after the start); undefined if it came back before a probe saw it down. */
  downAfterMs?: number;
  /** When it answered with a new boot id (ms after the start). */
  upAfterMs: number;
  bootId: string;
  probes: number;
}

/**
 * Wait for a reboot through a boot-id probe (which throws while the node does not answer): first
 * for the node to go away (or to answer with another boot id already), then for it to answer
 * with a boot id other than `before`. Throws when the deadline passes: the reboot was ignored, or
 * the node did not come back.
 */
export async function awaitReboot(
  probe: () => Promise<string>,
  before: string,
  options: { deadline: number; intervalMs?: number; now?: () => number; sleep?: (ms: number) => Promise<void> },
): Promise<RebootWait> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const start = now();
  let probes = 0;
  let downAfterMs: number | undefined;
  let lastError = "";
  for (;;) {
    probes++;
    try {
      const id = await probe();
      if (id !== before) return { downAfterMs, upAfterMs: now() - start, bootId: id, probes };
      if (downAfterMs !== undefined) lastError = "it answers with the OLD boot id";
    } catch (e) {
      downAfterMs ??= now() - start;
      lastError = (e as Error).message;
    }
    if (now() >= options.deadline) {
      throw new Error(
        downAfterMs === undefined
          ? `the node never went down (boot id still ${before}): the reboot was not carried out`
          : `the node went down after ${(downAfterMs / 1000).toFixed(1)} s but did not answer with a new boot id in time (last: ${lastError})`,
      );
    }
    await sleep(options.intervalMs ?? 1000);
  }
}

export interface LiveRebootResult {
  node: string;
  bootIdBefore: string;
  bootIdAfter?: string;
  /** Seconds from `systemctl reboot` until the node stopped answering / answered with a new boot id. */
  downSec?: number;
  upSec?: number;
  /** The convergence after it (its `seconds` run from the reboot). */
  convergence?: ConvergenceResult;
  converged: boolean;
  /** From the reboot until converged (or until giving up). */
  seconds: number;
  error?: string;
}

/**
 * Reboot the node over SSH, wait for the new boot, then for convergence, all within the declared
 * bound (`refresh` re-reads the inventory for each poll).
 */
export async function rebootLive(
  inventory: Inventory,
  decision: Extract<RebootDecision, { ok: true }>,
  options: { refresh?: () => Promise<Inventory>; log?: (line: string) => void; intervalMs?: number } = {},
): Promise<LiveRebootResult> {
  const log = options.log ?? (() => {});
  const name = decision.node.name;
  const pool = new TransportPool(inventory);
  const t = pool.get(name);
  const bootIdBefore = await readBootId(t);
  log(`${name}: boot id ${bootIdBefore}; rebooting (systemctl reboot${decision.node.ssh?.sudo ? " through sudo -n" : ""}), bound ${decision.boundSec} s`);
  const since = Date.now();
  const deadline = since + decision.boundSec * 1000;
  const base = { node: name, bootIdBefore };
  try {
    // The connection may drop before the answer: that is the reboot, not an error.
    const r = await t.exec("systemctl reboot", { timeoutMs: 15_000 }).catch(() => undefined);
    if (r && r.code !== 0) throw new Error(`systemctl reboot failed on ${name} (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
    // Until it drops, the existing connection answers; after, each probe opens a new one (and
    // fails while the node is down).
    let dropped = false;
    const probe = async (): Promise<string> => {
      if (!dropped) {
        try {
          return await readBootId(t);
        } catch (e) {
          dropped = true;
          await pool.closeAll();
          throw e;
        }
      }
      const fresh = new TransportPool(options.refresh ? await options.refresh() : inventory);
      try {
        return await readBootId(fresh.get(name));
      } finally {
        await fresh.closeAll();
      }
    };
    const wait = await awaitReboot(probe, bootIdBefore, { deadline, intervalMs: options.intervalMs ?? 1000 });
    log(`${name}: ${wait.downAfterMs !== undefined ? `down after ${(wait.downAfterMs / 1000).toFixed(1)} s, ` : ""}back with boot id ${wait.bootId} after ${(wait.upAfterMs / 1000).toFixed(1)} s`);
    await pool.closeAll();
    const inv = options.refresh ? await options.refresh() : inventory;
    const convergence = await awaitConvergence(inv, name, {
      since,
      timeoutMs: decision.boundSec * 1000,
      expect: decision.expect,
      refresh: options.refresh,
      log,
      intervalMs: options.intervalMs,
    });
    return {
      ...base,
      bootIdAfter: wait.bootId,
      ...(wait.downAfterMs !== undefined ? { downSec: wait.downAfterMs / 1000 } : {}),
      upSec: wait.upAfterMs / 1000,
      convergence,
      converged: convergence.converged,
      seconds: convergence.seconds,
      ...(convergence.converged ? {} : { error: `not converged within ${decision.boundSec} s: ${convergence.last.problems.join("; ")}` }),
    };
  } catch (e) {
    return { ...base, converged: false, seconds: (Date.now() - since) / 1000, error: (e as Error).message };
  } finally {
    await pool.closeAll();
  }
}
