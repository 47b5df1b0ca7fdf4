// .ci/run's closing line (scripts/ci-summary.mjs) on a real vitest JSON report: a file whose
// beforeAll failed and a file that could not be imported are each ONE failure, named above the
// line; their tests are not passed off as skipped (issue: "the closing line must never say
// 0 failed when anything failed").
import { execa } from "execa";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const FIXTURES = "tests/fixtures/ci-summary";

describe("the CI closing line", () => {
  it("counts files that failed to run as failed, names them, and keeps real skips", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "hlc-ci-")), "vitest.json");
    const run = await execa("npx", ["vitest", "run", "--root", FIXTURES, "--outputFile", out], { reject: false });
    expect(run.exitCode).not.toBe(0);
    const summary = await execa("node", ["scripts/ci-summary.mjs", out], { reject: false });
    const lines = summary.stdout.split("\n");
    expect(lines.at(-1)).toBe("1 passed, 2 failed, 1 skipped");
    expect(lines.filter((l) => l.startsWith("FAILED TO RUN: ")).sort()).toEqual([
      expect.stringMatching(/^FAILED TO RUN: \S*hook-fails\.fixture\.ts: .*lab did not start: node vm100 failed to start \(2 tests in it not run\)$/),
      expect.stringMatching(/^FAILED TO RUN: \S*import-fails\.fixture\.ts: .*no-such-module\.ts/),
    ]);
    expect(summary.exitCode).toBe(1);
  });

  it("a missing report is a failure, never '0 failed'", async () => {
    const summary = await execa("node", ["scripts/ci-summary.mjs", "/nonexistent/vitest.json"], { reject: false });
    expect(summary.stdout.split("\n").at(-1)).toBe("0 passed, 1 failed");
    expect(summary.exitCode).toBe(1);
  });
});
