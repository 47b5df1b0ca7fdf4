// The layers of the suite, lowest first: no module imports from a layer above its own, and no
// import cycle exists, type-only imports included (issue 20). Read from the sources' import lines.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
/** Lowest first. specs/*.spec.ts are invariants (beside the judge); the run and its reporters sit above. */
const LAYERS: Array<[string, RegExp]> = [
  ["result model", /^helpers\/results\//],
  ["inventory", /^helpers\/inventory\//],
  ["transport", /^helpers\/transport\//],
  ["probes", /^helpers\/probes\//],
  ["facts", /^helpers\/facts\//],
  ["convergence", /^helpers\/convergence\//],
  ["judge", /^helpers\/spec\//],
  ["invariants", /^specs\/.*\/[^/]+\.ts$/],
  ["waivers", /^helpers\/waivers\//],
  ["run", /^helpers\/run\//],
  ["outputs", /^helpers\/report\//],
  ["entry points", /^(helpers\/cli\/|helpers\/discover\/|specs\/[^/]+\.ts$)/],
];
const rank = (f: string) => LAYERS.findIndex(([, re]) => re.test(f));

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((e) => {
    const p = join(dir, e);
    return statSync(join(ROOT, p)).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

const graph = new Map<string, string[]>();
for (const f of [...files("helpers"), ...files("specs")]) {
  const src = readFileSync(join(ROOT, f), "utf8");
  const deps = [...src.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+["'](\.[^"']+)["']/gms)].map((m) => relative(ROOT, resolve(ROOT, dirname(f), m[1]!)));
  graph.set(f, deps.filter((d) => graph.has(d) || d.startsWith("helpers/") || d.startsWith("specs/")));
}

describe("the suite's layers", () => {
  it("every module belongs to a layer", () => {
    expect([...graph.keys()].filter((f) => rank(f) < 0)).toEqual([]);
  });

  it("no import reaches a layer above its own", () => {
    const up = [...graph].flatMap(([f, deps]) => deps.filter((d) => rank(d) > rank(f)).map((d) => `${f} (${LAYERS[rank(f)]![0]}) -> ${d} (${LAYERS[rank(d)]?.[0]})`));
    expect(up).toEqual([]);
  });

  it("no import cycle, type-only imports included", () => {
    const state = new Map<string, "open" | "done">();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === "done") return;
      if (state.get(f) === "open") {
        cycles.push([...path.slice(path.indexOf(f)), f].join(" -> "));
        return;
      }
      state.set(f, "open");
      for (const d of graph.get(f) ?? []) visit(d, [...path, f]);
      state.set(f, "done");
    };
    for (const f of graph.keys()) visit(f, []);
    expect(cycles).toEqual([]);
  });
});
