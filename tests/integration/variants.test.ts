// Issue 16: legitimate variants (fixtures/lab/variants.ts) — the same invariants kept another way
// or from another place the system reads — each applied to the conformant lab must fail nothing.
import { beforeAll, describe, expect, it } from "vitest";
import { defaultLab } from "../../fixtures/lab/default-lab.ts";
import { DRIFTS } from "../../fixtures/lab/drifts.ts";
import { runDriftMatrix, writeMatrix, type Matrix } from "../../fixtures/lab/matrix.ts";
import { VARIANTS } from "../../fixtures/lab/variants.ts";

let matrix: Matrix;

beforeAll(async () => {
  matrix = await runDriftMatrix(defaultLab(), VARIANTS);
  console.log(writeMatrix(matrix, "reports/variants"));
}, 900_000);

describe("legitimate variants", () => {
  it("are named apart from the drifts and expect no failure", () => {
    expect(VARIANTS.length).toBeGreaterThan(0);
    for (const v of VARIANTS) expect(v.expect).toEqual([]);
    expect(VARIANTS.filter((v) => DRIFTS.some((d) => d.name === v.name))).toEqual([]);
  });

  it("each applies and fails nothing, and the conformant lab fails nothing", () => {
    expect(matrix.conformant.failed, JSON.stringify(matrix.unexpected, null, 1)).toEqual([]);
    const wrong = matrix.rows.filter((r) => r.verdict !== "passes" && r.verdict !== "unhostable");
    expect(wrong.map((r) => `${r.drift}: ${r.verdict} ${r.note}`), JSON.stringify(matrix.unexpected, null, 1)).toEqual([]);
    expect(matrix.stray, JSON.stringify(matrix.unexpected, null, 1)).toEqual([]);
  });
});
