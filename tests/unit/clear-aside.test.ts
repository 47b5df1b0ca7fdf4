// The last run's Allure results leave the way at once (one rename) and are deleted in the
// background, with whatever a killed run left aside (helpers/cli/run.ts clearAside).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clearAside } from "../../helpers/cli/run.ts";

describe("clearAside", () => {
  it("empties the directory at once and deletes the old results and a killed run's leftovers", async () => {
    const root = mkdtempSync(join(tmpdir(), "hlc-clear-"));
    const dir = join(root, "allure-results");
    mkdirSync(dir);
    for (let i = 0; i < 50; i++) writeFileSync(join(dir, `${i}-result.json`), "{}");
    mkdirSync(join(root, ".allure-results.old-1"));
    writeFileSync(join(root, ".allure-results.old-1", "x-attachment.txt"), "left by a killed run");
    writeFileSync(join(root, "results.json"), "{}");
    const done = clearAside(dir);
    expect(existsSync(dir)).toBe(false); // before the deletion finished: the new run writes a fresh one
    await done;
    expect(readdirSync(root)).toEqual(["results.json"]);
  });

  it("an absent directory is nothing to clear", async () => {
    const root = mkdtempSync(join(tmpdir(), "hlc-clear-"));
    await clearAside(join(root, "allure-results"));
    expect(readdirSync(root)).toEqual([]);
    await clearAside(join(root, "missing", "allure-results"));
  });
});
