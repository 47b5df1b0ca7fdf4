#!/usr/bin/env node
// The closing line CI reads, from vitest's JSON report: "N passed, N failed[, N skipped]".
// A test file that failed as a whole (an import error, a failing beforeAll/afterAll hook) counts
// as ONE failure even though vitest counts none for it, and is named above the line with what it
// said; the tests it never ran are not counted as skipped (nothing skipped them with a reason).
// Usage: node scripts/ci-summary.mjs [reports/vitest.json]; exits 1 when anything failed or
// nothing passed, 0 otherwise.
import { readFileSync } from "node:fs";
import { relative } from "node:path";

const file = process.argv[2] ?? "reports/vitest.json";
let report;
try {
  report = JSON.parse(readFileSync(file, "utf8"));
} catch (e) {
  console.log(`FAILED TO RUN: no test report at ${file} (${e.message.split("\n")[0]})`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}

let passed = 0, failed = 0, skipped = 0;
const broken = [];
for (const f of report.testResults ?? []) {
  const tests = f.assertionResults ?? [];
  const n = (s) => tests.filter((a) => a.status === s).length;
  passed += n("passed");
  failed += n("failed");
  const fileFailedAlone = f.status === "failed" && n("failed") === 0;
  if (fileFailedAlone) {
    failed += 1;
    const notRun = tests.filter((a) => a.status !== "passed").length;
    const said = (f.message || "no message").split("\n").find((l) => l.trim()) ?? "no message";
    broken.push(`FAILED TO RUN: ${relative(process.cwd(), f.name)}: ${said.trim().slice(0, 300)}${notRun ? ` (${notRun} test${notRun === 1 ? "" : "s"} in it not run)` : ""}`);
  } else {
    skipped += n("skipped") + n("pending") + n("todo");
  }
}
for (const line of broken) console.log(line);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
