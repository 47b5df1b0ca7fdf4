// No false pass on garbage (issue 15): for every probe of a real conformant lab run, each spec
// that judges it is re-judged with that probe's output replaced by what a broken or hostile node
// prints: random text, nothing, a truncated answer from a killed or failed tool, the real answer
// laced with ANSI escapes, bytes that are not UTF-8, megabytes of junk. The spec must never pass:
// it fails, or reports the fact unreadable naming the probe.
//
// The run is fixtures/captured/lab-run/run.json (how it was captured: its capture.ts); the
// parsers are the node's own probes as the planner makes them from the lab's declarations.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { readFact } from "../../helpers/facts/gather.ts";
import type { FactRecord, NodeFacts, RunFacts } from "../../helpers/facts/types.ts";
import type { Inventory, NodeDecl } from "../../helpers/inventory/types.ts";
import type { Probe, ProbeOutput } from "../../helpers/probes/types.ts";
import { loadCatalog } from "../../helpers/spec/catalog.ts";
import { evaluate } from "../../helpers/spec/evaluate.ts";
import type { HostLimit } from "../../helpers/spec/limits.ts";
import type { Declared } from "../../helpers/spec/catalog.ts";
import { DEFAULT_OPTIONS, type World } from "../../helpers/spec/evaluate.ts";
import { probesOf, type Scene } from "../../helpers/spec/invariant.ts";
import { writeSwitch } from "../../helpers/run/options.ts";

const run = JSON.parse(readFileSync(new URL("../../fixtures/captured/lab-run/run.json", import.meta.url), "utf8")) as {
  inventory: Inventory;
  facts: RunFacts;
  limits: HostLimit[];
};

type Kind = "random" | "empty" | "truncated" | "ansi" | "non-utf8" | "oversized";

const ANSI = ["\x1b[31m", "\x1b[0m", "\x1b[1;32m", "\x1b[2K", "\x1b]0;title\x07", "\r", "\x1b[?25l"];

/** Garbage of one kind, given the probe's real output on the conformant node. */
function garbage(kind: Kind, real: ProbeOutput): fc.Arbitrary<ProbeOutput> {
  const ok = (stdout: string, code: number | null = 0): ProbeOutput => ({ stdout, stderr: "", code });
  switch (kind) {
    case "random":
      return fc.array(fc.string({ unit: "binary", maxLength: 80 }), { maxLength: 20 }).map((ls) => ok(ls.join("\n")));
    case "empty":
      return fc.constantFrom<number | null>(0, 1, 2, 127, null).map((code) => ({ stdout: "", stderr: "", code }));
    case "truncated":
      // What a tool killed or failing half-way leaves: a cut answer and a status that says so.
      return fc
        .tuple(fc.integer({ min: 0, max: Math.max(0, real.stdout.length - 1) }), fc.constantFrom<number | null>(null, 1, 2, 137, 141))
        .map(([at, code]) => ({ stdout: real.stdout.slice(0, at), stderr: real.stderr, code }));
    case "ansi":
      return fc
        .array(fc.tuple(fc.nat(), fc.constantFrom(...ANSI)), { minLength: 1, maxLength: 12 })
        .map((ins) => {
          let s = real.stdout;
          for (const [at, esc] of ins) {
            const i = s.length ? at % s.length : 0;
            s = s.slice(0, i) + esc + s.slice(i);
          }
          return { ...real, stdout: s };
        })
        .filter((o) => o.stdout !== real.stdout);
    case "non-utf8":
      return fc.uint8Array({ minLength: 1, maxLength: 400 }).map((b) => ok(Buffer.from([0xff, 0xfe, ...b, 0xc3]).toString("utf8")));
    case "oversized":
      return fc.constant(ok(`${"x".repeat(1023)}\n`.repeat(3 * 1024)));
  }
}

const KINDS: Array<{ kind: Kind; runs: number }> = [
  { kind: "random", runs: 12 },
  { kind: "empty", runs: 5 },
  { kind: "truncated", runs: 12 },
  { kind: "ansi", runs: 8 },
  { kind: "non-utf8", runs: 8 },
  { kind: "oversized", runs: 1 },
];

/**
 * The one empty answer that is a real answer: `docker ps` listing no container at all. Specs about
 * the declared containers' ports and users then have nothing to judge; CONT-001 and CONT-002 fail
 * the node on that same answer (checked in each case).
 */
const EMPTY_IS_AN_ANSWER = { probe: "containers", vacuous: ["EXPOSE-003", "IDENT-005"], failedBy: ["CONT-001", "CONT-002"] };

