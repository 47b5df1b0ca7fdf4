// Before/after: this run against a results.json of an earlier one (`--baseline`, e.g. taken before
// the change under review). What a reviewer asks: what broke, what was fixed, what was already
// broken, which checks came or went. Pure: every output (terminal, summary.md, the HTML report,
// the exit code with `--fail-on new`) reads the comparison stored in results.json.
import { selectsInvariant, selectsNode, type RunScope } from "../spec/scope.ts";
import { resultKey, type BaselineComparison, type ResultRecord, type ResultsFile } from "./results.ts";

/** Failing in the baseline: it failed there, whether or not a waiver accepted it then. */
const failedBefore = (r: ResultRecord | undefined) => r?.status === "failed" || r?.status === "waived";

/**
 * Compare `results` (this run) with `baseline`, and mark each of this run's records with its
 * change. Baseline records the current run's filter leaves out are not "removed": not asked.
 * A result waived now is in no bucket (the waivers section lists it), only in newChecks if new.
 */
export function compareWithBaseline(results: ResultRecord[], baseline: ResultsFile, file: string, scope?: RunScope): BaselineComparison {
  const inScope = (r: ResultRecord) => !scope || ((r.node === null || selectsNode(scope, r.node)) && selectsInvariant(scope, r));
  const before = new Map(baseline.results.filter(inScope).map((r) => [resultKey(r), r]));
  const now = new Map(results.map((r) => [resultKey(r), r]));
  const out: BaselineComparison = { file, startedAt: baseline.run.startedAt, newFailures: [], fixed: [], stillFailing: [], noLongerJudged: [], newChecks: [], removedChecks: [] };
  for (const [key, r] of now) {
    const b = before.get(key);
    delete r.change;
    if (!b) out.newChecks.push(key);
    if (r.status === "waived") continue;
    if (r.status === "failed" && !failedBefore(b)) {
      out.newFailures.push(key);
      r.change = "new-failure";
    } else if (r.status === "failed") {
      out.stillFailing.push(key);
      r.change = "still-failing";
    } else if (failedBefore(b) && r.status === "passed") {
      out.fixed.push(key);
      r.change = "fixed";
    } else if (failedBefore(b)) {
      out.noLongerJudged.push(key);
    } else if (!b) {
      r.change = "new-check";
    }
  }
  for (const key of before.keys()) if (!now.has(key)) out.removedChecks.push(key);
  return out;
}

/** With `--fail-on new`, only failures that are new (status failed, not waived) fail the run. */
export function failingResults(body: ResultsFile, failOn: "any" | "new"): ResultRecord[] {
  const failed = body.results.filter((r) => r.status === "failed");
  if (failOn === "any" || !body.baseline) return failed;
  const fresh = new Set(body.baseline.newFailures);
  return failed.filter((r) => fresh.has(resultKey(r)));
}
