// reports/summary.md renders as Markdown (markdown-it, with HTML for <details>, as review tools
// render comments): counts, a table of failures with node, ID, section and the one-line finding,
// collapsed evidence, waivers, skips; with a baseline, new failures first; bounded in size.
import MarkdownIt from "markdown-it";
import { describe, expect, it } from "vitest";
import { compareWithBaseline } from "../../helpers/report/baseline.ts";
import { MAX_CHARS, renderSummary } from "../../helpers/report/summary.ts";
import { EXPOSE_FAIL, MIXED, record, resultsBody } from "./results-fixture.ts";

const md = new MarkdownIt({ html: true });

describe("summary.md", () => {
  it("renders: a heading with the verdict, counts, a failures table, collapsed evidence, waived and skipped", () => {
    const text = renderSummary(resultsBody(MIXED));
    const html = md.render(text);
    expect(html).toMatch(/<h2>Homelab conformance: <strong>2 failed<\/strong><\/h2>/);
    expect(html).toContain("1 passed · 2 failed · 1 waived · 1 skipped, of 5 checks");
    // The failures table: a real table, one row per failure, the cell escaped (no broken columns).
    const failures = html.slice(html.indexOf("<h3>Failures (2)</h3>"));
    const table = failures.slice(0, failures.indexOf("</table>"));
    expect(table).toContain("<th>node</th>\n<th>ID</th>\n<th>section</th>\n<th>finding</th>");
    const rows = table.match(/<tr>\n<td>/g) ?? [];
    expect(rows).toHaveLength(2);
    expect(table).toContain("<td>lxc200</td>\n<td>EXPOSE-001</td>\n<td>§5.1</td>\n<td>prometheus tcp/9090: expected listening on loopback only (127.0.0.1/8, ::1); actual listening on *:9090 by prometheus &lt;dual-stack&gt; &amp; | pipes</td>");
    // The evidence is collapsed, its text in a code block (markup inside stays text).
    expect(html).toContain("<details><summary>EXPOSE-001 lxc200: title of EXPOSE-001</summary>");
    expect(html).toContain("<pre><code class=\"language-text\">EXPOSE-001 [lxc200]");
    expect(html).toContain("&lt;dual-stack&gt;");
    expect(html).toMatch(/<h3>Waived \(1\)[^<]*<\/h3>/);
    expect(html).toContain("<td>alice</td>");
    expect(html).toContain("<details><summary>Skipped (1), with the reason</summary>");
  });

  it("with a baseline: the comparison first, new failures first in the table and marked", () => {
    const before = resultsBody([record("EXPOSE-001", "lxc200", "passed"), record("IDENT-001", "vm102", "failed"), record("DATA-002", "vm102", "failed"), record("OLD-001", "vm102", "passed")]);
    const now = MIXED.map((r) => ({ ...r })).concat([record("DATA-002", "vm102", "passed")]);
    const body = resultsBody(now, { baseline: compareWithBaseline(now, before, "before/results.json") });
    const html = md.render(renderSummary(body));
    expect(html).toMatch(/<h3>Since the baseline \(before\/results.json, [^)]+\)<\/h3>/);
    // new failures, fixed, still failing, new checks, removed checks (the waived BOOT-006 is in none but new checks).
    const cells = [...html.matchAll(/<td style="text-align:right">(\d+)<\/td>/g)].map((m) => Number(m[1]));
    expect(cells).toEqual([1, 1, 1, 3, 1]);
    expect(html).toContain("Fixed: <code>DATA-002 vm102</code>");
    const table = html.slice(html.indexOf("<h3>Failures"));
    expect(table.indexOf("<strong>new</strong>")).toBeLessThan(table.indexOf("still failing"));
    expect(html).toContain("Removed checks: OLD-001 vm102");
  });

  it("fits in a review comment: many long failures are cut to the bound, the tables stay", () => {
    const many = Array.from({ length: 400 }, (_, i) => record("EXPOSE-001", `node${i}`, "failed", { ...EXPOSE_FAIL, message: `${EXPOSE_FAIL.message}\n${"x".repeat(2000)}` }));
    const text = renderSummary(resultsBody(many));
    expect(text.length).toBeLessThanOrEqual(MAX_CHARS);
    expect(text).toContain("The evidence of each failure is left out to fit a review comment");
    expect(text).toMatch(/… and \d+ more failures/);
    expect(md.render(text)).toContain("<td>node0</td>");
  });

  it("a conformant run says so in its heading", () => {
    expect(renderSummary(resultsBody([record("EXPOSE-001", "vm100", "passed")]))).toMatch(/^## Homelab conformance: conformant\n/);
  });
});
