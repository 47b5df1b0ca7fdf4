// reports/summary.md: the answer for a review comment. Counts first; then, with a baseline, what
// changed; then a table of failures (new ones first) with node, ID, section and the one-line
// finding, each failure's full message and evidence collapsed in <details>; waivers; skips.
// Bounded to fit a review comment (GitHub allows 65536 characters): past MAX_CHARS the details
// are cut and the summary says where the rest is (results.json).
import { headline } from "./terminal.ts";
import type { ResultRecord, ResultsFile } from "./results.ts";

export const MAX_CHARS = 60_000;
const DETAIL_CHARS = 3_000;

/** A table cell: one line, no pipe, no HTML. */
export function cell(s: string, max = 200): string {
  const one = s.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** A fenced block that no backtick run inside `text` can close. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}\n… (cut; the whole message is in results.json)` : s);

function changeLabel(r: ResultRecord): string {
  return r.change === "new-failure" ? "**new**" : r.change === "still-failing" ? "still failing" : "";
}

export function renderSummary(body: ResultsFile): string {
  // Within the bound: first without the collapsed details, then with fewer table rows.
  let md = build(body, true, Infinity);
  if (md.length <= MAX_CHARS) return md;
  md = build(body, false, Infinity);
  for (let rows = 200; md.length > MAX_CHARS && rows >= 10; rows = Math.floor(rows / 2)) md = build(body, false, rows);
  return md;
}

function build(body: ResultsFile, details: boolean, maxRows: number): string {
  const k = body.counts;
  const b = body.baseline;
  const failed = body.results.filter((r) => r.status === "failed");
  const order: Record<string, number> = { "new-failure": 0, "still-failing": 1 };
  failed.sort((x, y) => (order[x.change ?? ""] ?? 2) - (order[y.change ?? ""] ?? 2));
  const newCount = b ? failed.filter((r) => r.change === "new-failure").length : 0;

  const verdict = k.failed === 0 ? "conformant" : `**${k.failed} failed**${b ? `, ${newCount} new since the baseline` : ""}`;
  const out: string[] = [
    `## Homelab conformance: ${verdict}`,
    "",
    `${k.passed} passed · ${k.failed} failed · ${k.waived ?? 0} waived · ${k.skipped} skipped, of ${k.total} checks · target ${body.run.target} · ${body.run.startedAt.replace("T", " ").replace(/\.\d+Z$/, " UTC")} · ${(body.run.durationMs / 1000).toFixed(0)} s · ${body.suite.name} ${body.suite.version}`,
  ];
  if (body.run.scope) {
    const s = body.run.scope;
    out.push("", `Filtered run: ${[s.invariants.length ? `invariants ${s.invariants.join(", ")}` : "", s.families.length ? `families ${s.families.join(", ")}` : "", s.nodes.length ? `nodes ${s.nodes.join(", ")}` : ""].filter(Boolean).join("; ")}.`);
  }
  if (b) {
    out.push(
      "",
      `### Since the baseline (${cell(b.file, 120)}, ${b.startedAt})`,
      "",
      "| new failures | fixed | still failing | new checks | removed checks |",
      "|---:|---:|---:|---:|---:|",
      `| ${b.newFailures.length} | ${b.fixed.length} | ${b.stillFailing.length} | ${b.newChecks.length} | ${b.removedChecks.length} |`,
    );
    if (b.fixed.length) out.push("", `Fixed: ${b.fixed.map((x) => `\`${x}\``).join(", ")}`);
    if (b.noLongerJudged.length) out.push("", `Failed before, skipped now (not judged, so not fixed): ${b.noLongerJudged.map((x) => `\`${x}\``).join(", ")}`);
    if (b.newChecks.length) out.push("", `New checks: ${cell(b.newChecks.join(", "), 1500)}`);
    if (b.removedChecks.length) out.push("", `Removed checks: ${cell(b.removedChecks.join(", "), 1500)}`);
  }

  if (failed.length || body.errors.length) {
    out.push("", `### Failures (${failed.length + body.errors.length})`, "", `|${b ? " change |" : ""} node | ID | section | finding | fix |`, `|${b ? "---|" : ""}---|---|---|---|---|`);
    for (const r of failed.slice(0, maxRows)) out.push(`|${b ? ` ${changeLabel(r)} |` : ""} ${cell(r.node ?? "-")} | ${r.id} | ${cell(r.section)} | ${cell(headline(r))} | ${cell(r.findings?.find((f) => f.fix)?.fix ?? "")} |`);
    for (const e of body.errors) out.push(`|${b ? " |" : ""} - | spec file | \`${cell(e.file)}\` | ${cell(e.message.split("\n")[0]!)} |`);
    if (failed.length > maxRows) out.push("", `… and ${failed.length - maxRows} more failures, left out to fit a review comment: see results.json and the HTML report.`);
    out.push("");
    if (!details) out.push("(The evidence of each failure is left out to fit a review comment: see results.json and the HTML report.)", "");
    for (const r of details ? failed : []) {
      out.push(`<details><summary>${cell(`${r.id} ${r.node}: ${r.title}`)}${r.change === "new-failure" ? " (new)" : ""}</summary>`, "", fenced(clip(r.message ?? headline(r), DETAIL_CHARS)), "", "</details>", "");
    }
  }

  const waived = body.results.filter((r) => r.status === "waived");
  if (waived.length) {
    out.push("", `### Waived (${waived.length}): failing, accepted until the date`, "", "| node | ID | until | owner | justification |", "|---|---|---|---|---|");
    for (const r of waived) out.push(`| ${cell(r.node ?? "-")} | ${r.id} | ${r.waiver!.expires} | ${cell(r.waiver!.owner)} | ${cell(r.waiver!.justification)} |`);
  }
  const expired = (body.waivers ?? []).filter((w) => w.state === "expired");
  const stale = (body.waivers ?? []).filter((w) => w.state === "stale");
  if (expired.length) out.push("", `Expired waivers (their failures count again): ${expired.map((w) => `\`${w.invariant} ${w.node}\` (expired ${w.expires}, ${cell(w.owner)})`).join(", ")}`);
  if (stale.length) out.push("", `Stale waivers (they match no failure of this run; remove them): ${stale.map((w) => `\`${w.invariant} ${w.node}\` (${cell(w.at)})`).join(", ")}`);

  const skipped = body.results.filter((r) => r.status === "skipped");
  if (skipped.length) {
    out.push("", `<details><summary>Skipped (${skipped.length}), with the reason</summary>`, "", "| node | ID | reason |", "|---|---|---|");
    for (const r of skipped.slice(0, maxRows)) out.push(`| ${cell(r.node ?? "-")} | ${r.id} | ${cell(headline(r), 240)} |`);
    if (skipped.length > maxRows) out.push("", `… and ${skipped.length - maxRows} more.`);
    out.push("", "</details>");
  }
  return out.join("\n") + "\n";
}

