// Issue "fixture lab", item 7: the conformant lab fails no spec, and every drifted twin whose spec
// exists fails exactly the spec results the catalogue names. The matrix is printed and kept under
// reports/drift-matrix.md.
import { FAMILIES } from "../../helpers/spec/meta.ts";
import { beforeAll, describe, expect, it } from "vitest";
import { defaultLab } from "../../fixtures/lab/default-lab.ts";
import { DRIFTS, planWaves, touchedNodes } from "../../fixtures/lab/drifts.ts";
import { runDriftMatrix, writeMatrix, type Matrix } from "../../fixtures/lab/matrix.ts";

let matrix: Matrix;

beforeAll(async () => {
  matrix = await runDriftMatrix(defaultLab(), DRIFTS);
  console.log(writeMatrix(matrix));
  // 82 drifts in their waves: 25 min was not enough on a loaded 2-core machine (stop 28's own CI run,
  // another lab up beside it); a bound on a hang, not a speed target.
}, 3_000_000);

describe("drift matrix", () => {
  it("the catalogue has at least 24 drifts over every family of the document", () => {
    expect(DRIFTS.length).toBeGreaterThanOrEqual(24);
    expect(new Set(DRIFTS.map((d) => d.family))).toEqual(new Set(FAMILIES));
    expect(new Set(DRIFTS.map((d) => d.name)).size).toBe(DRIFTS.length);
  });

  it("waves never put two drifts on the same node", () => {
    for (const wave of planWaves(DRIFTS)) {
      const nodes = wave.flatMap((d) => [...touchedNodes(d)]);
      expect(new Set(nodes).size).toBe(nodes.length);
    }
  });

  it("the conformant lab fails no spec", () => {
    expect(matrix.conformant.results).toBeGreaterThan(0);
    expect(matrix.conformant.failed, JSON.stringify(matrix.unexpected, null, 1)).toEqual([]);
  });

  it("every drift whose spec exists fails exactly its expected specs, nothing else fails", () => {
    const wrong = matrix.rows.filter((r) => r.verdict === "missed" || r.verdict === "extra");
    // On failure, the message carries what each unexpected failure said (also in reports/drift-matrix.md).
    expect(wrong.map((r) => `${r.drift}: ${r.note}`), JSON.stringify(matrix.unexpected, null, 1)).toEqual([]);
    expect(matrix.stray, JSON.stringify(matrix.unexpected, null, 1)).toEqual([]);
  });

  it("lists every drift; those without a spec as pending and those this machine cannot host as not hostable, each with its reason, never as passed", () => {
    expect(matrix.rows.map((r) => r.drift).sort()).toEqual(DRIFTS.map((d) => d.name).sort());
    for (const r of matrix.rows.filter((x) => x.verdict === "pending")) expect(r.note).not.toBe("");
    for (const r of matrix.rows.filter((x) => x.verdict === "unhostable")) expect(r.note).toMatch(/^not hostable here: .+/);
  });
});
