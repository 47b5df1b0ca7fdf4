import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findExternalRefs, makeOffline, OFFLINE_CSP, OfflineRewriteError } from "../../helpers/report/offline.ts";
import { renderReport, ReportError } from "../../helpers/report/render.ts";

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

// The analytics block exactly as allure 3.18.0's Awesome plugin renders it (generators.js template).
const GTAG_LOADER = `<script async src="https://www.googletagmanager.com/gtag/js?id=G-LNDJ3J7WT0"></script>`;
const GTAG_INLINE = `<script>
        window.dataLayer = window.dataLayer || [];
        function gtag(){dataLayer.push(arguments);}
        gtag('js', new Date());
        gtag('config', 'G-LNDJ3J7WT0', {
          "report": "awesome",
          "allureVersion": "3.18.0",
          "reportUuid": "dc951f37-93f1-4152-9852-c9179d103211",
          "single_file": "true"
        });
    </script>`;

/** A cut-down Allure 3 single-file report: same structure, tiny payloads. */
function allureLike({ analytics = true, extraHead = "", extraBody = "" } = {}): string {
  const options = {
    id: "awesome",
    reportName: "Homelab conformance",
    ci: { type: "github", jobRunUrl: "https://github.com/example/homelab/actions/runs/1", pullRequestUrl: "https://github.com/example/homelab/pull/7" },
  };
  return `<!DOCTYPE html>
<html dir="ltr" lang="en">
<head>
    <meta charset="utf-8">
    <title> Homelab conformance </title>
    <link rel="icon" href="data:image/svg+xml,%3Csvg width='32' height='32' fill='none' xmlns='http://www.w3.org/2000/svg'%3E%3C/svg%3E">
  <style>
    .allure-app-loader { font: 14px/20px Arial, Helvetica, sans-serif; }
  </style>
    <link rel="stylesheet" type="text/css" href="data:text/css;base64,${b64(`@font-face{font-family:PTRootUIWebVF;src:url("data:font/woff2;base64,AAAA") format("woff2")}`)}">
    ${extraHead}
    <script>
      window.allureReportOptions = ${JSON.stringify(options)}
    </script>
</head>
<body>
    <div id="allure-app-loader" class="allure-app-loader" role="status"><svg class="allure-app-loader__logo" viewBox="0 0 32 32" xmlns="http://www.w3.org/2000/svg"></svg></div>
    <div id="app"></div>
    <script>
      const { origin, pathname } = window.location;
      const url = new URL(pathname, origin);
      const baseEl = document.createElement("base");
      baseEl.href = url.toString();
      window.document.head.appendChild(baseEl);
    </script>
    <script>
      window.allure = window.allure || {};
    </script>
    <script   src="data:text/javascript;base64,${b64(`(function(){var a=document.createElement("a");a.href="https://allurereport.org";var ns="http://www.w3.org/2000/svg";})();`)}"></script>
    ${analytics ? `${GTAG_LOADER}\n    ${GTAG_INLINE}` : ""}
    <script async>
      window.allureReportDataReady = false;
      window.allureReportData = window.allureReportData || {};
      function d(name, value){ return new Promise(function (resolve) { window.allureReportData[name] = value; return resolve(true); }); }
    </script>
    <script defer>
      Promise.allSettled([d("widgets/statistic.json","${b64('{"total":2,"passed":1,"failed":1}')}")])
        .then(function(){ window.allureReportDataReady = true; })
    </script>
    <a href="https://allurereport.org" target="_blank">Powered by</a>
    ${extraBody}
</body>
</html>
`;
}

