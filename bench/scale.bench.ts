// `npm run bench:scale`: the suite over N light nodes (hlc/systemd: systemd, sshd, node-exporter),
// N = 7, 25, 50 (HLC_SCALE_NS="7 25 50"), a light inventory (declared listeners: loopback binds and
// undeclared listeners; failed units; an identity), so it measures the suite rather than the
// nodes. Per N: `npm run conformance -- --inventory <lab>` end to end with the report, median of
// HLC_BENCH_ROUNDS (3) runs: wall, gather, CPU time, connections, peak RSS of the run's largest process, the
// nodes' own memory; then the marginal cost of one more node. Writes reports/bench/scale.json.
import { execa } from "execa";
import { mkdirSync, writeFileSync } from "node:fs";
import { startLab, type LabNodeSpec } from "../fixtures/lab/lab.ts";
import { conformanceOnce, machineLoad, median, type RunOnce } from "./run-once.ts";

const NS = (process.env.HLC_SCALE_NS ?? "7 25 50").split(/[\s,]+/).filter(Boolean).map(Number);
const ROUNDS = Number(process.env.HLC_BENCH_ROUNDS ?? 3);

const lightNode = (i: number): LabNodeSpec => ({
  name: `n${String(i).padStart(2, "0")}`,
  role: "service",
  layer: 3,
  image: "systemd",
  services: [
    { name: "sshd", port: 22, scope: "lan", process: "sshd" },
    { name: "node-exporter", port: 9100, scope: "lan" },
    { name: "app", port: 8080, scope: "loopback" },
  ],
  listeners: ["127.0.0.1:8080"],
  declare: { identities: [{ name: "root", uid: 0, gid: 0 }] },
});

async function nodesMemoryMb(labId: string): Promise<number> {
  const ids = (await execa("docker", ["ps", "-q", "--filter", `label=hlc.lab=${labId}`])).stdout.split("\n").filter(Boolean);
  const r = await execa("docker", ["stats", "--no-stream", "--format", "{{.MemUsage}}", ...ids]);
  const mib = r.stdout.split("\n").map((l) => {
    const [v, unit] = /^([\d.]+)\s*([KMG]i?B)/.exec(l)?.slice(1) ?? ["0", "MiB"];
    return Number(v) * (unit!.startsWith("G") ? 1024 : unit!.startsWith("K") ? 1 / 1024 : 1);
  });
  return Math.round(mib.reduce((a, b) => a + b, 0));
}

interface Row {
  nodes: number;
  results: number;
  failed: number;
  wallMs: number;
  gatherMs: number;
  connections: number;
  cpuMs: number;
  peakRssMb: number;
  nodesMemoryMb: number;
  labStartMs: number;
  phases: RunOnce["phases"];
  load: ReturnType<typeof machineLoad>;
  walls: number[];
}

const rows: Row[] = [];
mkdirSync("reports/bench", { recursive: true });
for (const n of NS) {
  const t0 = Date.now();
  const lab = await startLab(Array.from({ length: n }, (_, i) => lightNode(i + 1)), { id: `scale${n}-${process.pid}` });
  const labStartMs = Date.now() - t0;
  try {
    await conformanceOnce(lab.inventoryFile); // warm-up: caches, page cache, first connections' host keys
    const runs: RunOnce[] = [];
    for (let i = 0; i < ROUNDS; i++) runs.push(await conformanceOnce(lab.inventoryFile));
    const mid = [...runs].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(runs.length / 2)]!;
    const row: Row = {
      nodes: n,
      results: mid.counts.total ?? 0,
      failed: mid.counts.failed ?? 0,
      wallMs: median(runs.map((r) => r.wallMs)),
      gatherMs: median(runs.map((r) => r.gatherMs)),
      connections: mid.connections,
      cpuMs: median(runs.map((r) => r.cpuMs)),
      peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
      nodesMemoryMb: await nodesMemoryMb(lab.id),
      labStartMs,
      phases: mid.phases,
      load: machineLoad(),
      walls: runs.map((r) => r.wallMs),
    };
    rows.push(row);
    console.log(`N=${n}: wall ${row.wallMs} ms (${row.walls.join(", ")}), gather ${row.gatherMs} ms, ${row.connections} connections, ${row.results} results (${row.failed} failed), peak RSS ${row.peakRssMb} MB, nodes ${row.nodesMemoryMb} MiB, load ${row.load.load1}`);
  } finally {
    await lab.stop();
  }
}

const first = rows[0];
const last = rows.at(-1);
const marginal =
  first && last && last.nodes > first.nodes
    ? {
        wallMsPerNode: Math.round(((last.wallMs - first.wallMs) / (last.nodes - first.nodes)) * 10) / 10,
        gatherMsPerNode: Math.round(((last.gatherMs - first.gatherMs) / (last.nodes - first.nodes)) * 10) / 10,
        cpuMsPerNode: Math.round(((last.cpuMs - first.cpuMs) / (last.nodes - first.nodes)) * 10) / 10,
        peakRssMbPerNode: Math.round(((last.peakRssMb - first.peakRssMb) / (last.nodes - first.nodes)) * 100) / 100,
      }
    : undefined;
writeFileSync("reports/bench/scale.json", JSON.stringify({ rounds: ROUNDS, rows, marginal }, null, 2) + "\n");
console.log("\n| nodes | results | wall ms | gather ms | CPU ms (all processes) | SSH connections | peak RSS (largest process) | nodes' memory | load |");
console.log("|---|---|---|---|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.nodes} | ${r.results} | ${r.wallMs} | ${r.gatherMs} | ${r.cpuMs} | ${r.connections} | ${r.peakRssMb} MB | ${r.nodesMemoryMb} MiB | ${r.load.load1} |`);
if (marginal) console.log(`\nmarginal cost of a node (${first!.nodes} → ${last!.nodes}): ${marginal.wallMsPerNode} ms wall, ${marginal.gatherMsPerNode} ms gather, ${marginal.cpuMsPerNode} ms CPU, ${marginal.peakRssMbPerNode} MB peak RSS`);
console.log("written reports/bench/scale.json");
