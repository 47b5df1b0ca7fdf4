// Convergence after a reboot (§3.3 "after boot the lab converges by itself", §6 "after major
// changes", issue "Reboot safety" item 6): reboot one node through a pluggable action, then poll
// it OVER SSH, through the suite's own transport and probes, until it has converged, and report
// how long that took.
//
// "Converged" for a node (checkConvergence below) means, each part selectable by Expectation:
//   - ssh:        the SSH port answers and a command runs;
//   - system:     `systemctl is-system-running` is `running` (or `degraded`, when allowed);
//   - mounts:     every network mount the node declares (inventory `mounts`) is mounted on first
//                 access (helpers/probes/network-mounts.ts triggers it with `ls`, findmnt shows a
//                 non-autofs filesystem at the path) — or, `expect.mounts: "fail-fast"`, access
//                 FAILS within a bound instead of hanging (storage down);
//   - storage:    the node's storage pool (inventory `storage.mergerfs`: the mountpoint and its
//                 branches) is mounted;
//   - listeners:  every declared service with a fixed TCP port is listening (ss), e.g. smbd 445;
//   - containers: every declared container (inventory `containers`) is running and, when it has a
//                 healthcheck, healthy by a check that ran since its current start (a restart
//                 keeps the last status: `State.Health.Log[-1].Start` >= `State.StartedAt`);
//                 or, `"running"`, merely running (health may lag behind a dead share);
//   - monitoring: the monitoring node's Prometheus reports the node's targets up.
//
// A reboot is an action, not a transport: `RebootAction` is `(node) => Promise<void>`. The lab
// passes `docker restart`; the inventory is re-read after it (`refresh`), because a container's
// published SSH port can change across a restart.
//
// The live entry point (live.ts, `npm run conformance -- --inventory FILE --reboot NODE
// --confirm-reboot NODE`):
//   - It reboots ONLY a node that opts in: the node carries `reboot: { allowed: true,
//     convergeWithin: 5m }` (helpers/inventory/sections/reboot.ts) AND the operator names the
//     node in `--confirm-reboot NODE` (or HLC_CONFIRM_REBOOT=NODE). Never a hypervisor, never an
//     LXC reached through pct. Without both it refuses (exit 2) and nothing is touched.
//   - The reboot is `systemctl reboot` over the node's own SSH connection (through `sudo -n` when
//     ssh.sudo); then it waits for that connection to drop and for SSH to answer with a NEW boot
//     id (kernel boot id + PID 1 start time, so a container's restart counts too), then
//     `awaitConvergence` with the node's declared bound, the clock starting at the reboot.
//   - The result goes to reports/convergence.json as a `{scenario: "live-reboot", node, seconds,
//     converged, ...}` record; then the normal conformance suite runs.
import type { Inventory, NodeDecl } from "../inventory/types.ts";
import { containers as containersProbe, healthIsFresh, type ContainerInfo } from "../probes/containers.ts";
import { mounts as findmntProbe } from "../probes/mounts.ts";
import { networkMounts } from "../probes/network-mounts.ts";
import { prometheusTargets } from "../probes/prometheus.ts";
import { failedUnits } from "../probes/systemd.ts";
import type { Probe } from "../probes/types.ts";
import { shQuote } from "../transport/shell.ts";
import { TransportPool } from "../transport/pool.ts";
import type { Transport } from "../transport/types.ts";

export interface Expectation {
  /** `is-system-running` states accepted. Default ["running"]. */
  system?: string[];
  /** Declared network mounts: mounted on access (default), fail fast, or not checked. */
  mounts?: "mounted" | "fail-fast" | "skip";
  /** Bound for one failing access in "fail-fast" mode. Default 5000 ms. */
  failFastMs?: number;
  /** Declared containers: running and healthy by a check since their start (default), merely running, or not checked. */
  containers?: "healthy" | "running" | "skip";
  /** The monitoring node's Prometheus reports this node's targets up. Default true. */
  monitoring?: boolean;
  /** Declared storage pool and its branches mounted. Default true (when declared). */
  storage?: boolean;
  /** Declared fixed TCP services listening. Default true. */
  listeners?: boolean;
}

