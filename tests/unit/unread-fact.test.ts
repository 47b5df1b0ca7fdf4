// "A fact that was not read never passes" (issue 21), for the whole catalogue: for every declared
// invariant, on every node of the captured conformant lab run (fixtures/captured/lab-run) it
// applies to, and for every fact it requires there (its `reads`, optional ones aside), the
// result is judged again with that fact
//   - removed (never gathered: the probe was not run, or its record got lost),
//   - unreadable (gathered, but its output could not be read: ok false),
//   - emptied (the probe printed nothing and exited 0, read by its own parser as the gather does).
// The result must not be `passed`: it fails, or it is skipped with a reason. (An empty answer that
// is a real answer, as `docker ps` listing no container, is listed in EMPTY_IS_AN_ANSWER with the
// invariants that fail the node on that same answer.)
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { readFact } from "../../helpers/facts/gather.ts";
import type { FactRecord, NodeFacts, RunFacts } from "../../helpers/facts/types.ts";
import type { Inventory, NodeDecl } from "../../helpers/inventory/types.ts";
import { loadCatalog } from "../../helpers/spec/catalog.ts";
import { writeSwitch } from "../../helpers/run/options.ts";
import { gatherPlan } from "../../helpers/run/plan.ts";
import type { Declared } from "../../helpers/spec/catalog.ts";
import { evaluate, type Verdict } from "../../helpers/spec/evaluate.ts";
import type { Probe } from "../../helpers/probes/types.ts";
import type { Scene } from "../../helpers/spec/invariant.ts";
import type { HostLimit } from "../../helpers/spec/limits.ts";

const run = JSON.parse(readFileSync(new URL("../../fixtures/captured/lab-run/run.json", import.meta.url), "utf8")) as {
  inventory: Inventory;
  facts: RunFacts;
  limits: HostLimit[];
};

/** The one empty answer that is a real answer (see hostile-output.test.ts): no container at all. */
const EMPTY_IS_AN_ANSWER = { probe: "containers", vacuous: ["EXPOSE-003", "IDENT-005", "BOOT-005"], failedBy: ["CONT-001", "CONT-002"] };

let catalog: Declared[] = [];
beforeAll(async () => {
  catalog = await loadCatalog();
});
// The lab run was judged as the lab is: write probes on.
const options = { target: "lab" as const, writes: writeSwitch("lab", undefined), nonce: "test0000" };
const scene: Scene = { inventory: run.inventory, options };
/** The probes an invariant requires on a node (its reads that are not optional). */
const required = (d: Declared, node: NodeDecl) => Object.values(d.def.reads(node, scene)).filter((r): r is Probe<unknown> => r !== undefined && !("optional" in r));

type Change = "removed" | "unreadable" | "emptied";

function changed(node: string, probe: string, change: Change, rec: FactRecord | undefined): RunFacts {
  const n = run.facts.nodes[node]!;
  const facts = { ...n.facts };
  if (change === "removed") delete facts[probe];
  else facts[probe] = rec!;
  const nf: NodeFacts = { ...n, facts };
  return { ...run.facts, nodes: { ...run.facts.nodes, [node]: nf } };
}

/** Judged with the changed facts as the run's (cross-node checks read their peers there too). */
function judge(d: Declared, node: NodeDecl, facts: RunFacts): Verdict {
  return evaluate(d.meta, d.def, node, facts.nodes[node.name], run.limits, { inventory: run.inventory, nodes: facts.nodes, options });
}

describe("a fact that was not read never passes", () => {
  const nodes = run.inventory.nodes.filter((n) => run.facts.nodes[n.name]?.reachable);

  it("the captured run is the conformant lab: every invariant that applies passes or is skipped", () => {
    const bad: string[] = [];
    for (const d of catalog) {
      for (const node of nodes.filter((n) => d.def.appliesTo(n, scene))) {
        const v = judge(d, node, run.facts);
        if (v.status !== "passed" && v.status !== "skipped") bad.push(`${d.meta.id} ${node.name}: ${v.status}: ${"message" in v ? v.message.slice(0, 300) : ""}`);
      }
    }
    expect(bad).toEqual([]);
  });

  for (const change of ["removed", "unreadable", "emptied"] as const) {
    it(`every (invariant, node, fact it reads) with the fact ${change}: not passed`, () => {
      const passes: string[] = [];
      let cases = 0;
      for (const node of nodes) {
        for (const d of catalog.filter((x) => x.def.appliesTo(node, scene))) {
          for (const probe of required(d, node as NodeDecl)) {
            const name = probe.name;
            const rec = run.facts.nodes[node.name]!.facts[name];
            // Only facts the captured run holds (it was taken with every probe the lab's plan has).
            if (!rec) continue;
            const replacement: FactRecord | undefined =
              change === "unreadable"
                ? { ok: false, error: `probe ${name}: output could not be read (test)`, evidence: { ...rec.evidence, stdout: "", stderr: "", code: null } }
                : change === "emptied"
                  ? readFact(probe, { stdout: "", stderr: "", code: 0 })
                  : undefined;
            const facts = changed(node.name, name, change, replacement);
            const v = judge(d, node as NodeDecl, facts);
            cases++;
            if (v.status !== "passed") continue;
            if (change === "emptied" && name === EMPTY_IS_AN_ANSWER.probe && EMPTY_IS_AN_ANSWER.vacuous.includes(d.meta.id)) {
              const others = catalog.filter((x) => EMPTY_IS_AN_ANSWER.failedBy.includes(x.meta.id) && x.def.appliesTo(node, scene));
              if (others.length && others.every((x) => judge(x, node as NodeDecl, facts).status === "failed")) continue;
            }
            passes.push(`${d.meta.id} ${node.name} ← ${name} ${change}`);
          }
        }
      }
      console.log(`[unread fact: ${change}] ${cases} (invariant, node, fact) cases judged, ${passes.length} passed`);
      expect(cases).toBeGreaterThan(100);
      expect(passes).toEqual([]);
    });
  }
});

describe("what an invariant requires is gathered wherever it applies", () => {
  // Otherwise the rule above would fail a conformant node on a fact its plan never asks for.
  it("on the lab's and the example inventory's nodes, every required read is in the node's plan", async () => {
    const { loadInventory } = await import("../../helpers/inventory/load.ts");
    const missing: string[] = [];
    for (const inventory of [run.inventory, loadInventory("inventory/example.yaml")]) {
      const sc: Scene = { inventory, options };
      const plan = gatherPlan({ invariants: catalog, nodes: inventory.nodes }, inventory, options);
      for (const node of inventory.nodes) {
        const names = new Set((plan.get(node.name) ?? []).map((p) => p.name));
        for (const d of catalog.filter((x) => x.def.appliesTo(node, sc))) {
          for (const r of Object.values(d.def.reads(node, sc))) if (r && !("optional" in r) && !names.has(r.name)) missing.push(`${d.meta.id} ${node.name}: ${r.name}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
