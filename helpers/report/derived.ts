// The outputs derived from results.json, written beside it at the end of every run:
// junit.xml (CI systems, code-review tools) and summary.md (a review comment).
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { renderJunit } from "./junit.ts";
import type { ResultsFile } from "./results.ts";
import { renderSummary } from "./summary.ts";

export function derivedPaths(resultsFile: string): { junit: string; summary: string } {
  const dir = dirname(resultsFile);
  return { junit: process.env.HLC_JUNIT_XML ?? join(dir, "junit.xml"), summary: process.env.HLC_SUMMARY_MD ?? join(dir, "summary.md") };
}

export function writeDerived(resultsFile: string, body: ResultsFile): void {
  const p = derivedPaths(resultsFile);
  writeFileSync(p.junit, renderJunit(body));
  writeFileSync(p.summary, renderSummary(body));
}
