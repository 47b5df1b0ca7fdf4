// The project's engine on a named subset of its invariants, as one process: the same path as a
// filtered run (helpers/run/run.ts: the inventory once, only the probes those invariants read on
// each node, one connection per node, one round trip, nodes concurrently, each pair judged once).
// The benchmark times it from outside against testinfra doing the same checks (bench/peer.bench.ts).
//   tsx bench/subset-run.ts INVENTORY ID[,ID...]    prints {checks, passed, failed, skipped, gatherMs}
import { runConformance } from "../helpers/run/run.ts";
import { writeSwitch } from "../helpers/run/options.ts";

const [file, idList] = process.argv.slice(2);
if (!file || !idList) {
  console.error("usage: tsx bench/subset-run.ts INVENTORY ID[,ID...]");
  process.exit(2);
}
const ids = idList.split(",");
const run = await runConformance({
  inventoryFile: file,
  options: { target: "live", writes: writeSwitch("live", undefined), nonce: "bench000" },
  scope: { invariants: ids, families: [], nodes: [] },
  ...(process.env.HLC_HOST_LIMITS ? { hostLimitsFile: process.env.HLC_HOST_LIMITS } : {}),
  diagnostics: false,
});
const missing = ids.filter((id) => !run.results.some((r) => r.id === id));
if (missing.length) throw new Error(`no result for ${missing.join(", ")}`);
const counts = { checks: 0, passed: 0, failed: 0, skipped: 0, gatherMs: Math.round(run.facts.durationMs) };
for (const r of run.results) {
  if (r.status === "skipped") counts.skipped++;
  else {
    counts.checks++;
    if (r.status === "passed") counts.passed++;
    else {
      counts.failed++;
      console.error(r.message);
    }
  }
}
console.log(JSON.stringify(counts));
