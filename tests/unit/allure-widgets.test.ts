// Allure's page without its test-runner widgets, with the run's duration in its header
// (helpers/report/allure-widgets.ts, allurerc.mjs), on the report the real Allure CLI generates.
// Hidden widgets were looked at in headless Chromium on a conformant and a drifted run (the
// session note describes the screenshots); here: what the file carries, and that Allure's app
// still renders the data-testids the stylesheet names.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AllureWidgetsError, fitAllureWidgets, HIDDEN_WIDGETS, WIDGETS_STYLE_ID } from "../../helpers/report/allure-widgets.ts";
import { renderReport } from "../../helpers/report/render.ts";
import { EXPOSE_FAIL, record, resultsBody } from "./results-fixture.ts";

/** The report's embedded data files: d("name","base64"). */
const dataFiles = (html: string) => new Map([...html.matchAll(/\bd\("([^"]+)","([A-Za-z0-9+/=]*)"\)/g)].map((m) => [m[1]!, Buffer.from(m[2]!, "base64").toString("utf8")]));

const reportOptions = (html: string) => JSON.parse(/window\.allureReportOptions\s*=\s*(\{.*\})/.exec(html)![1]!) as {
  runSummary: { start: number; stop: number; duration: number };
  runSummaryByEnv: Record<string, { start: number; stop: number; duration: number }>;
};

describe("Allure's widgets in the rendered report (real Allure CLI)", () => {
  let dir: string;
  let html: string;
  // A 14 s run whose two results were reported within 5 ms (what Allure would show).
  const body = resultsBody([record("EXPOSE-001", "lxc200", "failed", EXPOSE_FAIL), record("EXPOSE-001", "vm100", "passed")]);
  body.run = { ...body.run, startedAt: "2026-12-03T09:00:00.000Z", finishedAt: "2026-12-03T09:00:14.000Z", durationMs: 14_000 };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "hlc-widgets-test-"));
    const results = join(dir, "allure-results");
    await mkdir(results);
    const now = Date.now();
    // Labels as allure-vitest writes them for specs/conformance.test.ts, then the suite's own.
    const result = (n: number, node: string, status: "passed" | "failed") => ({
      uuid: `00000000-0000-4000-8000-00000000000${n}`,
      historyId: `hist-${n}`,
      testCaseId: `case-${n}`,
      fullName: `homelab-conformance:specs/conformance.test.ts#EXPOSE-001 EXPOSE-001 ${node}`,
      name: `EXPOSE-001 ${node}: Only declared listeners`,
      status,
      stage: "finished",
      start: now + n,
      stop: now + n + 2,
      labels: [
        { name: "framework", value: "vitest" },
        { name: "language", value: "javascript" },
        { name: "parentSuite", value: "EXPOSE-001 Only declared listeners" },
        { name: "host", value: "runner" },
        { name: "thread", value: "vitest-worker-1" },
        { name: "package", value: "homelab-conformance.specs.conformance.test.ts" },
        { name: "invariant", value: "EXPOSE-001" },
        { name: "node", value: node },
        { name: "layer", value: "Layer 2: services" },
      ],
      ...(status === "failed" ? { statusDetails: { message: "EXPOSE-001 [lxc200] prometheus tcp/9090 on 0.0.0.0" } } : {}),
      parameters: [],
      steps: [],
      attachments: [],
    });
    await writeFile(join(results, "00000000-0000-4000-8000-000000000001-result.json"), JSON.stringify(result(1, "lxc200", "failed")));
    await writeFile(join(results, "00000000-0000-4000-8000-000000000002-result.json"), JSON.stringify(result(2, "vm100", "passed")));
    // results.json beside the results dir, where the renderer reads it.
    await writeFile(join(dir, "results.json"), JSON.stringify(body));
    const r = await renderReport({ resultsDir: results, outFile: join(dir, "report.html"), historyPath: join(dir, "history.jsonl") });
    html = await readFile(r.outFile, "utf8");
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("the header shows the run's start and duration, not the results' reporting span", () => {
    const { runSummary, runSummaryByEnv } = reportOptions(html);
    const start = Date.parse("2026-12-03T09:00:00.000Z");
    expect(runSummary).toEqual({ start, stop: start + 14_000, duration: 14_000 });
    expect(Object.keys(runSummaryByEnv).length).toBeGreaterThan(0);
    for (const span of Object.values(runSummaryByEnv)) expect(span).toEqual(runSummary);
  });

  it("carries the stylesheet that hides the test-runner widgets, in its head, and the banner still first in the body", () => {
    const style = new RegExp(`<style id="${WIDGETS_STYLE_ID}">([^<]*)</style>`).exec(html);
    expect(style).not.toBeNull();
    expect(style!.index).toBeLessThan(html.indexOf("</head>"));
    for (const s of HIDDEN_WIDGETS) expect(style![1]).toContain(`${s}{display:none!important}`);
    for (const id of ["retry-filter", "flaky-filter", "resolution-filter", "metadata-item-new", "tree-leaf-transition-new", "nav-tab-qualityGate", "test-result-tab-retries", "report-header"]) {
      expect(style![1]).toContain(`[data-testid="${id}"]`);
    }
    expect(html.indexOf('id="hlc-verdict"')).toBeGreaterThan(html.search(/<body[^>]*>/));
    expect(html.indexOf('id="hlc-verdict"')).toBeLessThan(html.indexOf('id="app"'));
  });

  it("Allure's app still builds the data-testids the stylesheet names (else re-check in Chromium)", () => {
    const bundle = [...html.matchAll(/src="data:text\/javascript;base64,([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1]!, "base64").toString("utf8")).join("\n");
    expect(bundle.length).toBeGreaterThan(100_000);
    // Built as `${key}-filter`, `metadata-item-${key}`, `nav-tab-${id}`, `test-result-tab-${id}`, `tree-leaf-transition-${t}`.
    for (const piece of ['"report-header"', "-filter`", "metadata-item-", "nav-tab-", "test-result-tab-", "tree-leaf-transition-", '"qualityGate"', '"resolution-filter"']) {
      expect(bundle).toContain(piece);
    }
  });

  it("names the failures category for a conformance run and groups it by node (allurerc categories)", () => {
    const categories = dataFiles(html).get("widgets/categories.json")!;
    expect(categories).toContain("Failed invariants, by node");
    expect(categories).not.toContain("Product errors");
    expect(categories).toContain("lxc200");
  });

  it("keeps vitest's runner labels off each result, and the suite's own (allurerc hideLabels)", () => {
    const results = [...dataFiles(html)].filter(([name]) => name.startsWith("data/test-results/")).map(([, json]) => JSON.parse(json) as { labels: Array<{ name: string }> });
    expect(results).toHaveLength(2);
    for (const r of results) {
      const names = r.labels.map((l) => l.name);
      for (const hidden of ["framework", "language", "host", "thread", "package", "parentSuite"]) expect(names).not.toContain(hidden);
      expect(names).toEqual(expect.arrayContaining(["invariant", "node", "layer", "verdict"]));
    }
  });
});

describe("fitAllureWidgets", () => {
  const page = (options: string) => `<html><head><script>\n      window.allureReportOptions = ${options}\n    </script>\n</head><body><div id="app"></div></body></html>`;
  it("without results.json: only the stylesheet, Allure's header left as it is", () => {
    const html = page('{"runSummary":{"start":1,"stop":2,"duration":1}}');
    const out = fitAllureWidgets(html);
    expect(out).toContain(`<style id="${WIDGETS_STYLE_ID}">`);
    expect(out).toContain('{"runSummary":{"start":1,"stop":2,"duration":1}}');
  });
  it("keeps the options' escaping: nothing in them can close the script", () => {
    const out = fitAllureWidgets(page('{"reportName":"a\\u003C/script\\u003E","runSummary":{"start":1,"stop":2,"duration":1},"runSummaryByEnv":{"default":{"start":1,"stop":2,"duration":1}}}'), resultsBody([]));
    expect(out).not.toContain("a</script>");
    expect(out).toContain('"reportName":"a\\u003C/script\\u003E"');
    expect(out).toContain('"runSummaryByEnv":{"default":{"start":1796288400123,"stop":1796288430000,"duration":29877}}');
  });
  it("fails loudly when Allure's template no longer carries what it edits", () => {
    expect(() => fitAllureWidgets("<html><body></body></html>")).toThrow(AllureWidgetsError);
    expect(() => fitAllureWidgets(page("{}"), resultsBody([]))).toThrow(/no runSummary/);
    expect(() => fitAllureWidgets("<html><head></head><body></body></html>", resultsBody([]))).toThrow(/allureReportOptions not found/);
  });
});
