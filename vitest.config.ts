import { defineConfig } from "vitest/config";

// Three projects:
//   unit         parsers, inventory validation, framework logic; no Docker
//   integration  the suite against real services in containers (SSH, listeners, drift runs)
//   conformance  the executable specs of the operations document, run against an inventory
// `npm test` runs unit + integration; `npm run conformance` runs conformance.
// Conformance results (a run always has HLC_INVENTORY) feed the operator's report; the project's
// own test results go elsewhere, so `npm run report` after `npm test` never mixes the two.
const resultsDir =
  process.env.HLC_ALLURE_RESULTS ?? (process.env.HLC_INVENTORY ? "reports/allure-results" : "reports/project-tests/allure-results");

export default defineConfig({
  test: {
    reporters: [
      // A conformance run marks where its time goes (reports/run-stats.json: phases), first and last.
      ...(process.env.HLC_INVENTORY ? [["./helpers/report/phases-reporter.ts", { at: "judged" }] as [string, Record<string, unknown>]] : []),
      "default",
      // A conformance run says why each skipped result was skipped, and writes reports/results.json.
      ...(process.env.HLC_INVENTORY ? ["./helpers/report/skipped-reporter.ts", "./helpers/report/results-reporter.ts"] : []),
      ["allure-vitest/reporter", { resultsDir, reportMatchers: false }],
      ["json", { outputFile: process.env.HLC_VITEST_JSON ?? "reports/vitest.json" }],
      ...(process.env.HLC_INVENTORY ? [["./helpers/report/phases-reporter.ts", { at: "results" }] as [string, Record<string, unknown>]] : []),
    ],
    projects: [
      {
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          setupFiles: ["allure-vitest/setup"],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          setupFiles: ["allure-vitest/setup"],
          globalSetup: ["tests/integration/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 600_000,
          // Containers and child suite runs are heavy on a 2-core machine.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "conformance",
          // One test file reports every result; the invariants are specs/**/*.spec.ts (helpers/spec/catalog.ts).
          include: ["specs/conformance.test.ts"],
          setupFiles: ["allure-vitest/setup"],
          globalSetup: ["specs/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // The run is judged in the global setup; the one test file only reports the results.
          isolate: false,
          pool: "threads",
          maxWorkers: 1,
        },
      },
    ],
  },
});
