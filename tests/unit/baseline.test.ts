// Before/after against a baseline results.json: new failures, fixed, still failing, new and removed
// checks; `--fail-on new` fails only on new failures; a filtered run does not call the checks it
// did not ask for "removed".
import { describe, expect, it } from "vitest";
import { compareWithBaseline, failingResults } from "../../helpers/report/baseline.ts";
import { record, resultsBody } from "./results-fixture.ts";

const before = resultsBody([
  record("EXPOSE-001", "lxc200", "passed"),
  record("EXPOSE-001", "vm100", "failed"),
  record("DATA-002", "vm102", "failed"),
  record("DATA-003", "vm102", "failed"),
  record("BOOT-006", "vm100", "passed"),
  record("BOOT-007", "vm100", "passed"),
]);

function now() {
  return [
    record("EXPOSE-001", "lxc200", "failed"), // new
    record("EXPOSE-001", "vm100", "failed"), // still
    record("DATA-002", "vm102", "passed"), // fixed
    record("DATA-003", "vm102", "skipped"), // not judged now
    record("BOOT-006", "vm100", "waived"), // accepted: in no bucket
    record("IDENT-001", "vm102", "failed"), // a new check that fails: new
  ];
}

describe("baseline comparison", () => {
  it("sorts every result into what a reviewer asks", () => {
    const results = now();
    const c = compareWithBaseline(results, before, "b.json");
    expect(c).toMatchObject({
      file: "b.json",
      newFailures: ["EXPOSE-001 lxc200", "IDENT-001 vm102"],
      fixed: ["DATA-002 vm102"],
      stillFailing: ["EXPOSE-001 vm100"],
      noLongerJudged: ["DATA-003 vm102"],
      newChecks: ["IDENT-001 vm102"],
      removedChecks: ["BOOT-007 vm100"],
    });
    expect(results.map((r) => r.change)).toEqual(["new-failure", "still-failing", "fixed", undefined, undefined, "new-failure"]);
  });

  it("--fail-on new: only new failures fail the run; any: every failure", () => {
    const results = now();
    const body = resultsBody(results, { baseline: compareWithBaseline(results, before, "b.json") });
    expect(failingResults(body, "new").map((r) => `${r.id} ${r.node}`)).toEqual(["EXPOSE-001 lxc200", "IDENT-001 vm102"]);
    expect(failingResults(body, "any")).toHaveLength(3);
  });

  it("a filtered run: checks outside its scope are not removed", () => {
    const results = [record("EXPOSE-001", "vm100", "failed")];
    const c = compareWithBaseline(results, before, "b.json", { invariants: [], families: [], nodes: ["vm100"] });
    expect(c.removedChecks).toEqual(["BOOT-006 vm100", "BOOT-007 vm100"]);
    const only = compareWithBaseline(results, before, "b.json", { invariants: ["EXPOSE-001"], families: [], nodes: ["vm100"] });
    expect(only).toMatchObject({ removedChecks: [], stillFailing: ["EXPOSE-001 vm100"], newFailures: [] });
  });
});
