import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { phaseDurations, recordPhases } from "../../helpers/report/phases.ts";

const marks = { t0: 1000, setupEnd: 1100, vitestStart: 1500, gatherStart: 2000, gatherEnd: 2600, judgedEnd: 3100, resultsEnd: 3200, reportStart: 3500, reportEnd: 4500 };

describe("phaseDurations", () => {
  it("turns the marks of a run into its phases, collection and judging split by the spec files' test time", () => {
    expect(phaseDurations(marks, { files: 40, tests: 100, collectMs: 450, testsMs: 50 })).toEqual({
      setup: 100, load: 900, gather: 600, collection: 450, judging: 50, results: 100, exit: 300, report: 1000, total: 3500,
    });
  });

  it("gives only the phases a run has reached; without the npm script, the run starts with vitest", () => {
    expect(phaseDurations({ vitestStart: 1500, gatherStart: 2000, gatherEnd: 2600 })).toEqual({ load: 500, gather: 600, total: 1100 });
  });
});

describe("recordPhases", () => {
  it("merges marks into the run statistics and keeps what the gather phase wrote", () => {
    const file = join(mkdtempSync(join(tmpdir(), "hlc-phases-")), "run-stats.json");
    writeFileSync(file, JSON.stringify({ gatherMs: 600, marks: { gatherStart: 2000, gatherEnd: 2600 } }));
    recordPhases({ judgedEnd: 3100, resultsEnd: 3200 }, { files: 1, tests: 1, collectMs: 400, testsMs: 100 }, file);
    const stats = JSON.parse(readFileSync(file, "utf8"));
    expect(stats.gatherMs).toBe(600);
    expect(stats.phases).toMatchObject({ gather: 600, collection: 400, judging: 100, results: 100 });
  });
});
