// reports/junit.xml: the Ant/Jenkins JUnit XML that CI systems and code-review tools read.
// One <testsuite> per family, one <testcase> per (invariant, node): classname
// "homelab-conformance.<family>", name "<ID> <node>: <title>". A failure carries the message
// (node, invariant, expected, actual); a skip its reason; a waived failure is a <skipped> that
// says WAIVED with the waiver (JUnit has no such state, and it is not a pass). Validated against
// the schema in tests/fixtures/junit/ (tests/unit/junit.test.ts).
import type { ResultRecord, ResultsFile } from "./results.ts";

/** XML 1.0 text: escape markup, drop characters XML cannot carry (terminal escapes, NUL). */
export function xmlText(s: string): string {
  return s
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}
const attr = (s: string) => xmlText(s).replace(/"/g, "&quot;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
const secs = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(3);
const firstLine = (s: string | undefined) => (s ?? "").split("\n").find((l) => l.trim()) ?? "";

function testcase(r: ResultRecord): string {
  const name = `${r.id} ${r.node ?? "(no node)"}: ${r.title}`;
  const head = `    <testcase name="${attr(name)}" classname="homelab-conformance.${attr(r.family)}" time="${secs(r.durationMs)}"`;
  const where = `node ${r.node ?? "-"}, ${r.id} (${r.section}), severity ${r.severity}${r.layer !== null ? `, layer ${r.layer}` : ""}`;
  if (r.status === "passed") return `${head}/>`;
  if (r.status === "failed") {
    const findings = (r.findings ?? []).map((f) => `${f.subject}: expected ${f.expected}; actual ${f.actual}`);
    const fix = r.findings?.find((f) => f.fix)?.fix;
    const summary = `${findings[0] ?? firstLine(r.message)}${fix ? `; fix: ${fix}` : ""}`;
    const body = `${r.message ?? summary}\n\n${where}${r.kind ? `, ${r.kind}` : ""}`;
    return `${head}>\n      <failure message="${attr(`${r.node ?? "-"}: ${summary}`)}" type="${attr(r.id)}">${xmlText(body)}</failure>\n    </testcase>`;
  }
  const why = r.status === "waived" ? `WAIVED until ${r.waiver?.expires} by ${r.waiver?.owner}: ${r.waiver?.justification}` : firstLine(r.message) || "skipped";
  const out = r.status === "waived" ? `\n      <system-out>${xmlText(r.message ?? "")}</system-out>` : "";
  return `${head}>\n      <skipped message="${attr(why)}"/>${out}\n    </testcase>`;
}

export function renderJunit(body: ResultsFile): string {
  const families = [...new Set(body.results.map((r) => r.family))].sort();
  const stamp = body.run.startedAt.replace(/\.\d+Z$|Z$/, "");
  const suites = families.map((f) => {
    const rs = body.results.filter((r) => r.family === f);
    const n = (s: string) => rs.filter((r) => r.status === s).length;
    const time = rs.reduce((a, r) => a + (r.durationMs ?? 0), 0);
    return [
      `  <testsuite name="homelab-conformance.${attr(f)}" tests="${rs.length}" failures="${n("failed")}" errors="0" skipped="${n("skipped") + n("waived")}" time="${secs(time)}" timestamp="${stamp}" hostname="${attr(body.run.runner ?? "unknown")}">`,
      ...rs.map(testcase),
      `  </testsuite>`,
    ].join("\n");
  });
  if (body.errors.length) {
    suites.push(
      [
        `  <testsuite name="homelab-conformance.spec-files" tests="${body.errors.length}" failures="0" errors="${body.errors.length}" skipped="0" time="0.000" timestamp="${stamp}" hostname="${attr(body.run.runner ?? "unknown")}">`,
        ...body.errors.map((e) => `    <testcase name="${attr(e.file)}" classname="homelab-conformance.spec-files" time="0.000">\n      <error message="${attr(firstLine(e.message))}" type="spec-file">${xmlText(e.message)}</error>\n    </testcase>`),
        `  </testsuite>`,
      ].join("\n"),
    );
  }
  const k = body.counts;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="homelab-conformance" tests="${k.total}" failures="${k.failed - body.errors.length}" errors="${body.errors.length}" time="${secs(body.run.durationMs)}">\n${suites.join("\n")}\n</testsuites>\n`;
}