export interface ConvergenceCheck {
  node: string;
  converged: boolean;
  /** One line per thing not yet converged: what, expected, actual. Empty when converged. */
  problems: string[];
  /** Measurements made on the way (e.g. the fail-fast access time). */
  measured: Record<string, number>;
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`${what}: no answer within ${ms} ms`)), ms).unref())]);

async function run<T>(t: Transport, probe: Probe<T>, timeoutMs = 30_000): Promise<T> {
  const r = await t.exec(probe.command, { timeoutMs });
  return probe.parse({ stdout: r.stdout, stderr: r.stderr, code: r.code });
}

/** One read-only look at a node: is it converged, and if not, why not. */
export async function checkConvergence(inventory: Inventory, nodeName: string, expect: Expectation = {}, pool?: TransportPool): Promise<ConvergenceCheck> {
  const node = inventory.nodes.find((n) => n.name === nodeName);
  if (!node) throw new Error(`checkConvergence: ${nodeName} is not in the inventory`);
  const own = pool ?? new TransportPool(inventory);
  const problems: string[] = [];
  const measured: Record<string, number> = {};
  try {
    const t = own.get(nodeName);
    // ssh: the port answers and a command runs.
    try {
      await withTimeout(t.exec("true", { timeoutMs: 5000 }), 10_000, "ssh");
    } catch (e) {
      return { node: nodeName, converged: false, problems: [`ssh: expected a command to run; actual ${(e as Error).message}`], measured };
    }
    await checkSystem(t, expect, problems);
    if (expect.storage !== false && node.storage) await checkStorage(t, node, problems);
    if (expect.listeners !== false) await checkListeners(t, node, problems);
    await checkContainers(t, node, expect, problems);
    if (expect.monitoring !== false) await checkMonitoring(own, inventory, node, problems);
    // Last, and only when all else holds (see AwaitOptions.accessIntervalMs): every access to a
    // dead automount is a start of its .mount unit, and systemd's start limit counts them.
    if (problems.length === 0) await checkMounts(t, node, expect, problems, measured);
  } catch (e) {
    problems.push(`check: ${(e as Error).message}`);
  } finally {
    if (!pool) await own.closeAll();
  }
  return { node: nodeName, converged: problems.length === 0, problems, measured };
}

async function checkSystem(t: Transport, expect: Expectation, problems: string[]): Promise<void> {
  const accepted = expect.system ?? ["running"];
  const r = await t.exec("systemctl is-system-running", { timeoutMs: 10_000 });
  const state = r.stdout.trim();
  if (accepted.includes(state)) return;
  let failed = "";
  if (state === "degraded") {
    const f = await run(t, failedUnits).catch(() => undefined);
    if (f?.systemd) failed = ` (failed: ${f.units.map((u) => u.unit).join(", ")})`;
  }
  problems.push(`system: expected ${accepted.join(" or ")}; actual ${state || r.stderr.trim()}${failed}`);
}

async function checkMounts(t: Transport, node: NodeDecl, expect: Expectation, problems: string[], measured: Record<string, number>): Promise<void> {
  const declared = node.mounts ?? [];
  const mode = expect.mounts ?? "mounted";
  if (declared.length === 0 || mode === "skip") return;
  if (mode === "fail-fast") {
    const bound = expect.failFastMs ?? 5000;
    for (const m of declared) {
      // The node's own clock times the access, so SSH latency is not counted.
      const cmd = `s=$(date +%s%N); if timeout 60 ls -- ${shQuote(m.path + "/")} >/dev/null 2>&1; then r=ok; else r=fail; fi; e=$(date +%s%N); echo "$r $(( (e - s) / 1000000 ))"`;
      const out = (await t.exec(cmd, { timeoutMs: 70_000 })).stdout.trim();
      const [result, ms] = out.split(" ");
      measured[`access ${m.path} ms`] = Number(ms);
      if (result !== "fail") problems.push(`mount ${m.path}: expected access to fail (storage down); actual it succeeded`);
      else if (!(Number(ms) < bound)) problems.push(`mount ${m.path}: expected access to fail within ${bound} ms; actual ${ms} ms`);
    }
    return;
  }
  const fact = await run(t, networkMounts(declared.map((m) => m.path), []));
  for (const m of declared) {
    const live = fact.mounts.filter((x) => x.target === m.path && x.fstype !== "autofs");
    if (live.length === 0) {
      problems.push(`mount ${m.path} (${m.source}): expected mounted on access; actual not mounted`);
      continue;
    }
    // A mount left over from before the storage went away is listed but not readable: read it.
    const r = await t.exec(`timeout 20 ls -- ${shQuote(m.path + "/")} 2>&1 >/dev/null`, { timeoutMs: 30_000 });
    if (r.code !== 0) problems.push(`mount ${m.path} (${m.source}): expected readable; actual ${r.stdout.trim() || `exit ${r.code}`}`);
  }
}