describe("findExternalRefs", () => {
  it("finds both halves of Allure's analytics block", () => {
    const refs = findExternalRefs(allureLike());
    expect(refs).toContain("<script src>: https://www.googletagmanager.com/gtag/js?id=G-LNDJ3J7WT0");
    expect(refs).toContain("inline <script>: gtag(");
    expect(refs).toHaveLength(2);
  });

  it("ignores data: resources, link targets, XML namespaces and CI links in the report options", () => {
    expect(findExternalRefs(allureLike({ analytics: false }))).toEqual([]);
  });

  it.each([
    ["Google Fonts stylesheet", `<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Inter">`, "<link href>: https://fonts.googleapis.com/css2?family=Inter"],
    ["protocol-relative preconnect", `<link rel=preconnect href=//fonts.gstatic.com>`, "<link href>: //fonts.gstatic.com"],
    ["font in <style>", `<style>@font-face{src:url('https://fonts.gstatic.com/s/inter.woff2')}</style>`, "inline <style> url(): https://fonts.gstatic.com/s/inter.woff2"],
    ["@import", `<style>@import "https://cdn.example.net/x.css";</style>`, "inline <style> @import: https://cdn.example.net/x.css"],
    [
      "font in an inlined data: stylesheet",
      `<link rel="stylesheet" href="data:text/css;base64,${b64("@font-face{src:url(https://fonts.gstatic.com/a.woff2)}")}">`,
      "<link href=data:text/css> url(): https://fonts.gstatic.com/a.woff2",
    ],
    ["sendBeacon in the inlined bundle", `<script src="data:text/javascript;base64,${b64('navigator.sendBeacon("/collect", "x")')}"></script>`, "<script src=data:text/javascript>: sendBeacon"],
    ["fetch to a host", `<script>fetch("https://telemetry.example.com/v1", {method: "POST"})</script>`, "inline <script> URL: https://telemetry.example.com/v1"],
    ["tracking pixel", `<img srcset="data:image/png;base64,AA 1x, https://px.example.com/p.gif 2x">`, "<img srcset>: https://px.example.com/p.gif"],
    ["style attribute", `<div style="background:url(http://example.com/bg.png)"></div>`, "<div style> url(): http://example.com/bg.png"],
    ["meta refresh", `<meta http-equiv="refresh" content="0; url=https://example.com/">`, "<meta refresh>: https://example.com/"],
    ["iframe", `<iframe src="https://example.com/embed"></iframe>`, "<iframe src>: https://example.com/embed"],
  ])("flags %s", (_name, snippet, expected) => {
    expect(findExternalRefs(allureLike({ analytics: false, extraBody: snippet }))).toEqual([expected]);
  });
});

describe("makeOffline", () => {
  it("removes exactly Allure's gtag loader and inline config, and nothing else", () => {
    const before = allureLike();
    const { html, removed, added } = makeOffline(before, { csp: false });
    expect(removed).toEqual([GTAG_LOADER, GTAG_INLINE]);
    expect(added).toEqual([]);
    expect(html).not.toMatch(/googletagmanager|gtag|dataLayer/);
    expect(findExternalRefs(html)).toEqual([]);
    // Everything else is byte-for-byte what went in.
    expect(html).toBe(allureLike({ analytics: false }).replace("</script>\n    \n    <script async>", "</script>\n    <script async>"));
  });

  it("pins an offline Content-Security-Policy right after <meta charset>", () => {
    const { html, added } = makeOffline(allureLike());
    expect(added).toHaveLength(1);
    expect(html).toContain(`<meta charset="utf-8">\n    <meta http-equiv="Content-Security-Policy" content="${OFFLINE_CSP}">`);
    expect(OFFLINE_CSP).toMatch(/^default-src 'none'/);
    expect(OFFLINE_CSP).not.toMatch(/https?:|\*/);
    expect(findExternalRefs(html)).toEqual([]);
  });

  it("fails loudly when Allure's template no longer has the expected analytics block", () => {
    expect(() => makeOffline(allureLike({ analytics: false }))).toThrow(OfflineRewriteError);
    expect(() => makeOffline(allureLike({ analytics: false }))).toThrow(/template has changed/);
    // Half of it (e.g. a renamed loader) is a changed template too.
    const onlyInline = allureLike().replace(GTAG_LOADER, "");
    expect(() => makeOffline(onlyInline)).toThrow(/gtag\.js loader: 0, inline gtag config: 1/);
  });

  it("non-strict mode accepts a report without the block", () => {
    const { removed } = makeOffline(allureLike({ analytics: false }), { strict: false });
    expect(removed).toEqual([]);
  });

  it("fails loudly when some other external reference remains", () => {
    const html = allureLike({ extraHead: `<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Inter">` });
    expect(() => makeOffline(html)).toThrow(/still references external resources[\s\S]*fonts\.googleapis\.com/);
  });

  it("refuses to add a second CSP", () => {
    const html = allureLike({ extraHead: `<meta http-equiv="Content-Security-Policy" content="default-src *">` });
    expect(() => makeOffline(html)).toThrow(/already carries a Content-Security-Policy/);
  });
});

