// Allure's page is a test runner's page; a conformance run is not a test run (issue 24). What
// allurerc.mjs can say, it says (hideLabels: vitest's labels; categories: "Failed invariants" for
// Allure's "Product errors"). What no option reaches (allure 3.18.0, @allurereport/plugin-awesome)
// is done here, on the generated HTML:
//
// - the header's date and duration: the awesome plugin computes `runSummary` from the test
//   results' start/stop only (plugin.js getRunSummary), i.e. the reporting of results judged in
//   the global setup: ~1 s of a 14 s run. It is replaced by the run's own span from results.json
//   (the span the verdict banner shows), in the `window.allureReportOptions` data.
// - widgets that mean nothing here, hidden by a stylesheet on the app's `data-testid`s, checked
//   in the DOM headless Chromium renders: the success-rate ring (one failure already makes a run
//   NOT CONFORMANT), "New tests" and each result's "new" mark (a check is not new because Allure's
//   history lacks it; the baseline says what is new, in the verdict groups), the Retry and Flaky
//   filters and a result's Retries tab (specs are judged once, never retried), the Resolution
//   filter (known-issue mutes: waivers are ours), the Quality Gates tab (always shown, no option
//   turns it off; no gates are used).
import type { ResultsFile } from "./results.ts";

export class AllureWidgetsError extends Error {
  override name = "AllureWidgetsError";
}

export const WIDGETS_STYLE_ID = "hlc-allure-widgets";

/** Selectors of the hidden widgets, as Allure 3.18.0's app renders them. */
export const HIDDEN_WIDGETS = [
  // the ring beside the report's title (its aria-label is translated: matched by place instead)
  'div:has(> [data-testid="report-header"]) + div',
  '[data-testid="metadata-item-new"]',
  // …the divider before it, and the same "new" mark on every result of the tree
  '[data-testid="metadata-item-total"] + div:has(+ div > [data-testid="metadata-item-new"])',
  '[data-testid="tree-leaf-transition-new"]',
  '[data-testid="retry-filter"]',
  '[data-testid="flaky-filter"]',
  '[data-testid="resolution-filter"]',
  '[data-testid="nav-tab-qualityGate"]',
  '[data-testid="test-result-tab-retries"]',
] as const;

// One rule per selector: a browser without :has() drops only that rule, not the whole list.
const STYLE = `<style id="${WIDGETS_STYLE_ID}">${HIDDEN_WIDGETS.map((s) => `${s}{display:none!important}`).join("")}</style>`;

const OPTIONS = /(window\.allureReportOptions\s*=\s*)(\{.*\})(\s*;?\s*<\/script>)/;

interface Span {
  start: number;
  stop: number;
  duration: number;
}

/** The run's span (gather start to results written), the one the verdict banner shows. */
export function runSpan(body: ResultsFile): Span {
  const start = Date.parse(body.run.startedAt);
  return { start, stop: start + body.run.durationMs, duration: body.run.durationMs };
}

/**
 * `html` with the widgets stylesheet in its head and, given the run's results.json, Allure's
 * header showing the run's start and duration. Throws when Allure's template no longer has what
 * this edits (re-audit instead of passing silently, as offline.ts does).
 */
export function fitAllureWidgets(html: string, body?: ResultsFile): string {
  const head = html.search(/<\/head>/i);
  if (head < 0) throw new AllureWidgetsError("no </head> in Allure's report to add the widgets stylesheet to");
  let out = html.slice(0, head) + STYLE + html.slice(head);
  if (!body) return out;
  const m = OPTIONS.exec(out);
  if (!m) throw new AllureWidgetsError("window.allureReportOptions not found in Allure's report: its template changed; re-audit helpers/report/allure-widgets.ts");
  const options = JSON.parse(m[2]!) as { runSummary?: Span; runSummaryByEnv?: Record<string, Span> };
  if (!options.runSummary) throw new AllureWidgetsError("Allure's report options carry no runSummary: its header changed; re-audit helpers/report/allure-widgets.ts");
  const span = runSpan(body);
  options.runSummary = span;
  options.runSummaryByEnv = Object.fromEntries(Object.keys(options.runSummaryByEnv ?? {}).map((env) => [env, span]));
  // Escaped as Allure's own stringifyForInlineScript (core-api static.js) does.
  const json = JSON.stringify(options).replace(/</g, "\\u003C").replace(/>/g, "\\u003E").replace(/&/g, "\\u0026").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
  out = out.slice(0, m.index) + m[1] + json + m[3] + out.slice(m.index + m[0].length);
  return out;
}