async function checkStorage(t: Transport, node: NodeDecl, problems: string[]): Promise<void> {
  const pool = node.storage!.mergerfs;
  if (pool) {
    const all = await run(t, findmntProbe);
    for (const p of [pool.mountpoint, ...pool.branches]) {
      if (!all.some((m) => m.target === p)) problems.push(`storage ${p}: expected mounted; actual not mounted`);
    }
  }
  const snapraid = node.storage!.snapraid;
  if (snapraid) {
    // The array is usable once its content files (snapraid.conf `content` lines) are there again.
    const cmd = `n=0; for f in $(sed -n 's/^[[:space:]]*content[[:space:]][[:space:]]*//p' ${shQuote(snapraid.config)}); do n=$((n+1)); [ -s "$f" ] || echo "$f"; done; [ "$n" -gt 0 ] || echo "(no content line in ${snapraid.config})"`;
    const missing = (await t.exec(cmd, { timeoutMs: 10_000 })).stdout.trim();
    if (missing) problems.push(`snapraid content: expected present; actual missing ${missing.split("\n").join(", ")}`);
  }
}

async function checkListeners(t: Transport, node: NodeDecl, problems: string[]): Promise<void> {
  const fixed = node.services.filter((s) => typeof s.port === "number" && (s.proto ?? "tcp") === "tcp");
  if (fixed.length === 0) return;
  const out = (await t.exec("ss -Hltn", { timeoutMs: 10_000 })).stdout;
  // `ss -Hltn`: State Recv-Q Send-Q Local:Port Peer:Port
  const ports = new Set(out.split("\n").map((l) => /:(\d+)$/.exec(l.trim().split(/\s+/)[3] ?? "")?.[1]).filter(Boolean));
  for (const s of fixed) if (!ports.has(String(s.port))) problems.push(`service ${s.name} tcp/${s.port}: expected listening; actual not listening`);
}

async function checkContainers(t: Transport, node: NodeDecl, expect: Expectation, problems: string[]): Promise<void> {
  const mode = expect.containers ?? "healthy";
  const declared = node.containers ?? [];
  if (declared.length === 0 || mode === "skip") return;
  const live: ContainerInfo[] = await run(t, containersProbe);
  for (const d of declared) {
    const c = live.find((x) => x.name === d.name);
    if (!c) problems.push(`container ${d.name}: expected running; actual absent`);
    else if (!c.running) problems.push(`container ${d.name}: expected running; actual ${c.status}`);
    else if (mode === "healthy" && c.health !== undefined && c.health !== "healthy") problems.push(`container ${d.name}: expected healthy; actual ${c.health}`);
    else if (mode === "healthy" && c.health !== undefined && healthIsFresh(c) !== true) {
      // A restart keeps the last health status: only a check since the current start counts.
      const when = c.lastHealthCheck === undefined ? "no health check on record" : `its last health check started ${c.lastHealthCheck}`;
      problems.push(`container ${d.name}: expected healthy by a health check since its start (${c.startedAt ?? "start time unknown"}); actual ${c.health}, but ${when} (stale: before that start)`);
    }
  }
}

