// The report's first screen (helpers/report/verdict-banner.ts): the verdict, the target, the nodes
// and the failures by node with their fix, above Allure's page; everything escaped. Looked at in
// headless Chromium on a drifted lab run (the session note describes the screenshot).
import { describe, expect, it } from "vitest";
import { verdictBanner, withVerdictBanner } from "../../helpers/report/verdict-banner.ts";
import { EXPOSE_FAIL, MIXED, record, resultsBody } from "./results-fixture.ts";

describe("the report's verdict banner", () => {
  it("a conformant run says CONFORMANT, its target and its duration", () => {
    const html = verdictBanner(resultsBody([record("EXPOSE-001", "vm100", "passed")], { nodes: [{ node: "vm100", reachable: true, gatherMs: 1, roundTrips: 1 }] }));
    expect(html).toContain(">CONFORMANT<");
    expect(html).toContain("target: the built-in lab (/x/inventory.yaml) · 1 node(s) · run took 29.9 s");
    expect(html).not.toContain("Failures by node");
  });
  it("a failing run says NOT CONFORMANT and lists each failure under its node with its fix, escaped", () => {
    const withFix = record("EXPOSE-001", "lxc200", "failed", { ...EXPOSE_FAIL, findings: [{ ...EXPOSE_FAIL.findings![0]!, fix: "on lxc200: set --web.listen-address=127.0.0.1:9090 <then> restart" }] });
    const html = verdictBanner(resultsBody([withFix, ...MIXED.slice(1)]));
    expect(html).toContain(">NOT CONFORMANT<");
    expect(html).toContain("lxc200 (1)");
    expect(html).toContain("<b>fix:</b>");
    expect(html).toContain("127.0.0.1:9090 &lt;then&gt; restart");
    expect(html).toContain("&lt;dual-stack&gt; &amp; | pipes");
    expect(html).not.toContain("<dual-stack>");
  });
  it("goes first in the body, before Allure's application", () => {
    const page = withVerdictBanner('<html><head></head><body class="x"><div id="app"></div></body></html>', resultsBody(MIXED));
    expect(page.indexOf('id="hlc-verdict"')).toBeGreaterThan(page.indexOf("<body"));
    expect(page.indexOf('id="hlc-verdict"')).toBeLessThan(page.indexOf('id="app"'));
  });
});
