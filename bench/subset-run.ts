// The project's engine on a named subset of its invariants, as one process: load the inventory,
// import only the spec files declaring them, gather on every node only the probes they read (one
// connection per node, one round trip, nodes concurrently), judge every (invariant, node) pair.
// The benchmark times it from outside against testinfra doing the same checks (bench/peer.bench.ts).
//   tsx bench/subset-run.ts INVENTORY ID[,ID...]    prints {checks, passed, failed, skipped, gatherMs}
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { probePlan } from "../helpers/facts/plan.ts";
import { gatherWithPool } from "../helpers/facts/run.ts";
import { loadInventory } from "../helpers/inventory/load.ts";
import { evaluate } from "../helpers/spec/evaluate.ts";
import { readHostLimits } from "../helpers/spec/limits.ts";
import { declared, registryMode } from "../helpers/spec/registry.ts";
import { setRunContext } from "../helpers/spec/run-context.ts";
import { TransportPool } from "../helpers/transport/pool.ts";

const [file, idList] = process.argv.slice(2);
if (!file || !idList) {
  console.error("usage: tsx bench/subset-run.ts INVENTORY ID[,ID...]");
  process.exit(2);
}
const ids = new Set(idList.split(","));

const specFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? specFiles(join(dir, e.name)) : e.name.endsWith(".spec.ts") ? [join(dir, e.name)] : []));

// Only the spec files that declare one of the ids (declare-only, as the conformance document does).
registryMode.catalogOnly = true;
for (const f of specFiles(resolve("specs"))) {
  const declares = [...readFileSync(f, "utf8").matchAll(/id: "([A-Z]+-\d{3})"/g)].some((m) => ids.has(m[1]!));
  if (declares) await import(pathToFileURL(f).href);
}
const subset = declared.filter((d) => ids.has(d.meta.id));
const missing = [...ids].filter((id) => !subset.some((d) => d.meta.id === id));
if (missing.length) throw new Error(`no spec declares ${missing.join(", ")}`);

const inventory = loadInventory(file);
// The probes those invariants read, as the run's planner builds them for each node (paths and
// units from its declarations): the same commands the whole run sends, and no others.
const wanted = new Set(subset.flatMap((d) => d.def.probes.map((p) => p.name)));
const pool = new TransportPool(inventory);
const limits = readHostLimits();
try {
  const facts = await gatherWithPool(inventory, pool, {}, (n, inv) => probePlan(n, inv).filter((p) => wanted.has(p.name)));
  setRunContext({ inventory, facts, target: "live", limits });
  const counts = { checks: 0, passed: 0, failed: 0, skipped: 0, gatherMs: Math.round(facts.durationMs) };
  for (const d of subset) {
    for (const node of inventory.nodes.filter((n) => d.def.appliesTo(n))) {
      const v = evaluate(d.meta, d.def, node, facts.nodes[node.name], limits);
      if (v.status === "skipped") counts.skipped++;
      else {
        counts.checks++;
        if (v.status === "passed") counts.passed++;
        else {
          counts.failed++;
          console.error(v.message);
        }
      }
    }
  }
  console.log(JSON.stringify(counts));
} finally {
  await pool.closeAll();
}
