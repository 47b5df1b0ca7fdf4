// Allure 3 configuration for homelab-conformance (read by `allure generate`; see
// node_modules/allure/README.md and @allurereport/plugin-awesome/README.md).
//
// Use `npm run report` (helpers/report/render.ts), not `npx allure generate` directly: Allure's
// Awesome template always embeds a Google Analytics (gtag.js) loader, and the renderer strips it
// and writes the one offline file reports/conformance-report.html. A raw `npx allure generate`
// writes to reports/allure-report/ and still phones home when opened.
//
// Paths are anchored at this file's directory: Allure resolves relative paths against
// process.cwd(), and the renderer runs the CLI from a scratch directory.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "allure";

const root = dirname(fileURLToPath(import.meta.url));
const reports = join(root, "reports");

export default defineConfig({
  name: "Homelab conformance",
  // The renderer passes the results dir on the command line (which overrides this).
  resultsDir: process.env.HLC_ALLURE_RESULTS ? resolve(process.env.HLC_ALLURE_RESULTS) : join(reports, "allure-results"),
  output: join(reports, "allure-report"),
  // One JSON line per generated report; a scheduled run's report shows trends from it.
  historyPath: process.env.HLC_ALLURE_HISTORY ? resolve(process.env.HLC_ALLURE_HISTORY) : join(reports, "history.jsonl"),
  // The history is embedded in the single-file report: bound it.
  historyLimit: 60,
  // Labels allure-vitest adds about the test runner, not the homelab (framework, language, the
  // runner's host and worker thread, the spec file's package, the describe block that repeats
  // the story): hidden from each result (helpers/report/allure-widgets.ts hides the widgets).
  hideLabels: ["framework", "language", "host", "thread", "package", "parentSuite", "suite", "subSuite"],
  // Allure's default categories are "Product errors" (failed) and "Test errors" (broken); here a
  // failure is the node's drift and "broken" a check that threw. Same ids, so these replace the
  // defaults (@allurereport/core-api categories.js normalizeCategoriesConfig); by node, not by
  // message (each failure's message is its own).
  categories: [
    { id: "_product_errors_default_category", name: "Failed invariants, by node", matchers: { statuses: ["failed"] }, groupBy: [{ label: "node" }], groupByMessage: false, expand: true },
    { id: "_test_errors_default_category", name: "Checks that could not judge (the check threw), by node", matchers: { statuses: ["broken"] }, groupBy: [{ label: "node" }], groupByMessage: false, expand: true },
  ],
  plugins: {
    awesome: {
      options: {
        reportName: "Homelab conformance",
        singleFile: true,
        reportLanguage: "en",
        // The answer first: the "verdict" label (helpers/report/lead.ts: new failures, failed,
        // waived, fixed, passed, skipped, numbered so they sort in that order), then node by
        // node, layer by layer (§3.1): labels set by helpers/spec/invariant.ts.
        // Own labels, not suites: allure-vitest also derives suites from describe blocks.
        groupBy: ["verdict", "layer", "node"],
        // Failed results expanded; the failure's message, evidence and diagnostics on the result.
        stepTreeExpansion: "expand_failed_only",
        // Groups and results by name: the numbered verdicts first, then "Layer 0" .., then IDs.
        defaultSortBy: "name,asc",
      },
    },
  },
});
