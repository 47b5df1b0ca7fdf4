// reports/junit.xml validates against the Ant/Jenkins JUnit schema (tests/fixtures/junit/junit.xsd)
// with xmllint (Debian's libxml2-utils), and says what a CI system shows: one testcase per
// (invariant, node), classname by family, the failure's node/expected/actual, skips with reasons.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { renderJunit } from "../../helpers/report/junit.ts";
import { MIXED, resultsBody } from "./results-fixture.ts";

const XSD = resolve("tests/fixtures/junit/junit.xsd");

function validate(xml: string): { ok: boolean; out: string } {
  const f = join(mkdtempSync(join(tmpdir(), "hlc-junit-")), "junit.xml");
  writeFileSync(f, xml);
  const r = spawnSync("xmllint", ["--noout", "--schema", XSD, f], { encoding: "utf8" });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

// xmllint is installed by `npm test` (scripts/run-tests.sh); without it these tests fail, never skip.
describe("junit.xml", () => {
  const body = resultsBody(MIXED, { errors: [{ file: "specs/x.spec.ts", message: "SyntaxError: Unexpected token\n  at x" }] });
  const xml = renderJunit(body);

  it("validates against the JUnit schema", () => {
    const v = validate(xml);
    expect(v.out).toContain("validates");
    expect(v.ok).toBe(true);
  });

  it("the schema refuses what it must (a testcase without classname, an unknown element)", () => {
    expect(validate(xml.replace(/ classname="[^"]*"/, "")).ok).toBe(false);
    expect(validate(xml.replace("<skipped ", "<ignored ")).ok).toBe(false);
  });

  it("one testcase per (invariant, node), classname by family, failures with node/expected/actual", () => {
    const cases = xml.match(/<testcase /g) ?? [];
    expect(cases).toHaveLength(MIXED.length + 1);
    expect(xml).toContain('classname="homelab-conformance.exposure"');
    expect(xml).toMatch(/<testcase name="EXPOSE-001 lxc200: title of EXPOSE-001" classname="homelab-conformance.exposure"/);
    // The failure message attribute names node, subject, expected and actual (escaped).
    expect(xml).toContain('message="lxc200: prometheus tcp/9090: expected listening on loopback only (127.0.0.1/8, ::1); actual listening on *:9090 by prometheus &lt;dual-stack&gt; &amp; | pipes" type="EXPOSE-001"');
    expect(xml).toMatch(/<skipped message="DATA-010 \[vm102\] not checked: planned in §7: declare storage.smart"\/>/);
    // A waived failure is not a pass: skipped, saying WAIVED and by whom.
    expect(xml).toContain('<skipped message="WAIVED until 2099-01-31 by alice: known flaky unit, replaced next week"/>');
    expect(xml).toMatch(/<testsuites name="homelab-conformance" tests="6" failures="2" errors="1"/);
  });

  it("characters XML cannot carry (terminal escapes) are dropped, not written", () => {
    const bad = resultsBody([{ ...MIXED[0]!, message: "colour \u001b[31mred\u001b[0m and NUL \u0000 end" }]);
    const out = renderJunit(bad);
    expect(out).not.toMatch(/[\u0000\u001b]/);
    expect(validate(out).ok).toBe(true);
    execFileSync("xmllint", ["--version"]);
  });
});
