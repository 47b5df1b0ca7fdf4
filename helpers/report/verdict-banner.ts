// The report's first screen answers "conformant? what failed? how do I fix it?" before any tree
// (issue 24): a static block placed above Allure's application, built from results.json, the same
// body the terminal and summary.md read. Allure's own page (groups, evidence, history) follows it.
// Plain HTML with inline styles (the offline CSP allows inline styles, no external load).
import { resultKey, type ResultRecord, type ResultsFile } from "./results.ts";
import { headline, verdictLine } from "./terminal.ts";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const seconds = (ms: number) => (ms >= 60_000 ? `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s` : `${(ms / 1000).toFixed(1)} s`);

/** The banner's HTML for one run. */
export function verdictBanner(body: ResultsFile): string {
  const verdict = verdictLine(body, "any");
  const [word] = verdict.split(":");
  const ok = body.counts.failed === 0;
  const colour = ok ? "#1a7f37" : "#cf222e";
  const down = body.nodes.filter((n) => !n.reachable).map((n) => n.node);
  const target = `${body.run.target === "lab" ? "the built-in lab" : "live nodes"}${body.run.inventory ? ` (${body.run.inventory})` : ""}`;
  const fresh = new Set(body.baseline?.newFailures ?? []);
  const failed = body.results.filter((r) => r.status === "failed");
  const byNode = new Map<string, ResultRecord[]>();
  for (const r of failed) byNode.set(r.node ?? "(no node)", [...(byNode.get(r.node ?? "(no node)") ?? []), r]);
  const rows = [...byNode].map(([node, rs]) => {
    const items = rs.map((r) => {
      const fixes = [...new Set((r.findings ?? []).map((f) => f.fix).filter((f): f is string => !!f))];
      const isNew = fresh.has(resultKey(r)) ? ` <span style="background:#cf222e;color:#fff;border-radius:3px;padding:0 4px;font-size:11px">new</span>` : "";
      return `<li style="margin:6px 0"><b>${esc(r.id)}</b> ${esc(r.title)}${isNew}<div style="color:#57606a">${esc(headline(r))}</div>${fixes.map((f) => `<div><b>fix:</b> <code style="white-space:pre-wrap">${esc(f)}</code></div>`).join("")}</li>`;
    });
    return `<div style="margin-top:10px"><div style="font-weight:600">${esc(node)} (${rs.length})</div><ul style="margin:0;padding-left:20px">${items.join("")}</ul></div>`;
  });
  const errors = body.errors.map((e) => `<li><b>${esc(e.file)}</b>: ${esc(e.message)}</li>`).join("");
  return [
    `<section id="hlc-verdict" style="font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:16px auto;padding:16px 20px;border:2px solid ${colour};border-radius:8px;background:#fff;color:#1f2328">`,
    `<div style="font-size:26px;font-weight:700;color:${colour}">${esc(word!)}</div>`,
    `<div>${esc(verdict.slice(word!.length + 2))}</div>`,
    `<div style="color:#57606a">target: ${esc(target)} · ${body.nodes.length} node(s)${down.length ? `, unreachable: ${esc(down.join(", "))}` : ""} · run took ${seconds(body.run.durationMs)} · ${esc(body.run.startedAt)}</div>`,
    errors ? `<div style="margin-top:10px;color:#cf222e"><b>The run itself failed:</b><ul>${errors}</ul></div>` : "",
    rows.length ? `<div style="margin-top:8px;font-weight:600">Failures by node, with the fix</div>${rows.join("")}` : "",
    `<div style="margin-top:10px;color:#57606a;font-size:12px">Every result, its evidence and the diagnostics follow below, grouped by verdict, layer and node.</div>`,
    `</section>`,
  ].join("");
}

/** `html` with the banner placed first in its body. */
export function withVerdictBanner(html: string, body: ResultsFile): string {
  const at = html.search(/<body[^>]*>/i);
  if (at < 0) return html;
  const end = html.indexOf(">", at) + 1;
  return html.slice(0, end) + verdictBanner(body) + html.slice(end);
}