describe("renderReport (real Allure CLI)", () => {
  let dir: string;
  const results = () => join(dir, "allure-results");

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "hlc-report-test-"));
    await mkdir(results());
    const now = Date.now();
    const base = (n: number, name: string, status: "passed" | "failed") => ({
      uuid: `00000000-0000-4000-8000-00000000000${n}`,
      historyId: `hist-${n}`,
      testCaseId: `case-${n}`,
      fullName: `tests/unit/sample.test.ts#firewall ${name}`,
      name,
      status,
      stage: "finished",
      start: now + n,
      stop: now + n + 5,
      labels: [
        { name: "suite", value: "firewall" },
        { name: "epic", value: "Network" },
        { name: "severity", value: "critical" },
      ],
      // Test data may carry URLs (issue links); it is embedded as data, never fetched.
      links: [{ type: "issue", name: "HL-1", url: "https://tracker.example.com/HL-1" }],
      parameters: [],
      steps: [],
      attachments: [] as { name: string; source: string; type: string }[],
    });
    const failed = {
      ...base(2, "WAN has no inbound SSH", "failed"),
      statusDetails: { message: "expected port 22 closed, found open", trace: "AssertionError: expected port 22 closed" },
      attachments: [{ name: "nmap", source: "11111111-1111-4111-8111-111111111111-attachment.txt", type: "text/plain" }],
    };
    await writeFile(join(results(), `${base(1, "", "passed").uuid}-result.json`), JSON.stringify(base(1, "default policy is drop", "passed")));
    await writeFile(join(results(), `${failed.uuid}-result.json`), JSON.stringify(failed));
    await writeFile(join(results(), "11111111-1111-4111-8111-111111111111-attachment.txt"), "22/tcp open ssh\n");
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes one offline HTML file", async () => {
    const out = join(dir, "out");
    const r = await renderReport({ resultsDir: results(), outFile: join(out, "conformance-report.html"), historyPath: join(dir, "history.jsonl") });
    expect(r.outFile).toBe(join(out, "conformance-report.html"));
    expect(await readdir(out)).toEqual(["conformance-report.html"]);
    expect(r.resultFiles).toBe(2);
    expect(r.removed).toHaveLength(2);
    const html = await readFile(r.outFile, "utf8");
    expect(html).toContain("<title> Homelab conformance </title>");
    expect(html).toContain("Content-Security-Policy");
    expect(html).not.toContain("googletagmanager");
    expect(findExternalRefs(html)).toEqual([]);
    // The tests themselves made it in (report data is embedded as base64 JSON: d("name","…")).
    const data = [...html.matchAll(/\bd\("([^"]+)","([A-Za-z0-9+/=]*)"\)/g)].map((m) => Buffer.from(m[2]!, "base64").toString("utf8")).join("\n");
    expect(data).toContain("WAN has no inbound SSH");
    expect(data).toContain("default policy is drop");
    expect(data).toContain("22/tcp open ssh");
    // History is appended to the given file, one JSON line per report.
    expect((await readFile(join(dir, "history.jsonl"), "utf8")).trim().split("\n")).toHaveLength(1);
  });

  it("a history file torn by a killed run does not break later reports, and is replaced whole (issue 21)", async () => {
    const hist = join(dir, "torn-history.jsonl");
    const first = join(dir, "first");
    await renderReport({ resultsDir: results(), outFile: join(first, "r.html"), historyPath: hist });
    const good = (await readFile(hist, "utf8")).trim();
    expect(good.split("\n")).toHaveLength(1);
    // What a run killed in the middle of rewriting it leaves: the good line, then half of the next.
    await writeFile(hist, `${good}\n${good.slice(0, Math.floor(good.length / 2))}`);
    const again = join(dir, "again");
    const r = await renderReport({ resultsDir: results(), outFile: join(again, "r.html"), historyPath: hist });
    expect(r.bytes).toBeGreaterThan(0);
    const lines = (await readFile(hist, "utf8")).trim().split("\n");
    // The torn line is dropped, the good one kept, the new report's line added; every line parses.
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    // Written beside it and renamed into place: no temp file is left next to the history.
    expect((await readdir(dir)).filter((f) => f.startsWith("torn-history.jsonl") && f !== "torn-history.jsonl")).toEqual([]);
  });

  it("rejects a missing or empty results dir with a clear message", async () => {
    await expect(renderReport({ resultsDir: join(dir, "nope"), outFile: join(dir, "x.html") })).rejects.toThrow(ReportError);
    await expect(renderReport({ resultsDir: join(dir, "nope"), outFile: join(dir, "x.html") })).rejects.toThrow(/does not exist/);
    await mkdir(join(dir, "empty"));
    await expect(renderReport({ resultsDir: join(dir, "empty"), outFile: join(dir, "x.html") })).rejects.toThrow(/is empty/);
  });
});
