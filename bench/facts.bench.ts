// Benchmark of the gather phase (`npm run bench`): how fast facts come back from real nodes over
// SSH, and what batching and connection reuse buy. Three systemd lab nodes, four probes each
// (sockets, mounts, failed units, accounts), every strategy starting cold (no open connection).
// Run at loopback speed and with 10 ms added round-trip time (a delaying TCP relay in front of
// each node: this kernel has no netem), which is closer to a LAN hop through a jump host or a
// tailnet path.
// Prints a table and writes reports/bench.json.
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { mkdirSync, writeFileSync } from "node:fs";
import { startLab } from "../fixtures/lab/lab.ts";
import { gatherRun } from "../helpers/facts/gather.ts";
import { loadInventory } from "../helpers/inventory/load.ts";
import type { Inventory } from "../helpers/inventory/types.ts";
import { accounts } from "../helpers/probes/accounts.ts";
import { mounts } from "../helpers/probes/mounts.ts";
import { listeningSockets } from "../helpers/probes/sockets.ts";
import { failedUnits } from "../helpers/probes/systemd.ts";
import type { Probe } from "../helpers/probes/types.ts";
import { TransportPool } from "../helpers/transport/pool.ts";

const ROUNDS = Number(process.env.HLC_BENCH_ROUNDS ?? 7);
const probes: Probe<unknown>[] = [listeningSockets, mounts, failedUnits, accounts];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type Strategy = (inv: Inventory) => Promise<{ ms: number; connections: number; connectMs: number[]; roundTripMs: number[] }>;

/** The suite: one connection per node, one batched round trip, nodes in parallel. */
const batched: Strategy = async (inv) => {
  const pool = new TransportPool(inv);
  const facts = await gatherRun(inv, pool, () => probes);
  await pool.closeAll();
  const connectMs = facts.connections.map((c) => c.ms);
  const roundTripMs = Object.values(facts.nodes).map((n) => n.gatherMs - facts.connections.find((c) => c.node === n.node)!.ms);
  return { ms: facts.durationMs, connections: facts.connections.length, connectMs, roundTripMs };
};

/** One connection per node, but a round trip per probe (how per-check tools work). */
const perProbe: Strategy = async (inv) => {
  const pool = new TransportPool(inv);
  const t0 = performance.now();
  await Promise.all(inv.nodes.map(async (n) => { for (const p of probes) await pool.get(n.name).exec(p.command); }));
  const ms = performance.now() - t0;
  await pool.closeAll();
  return { ms, connections: pool.stats.connections.length, connectMs: [], roundTripMs: [] };
};

/** A new SSH connection for every probe (no multiplexing at all). */
const connectionPerProbe: Strategy = async (inv) => {
  let connections = 0;
  const t0 = performance.now();
  await Promise.all(inv.nodes.map(async (n) => {
    for (const p of probes) {
      const one = new TransportPool(inv);
      await one.get(n.name).exec(p.command);
      connections += one.stats.connections.length;
      await one.closeAll();
    }
  }));
  return { ms: performance.now() - t0, connections, connectMs: [], roundTripMs: [] };
};

/** A TCP relay to 127.0.0.1:port that holds every chunk oneWayMs in each direction. */
async function delayRelay(port: number, oneWayMs: number): Promise<Server> {
  const server = createServer((client) => {
    client.setNoDelay(true);
    const upstream = connect({ host: "127.0.0.1", port });
    upstream.setNoDelay(true);
    const pipe = (from: Socket, to: Socket) => {
      from.on("data", (d) => void setTimeout(() => to.write(d), oneWayMs));
      from.on("end", () => void setTimeout(() => to.end(), oneWayMs));
      from.on("error", () => to.destroy());
    };
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return server;
}

/** The lab's inventory, every node reached through a relay adding rttMs. */
async function withRtt(inv: Inventory, rttMs: number): Promise<{ inv: Inventory; close: () => void }> {
  if (rttMs === 0) return { inv, close: () => {} };
  const relays = await Promise.all(inv.nodes.map((n) => delayRelay(n.ssh!.port, rttMs / 2)));
  const nodes = inv.nodes.map((n, i) => ({ ...n, ssh: { ...n.ssh!, port: (relays[i]!.address() as AddressInfo).port } }));
  // The host keys are pinned, so the relay's port does not matter for trust.
  return { inv: { ...inv, nodes }, close: () => relays.forEach((r) => r.close()) };
}

const node = (name: string) => ({ name, role: "service" as const, layer: 3 as const, image: "systemd", services: [] });
const lab = await startLab([node("alpha"), node("beta"), node("gamma")]);
try {
  const labInv = loadInventory(lab.inventoryFile);
  const results: Record<string, unknown> = {};
  for (const delay of [0, 10]) {
    const { inv, close } = await withRtt(labInv, delay);
    const row: Record<string, { medianMs: number; connections: number }> = {};
    let connect: number[] = [];
    let roundTrip: number[] = [];
    for (const [name, strategy] of Object.entries({ batched, perProbe, connectionPerProbe })) {
      const times: number[] = [];
      let connections = 0;
      for (let i = 0; i < ROUNDS; i++) {
        const r = await strategy(inv);
        times.push(r.ms);
        connections = r.connections;
        if (name === "batched") (connect = connect.concat(r.connectMs)), (roundTrip = roundTrip.concat(r.roundTripMs));
      }
      row[name] = { medianMs: Math.round(median(times)), connections };
    }
    results[`rtt+${delay}ms`] = { ...row, connectMedianMs: Math.round(median(connect)), batchedRoundTripMedianMs: Math.round(median(roundTrip)) };
    console.log(`\nadded RTT ${delay} ms: ${inv.nodes.length} nodes x ${probes.length} probes, median of ${ROUNDS} cold runs`);
    console.table(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, { "wall ms": v.medianMs, "SSH connections": v.connections }])));
    console.log(`suite: SSH connect ${Math.round(median(connect))} ms, batched round trip ${Math.round(median(roundTrip))} ms (medians per node)`);
    close();
  }
  mkdirSync("reports", { recursive: true });
  writeFileSync("reports/bench.json", JSON.stringify({ nodes: labInv.nodes.length, probes: probes.length, rounds: ROUNDS, results }, null, 2) + "\n");
} finally {
  await lab.stop();
}
