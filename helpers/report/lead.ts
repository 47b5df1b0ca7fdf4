// The HTML report leads with the answer: every Allure result gets a "verdict" label, the first
// level of the report's tree (allurerc.mjs groupBy), numbered so the groups sort in the order a
// reviewer asks: new failures (with a baseline), failures, waived, fixed, then passed and skipped.
// From results.json when there is one (baseline, waivers); else from the Allure status.
// Each failure's message is its status message; its evidence and playbook diagnostics are its
// attachments: one click on the result.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ResultRecord, ResultsFile } from "./results.ts";

export const VERDICT_LABEL = "verdict";

export const VERDICTS = {
  new: "1. New failures since the baseline",
  failed: "2. Failed",
  still: "2. Still failing (failed in the baseline too)",
  waived: "3. Waived: failing, accepted until a date",
  fixed: "4. Fixed since the baseline",
  passed: "5. Passed",
  skipped: "6. Skipped, with the reason",
} as const;

export function verdictOf(r: Pick<ResultRecord, "status" | "change">): string {
  if (r.status === "failed") return r.change === "new-failure" ? VERDICTS.new : r.change === "still-failing" ? VERDICTS.still : VERDICTS.failed;
  if (r.status === "waived") return VERDICTS.waived;
  if (r.status === "passed") return r.change === "fixed" ? VERDICTS.fixed : VERDICTS.passed;
  return VERDICTS.skipped;
}

interface AllureResult {
  status?: string;
  description?: string;
  labels?: Array<{ name: string; value: string }>;
}

/** Label every result in `resultsDir` with its verdict (in place, idempotent); returns how many per verdict. */
export async function leadWithAnswer(resultsDir: string, results?: ResultsFile): Promise<Record<string, number>> {
  const byKey = new Map((results?.results ?? []).map((r) => [`${r.id} ${r.node}`, r]));
  const counts: Record<string, number> = {};
  for (const f of (await readdir(resultsDir)).filter((x) => x.endsWith("-result.json"))) {
    const file = join(resultsDir, f);
    const r = JSON.parse(await readFile(file, "utf8")) as AllureResult;
    const label = (n: string) => r.labels?.find((l) => l.name === n)?.value;
    const rec = byKey.get(`${label("invariant")} ${label("node")}`);
    const verdict = rec
      ? verdictOf(rec)
      : r.status === "failed" || r.status === "broken"
        ? VERDICTS.failed
        : r.status === "passed"
          ? VERDICTS.passed
          : label("waived")
            ? VERDICTS.waived
            : VERDICTS.skipped;
    counts[verdict] = (counts[verdict] ?? 0) + 1;
    r.labels = [...(r.labels ?? []).filter((l) => l.name !== VERDICT_LABEL), { name: VERDICT_LABEL, value: verdict }];
    if (rec?.change === "new-failure" && !r.description?.startsWith("**NEW")) {
      r.description = `**NEW since the baseline** (${results!.baseline!.file}, ${results!.baseline!.startedAt}): it did not fail there.\n\n${r.description ?? ""}`;
    }
    if (rec?.waiver && !r.description?.includes("**Waiver**")) {
      const w = rec.waiver;
      r.description = `**Waiver** ${w.state === "active" ? `in force until ${w.expires}` : `EXPIRED on ${w.expires}: failing again`}, owner ${w.owner}: ${w.justification} (${w.at})\n\n${r.description ?? ""}`;
    }
    await writeFile(file, JSON.stringify(r));
  }
  return counts;
}