async function checkMonitoring(pool: TransportPool, inventory: Inventory, node: NodeDecl, problems: string[]): Promise<void> {
  const mon = inventory.nodes.find((n) => n.prometheus);
  if (!mon) return; // nothing monitors this homelab: the MON specs say so, not this check
  const label = mon.prometheus!.nodeLabel;
  const targets = await run(pool.get(mon.name), prometheusTargets(mon.prometheus!.url));
  const mine = targets.filter((x) => x.labels[label] === node.name);
  if (mine.length === 0) problems.push(`monitoring: expected a target labelled ${label}="${node.name}" on ${mon.name}; actual none`);
  for (const x of mine.filter((y) => y.health !== "up")) problems.push(`monitoring ${x.job} ${x.scrapeUrl}: expected up; actual ${x.health}`);
}

export interface AwaitOptions {
  expect?: Expectation;
  /** The bound: give up (converged: false) after this long. */
  timeoutMs: number;
  /** Pause between polls. Default 1000 ms. */
  intervalMs?: number;
  /**
   * Least time between two polls that access the declared network mounts. Default 5000 ms.
   * systemd fails a .mount unit that starts more than 5 times in 10 s (StartLimitBurst), and its
   * .automount with it (`mount-start-limit-hit`), after which the path is a plain directory and
   * does NOT recover when the storage returns. The node's own services (healthchecks) access the
   * share too, so a poller must stay well below that rate or it breaks what it measures, on a
   * node that has not turned that limit off (BOOT-007 requires it off; the lab's consumers do).
   */
  accessIntervalMs?: number;
  /** The inventory to use for each poll (re-read after a reboot: ports may move). */
  refresh?: () => Promise<Inventory>;
  /** Start of the clock (default: now), e.g. the moment the reboot was issued. */
  since?: number;
  log?: (line: string) => void;
}

export interface ConvergenceResult {
  node: string;
  converged: boolean;
  /** From `since` until the first converged poll (or until giving up). */
  seconds: number;
  polls: number;
  /** The last check (its problems say what never converged). */
  last: ConvergenceCheck;
}

/** Poll a node until it has converged or the bound has passed. Each poll uses fresh connections. */
export async function awaitConvergence(inventory: Inventory, node: string, options: AwaitOptions): Promise<ConvergenceResult> {
  const since = options.since ?? Date.now();
  const deadline = since + options.timeoutMs;
  let polls = 0;
  let lastAccess = 0;
  const accessEvery = options.accessIntervalMs ?? 5000;
  for (;;) {
    const inv = options.refresh ? await options.refresh().catch(() => inventory) : inventory;
    const decl = inv.nodes.find((n) => n.name === node);
    const accesses = (decl?.mounts?.length ?? 0) > 0 && options.expect?.mounts !== "skip";
    const mayAccess = !accesses || Date.now() - lastAccess >= accessEvery;
    let last = await checkConvergence(inv, node, mayAccess ? options.expect : { ...options.expect, mounts: "skip" });
    polls++;
    if (accesses && mayAccess && (last.problems.length === 0 || Object.keys(last.measured).length > 0 || last.problems.some((p) => p.startsWith("mount ")))) {
      lastAccess = Date.now();
    }
    if (accesses && !mayAccess && last.converged) {
      last = { ...last, converged: false, problems: ["mounts: not accessed yet in this poll (start-limit pacing)"] };
    }
    const seconds = (Date.now() - since) / 1000;
    if (last.converged || Date.now() > deadline) {
      options.log?.(`${node}: ${last.converged ? "converged" : "NOT converged"} after ${seconds.toFixed(1)} s (${polls} polls)${last.converged ? "" : ": " + last.problems.join("; ")}`);
      return { node, converged: last.converged, seconds, polls, last };
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 1000));
  }
}

/** What a reboot is: the lab's `docker restart` (live reboots: live.ts, see the top). */
export type RebootAction = (node: string) => Promise<void>;

/** Reboot a node through the action, then await its convergence; the clock starts at the reboot. */
export async function rebootAndConverge(inventory: Inventory, node: string, reboot: RebootAction, options: Omit<AwaitOptions, "since">): Promise<ConvergenceResult> {
  const since = Date.now();
  await reboot(node);
  return awaitConvergence(inventory, node, { ...options, since });
}

export interface ConvergenceRecord {
  scenario: string;
  node: string;
  seconds: number;
}
