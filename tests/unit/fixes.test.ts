// The fix for every finding (issue #24): each invariant's meta carries `fix`, and on real findings
// it gives a line an operator can paste or follow, never an empty one or a template gone wrong
// ("undefined", "[object Object]").
//
// Real findings: (1) those of real drifted lab runs, captured in
// fixtures/captured/drifted-findings.json (results.json findings of the drift runs named there);
// (2) those the real checks produce on the captured conformant lab run
// (fixtures/captured/lab-run/run.json) with one probe's output changed to what a drifted or
// broken node prints: the answer cut short, or nothing at all.
import { existsSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { readFact } from "../../helpers/facts/gather.ts";
import type { NodeFacts, RunFacts } from "../../helpers/facts/types.ts";
import type { Inventory } from "../../helpers/inventory/types.ts";
import { loadCatalog, type Declared } from "../../helpers/spec/catalog.ts";
import { DEFAULT_OPTIONS, evaluate, type World } from "../../helpers/spec/evaluate.ts";
import { probesOf, type Scene } from "../../helpers/spec/invariant.ts";
import { writeSwitch } from "../../helpers/run/options.ts";
import type { HostLimit } from "../../helpers/spec/limits.ts";
import type { Finding } from "../../helpers/spec/message.ts";

const run = JSON.parse(readFileSync(new URL("../../fixtures/captured/lab-run/run.json", import.meta.url), "utf8")) as { inventory: Inventory; facts: RunFacts; limits: HostLimit[] };
const DRIFTED = new URL("../../fixtures/captured/drifted-findings.json", import.meta.url);

// The lab run was judged as the lab is: write probes on.
const options = { ...DEFAULT_OPTIONS, target: "lab" as const, writes: writeSwitch("lab", undefined) };
const scene: Scene = { inventory: run.inventory, options };
const world = (facts: RunFacts): World => ({ inventory: run.inventory, nodes: facts.nodes, options });

let catalog: Declared[] = [];
beforeAll(async () => {
  catalog = await loadCatalog();
});

const bad = (fix: string | undefined) => !fix || fix.trim() === "" || /undefined|\[object |NaN/.test(fix);

describe("every finding carries its fix", () => {
  it("every invariant's meta has a fix", () => {
    expect(catalog.length).toBeGreaterThan(40);
    expect(catalog.filter((d) => typeof d.meta.fix !== "function").map((d) => d.meta.id)).toEqual([]);
  });

  it("on the findings of captured drifted lab runs, no fix is empty", () => {
    if (!existsSync(DRIFTED)) return; // captured by hand: see its README entry
    const cap = JSON.parse(readFileSync(DRIFTED, "utf8")) as { results: Array<{ id: string; node: string; findings: Finding[] }> };
    const byId = new Map(catalog.map((d) => [d.meta.id, d]));
    const empty: string[] = [];
    let n = 0;
    for (const r of cap.results) {
      const node = run.inventory.nodes.find((x) => x.name === r.node)!;
      for (const f of r.findings) {
        n++;
        const fix = byId.get(r.id)!.meta.fix!(f, node);
        if (bad(fix)) empty.push(`${r.id} ${r.node} ${f.subject}: ${JSON.stringify(fix)}`);
      }
    }
    expect(n).toBeGreaterThan(0);
    expect(empty).toEqual([]);
  });

  it("on the findings the real checks make of a cut or empty probe answer, no fix is empty", () => {
    const seen = new Map<string, number>();
    const empty: string[] = [];
    for (const node of run.inventory.nodes.filter((n) => run.facts.nodes[n.name]?.reachable)) {
      const plan = new Map(catalog.filter((d) => d.def.appliesTo(node, scene)).flatMap((d) => probesOf(d.def.reads(node, scene))).map((p) => [p.name, p]));
      for (const [name, rec] of Object.entries(run.facts.nodes[node.name]!.facts)) {
        const probe = plan.get(name);
        if (!probe) continue;
        for (const out of [
          { stdout: rec.evidence.stdout.slice(0, Math.floor(rec.evidence.stdout.length / 2)), stderr: "", code: 0 },
          { stdout: "", stderr: "", code: 0 },
        ]) {
          const n = run.facts.nodes[node.name]!;
          const facts: RunFacts = { ...run.facts, nodes: { ...run.facts.nodes, [node.name]: { ...n, facts: { ...n.facts, [name]: readFact(probe, out) } } as NodeFacts } };
          for (const { meta, def } of catalog.filter(({ def }) => def.appliesTo(node, scene) && probesOf(def.reads(node, scene)).some((p) => p.name === name))) {
            const v = evaluate(meta, def, node, facts.nodes[node.name], run.limits, world(facts));
            if (v.status !== "failed") continue;
            for (const f of v.findings) {
              seen.set(meta.id, (seen.get(meta.id) ?? 0) + 1);
              if (bad(f.fix)) empty.push(`${meta.id} ${node.name} ${f.subject}: ${JSON.stringify(f.fix)}`);
              else expect(v.message).toContain(`fix: ${f.fix}`);
            }
          }
        }
      }
    }
    console.log(`fixes checked on ${[...seen.values()].reduce((a, b) => a + b, 0)} findings of ${seen.size} invariants: ${[...seen.keys()].sort().join(", ")}`);
    expect(seen.size).toBeGreaterThanOrEqual(10);
    expect(empty).toEqual([]);
  });
});