let catalog: Declared[] = [];
beforeAll(async () => {
  catalog = await loadCatalog();
});
// The lab run was judged as the lab is: write probes on.
const options = { ...DEFAULT_OPTIONS, target: "lab" as const, writes: writeSwitch("lab", undefined) };
const scene: Scene = { inventory: run.inventory, options };
const world = (facts: RunFacts): World => ({ inventory: run.inventory, nodes: facts.nodes, options });
/** The probes a spec requires on a node (its reads that are not optional). */
const required = (d: Declared, node: NodeDecl) => Object.values(d.def.reads(node, scene)).filter((r): r is Probe<unknown> => r !== undefined && !("optional" in r));

/** The run's facts with one node's one probe replaced by `rec`. */
function withFact(node: string, probe: string, rec: FactRecord): RunFacts {
  const n = run.facts.nodes[node]!;
  const facts: NodeFacts = { ...n, facts: { ...n.facts, [probe]: rec } };
  return { ...run.facts, nodes: { ...run.facts.nodes, [node]: facts } };
}

/** As the gather phase reads a probe's output (control characters and cut output refused first). */
const parsed = (p: Probe<unknown>, o: ProbeOutput): FactRecord => readFact(p, o);

describe("no spec passes on garbage from the probe it judges", () => {
  const nodes = run.inventory.nodes.filter((n) => run.facts.nodes[n.name]?.reachable);

  it("the captured run is the conformant lab: every spec that applies passes or is skipped", () => {
    const failed: string[] = [];
    for (const { meta, def } of catalog) {
      for (const node of nodes.filter((n) => def.appliesTo(n, scene))) {
        const v = evaluate(meta, def, node, run.facts.nodes[node.name], run.limits, world(run.facts));
        if (v.status !== "passed" && v.status !== "skipped") failed.push(`${meta.id} ${node.name}: ${v.status}`);
      }
    }
    expect(failed).toEqual([]);
  });

  for (const { kind, runs } of KINDS) {
    it(`${kind} output: every (probe, node, spec) fails or names the unreadable probe`, () => {
      const falsePasses = new Set<string>();
      const broken = new Set<string>();
      for (const node of nodes) {
        const plan = new Map(catalog.filter((d) => d.def.appliesTo(node, scene)).flatMap((d) => probesOf(d.def.reads(node, scene))).map((p) => [p.name, p]));
        for (const [name, rec] of Object.entries(run.facts.nodes[node.name]!.facts)) {
          const probe = plan.get(name);
          if (!probe) continue;
          const specs = catalog.filter((d) => d.def.appliesTo(node, scene) && required(d, node).some((p) => p.name === name));
          // Only specs this node passed on the real output can be fooled.
          const judged = specs.filter(({ meta, def }) => evaluate(meta, def, node, run.facts.nodes[node.name], run.limits, world(run.facts)).status === "passed");
          if (judged.length === 0) continue;
          const real: ProbeOutput = { stdout: rec.evidence.stdout, stderr: rec.evidence.stderr, code: rec.evidence.code };
          fc.assert(
            fc.property(garbage(kind, real), (out) => {
              const fact = parsed(probe, out);
              const facts = withFact(node.name, name, fact);
              const verdicts = new Map(judged.map(({ meta, def }) => [meta.id, evaluate(meta, def, node, facts.nodes[node.name], run.limits, world(facts))]));
              const noContainers = name === EMPTY_IS_AN_ANSWER.probe && out.stdout === "" && out.code === 0;
              for (const { meta } of judged) {
                const v = verdicts.get(meta.id)!;
                if (noContainers && EMPTY_IS_AN_ANSWER.vacuous.includes(meta.id) && EMPTY_IS_AN_ANSWER.failedBy.every((id) => verdicts.get(id)?.status === "failed")) continue;
                if (v.status === "passed" || v.status === "skipped") falsePasses.add(`${meta.id} ${node.name} ← ${name}: ${JSON.stringify(out).slice(0, 160)}`);
                else if (v.status === "broken") broken.add(`${meta.id} ${node.name} ← ${name}: ${v.message.slice(0, 200)}`);
                else if (!fact.ok) expect(v.message).toContain(name);
              }
            }),
            { numRuns: runs, seed: 15 },
          );
        }
      }
      const group = (set: Set<string>) => [...new Set([...set].map((x) => x.split(":")[0]!))].sort();
      if (falsePasses.size || broken.size) console.log(`[${kind}] false passes:\n  ${group(falsePasses).join("\n  ")}\n[${kind}] broken:\n  ${group(broken).join("\n  ")}\n[${kind}] examples:\n  ${[...falsePasses, ...broken].slice(0, 6).join("\n  ")}`);
      expect(group(broken)).toEqual([]);
      expect(group(falsePasses)).toEqual([]);
    });
  }
});
