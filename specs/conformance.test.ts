// Every result of the run as a test: one `it` per (invariant, node), named "<ID> <node>: <title>",
// grouped by invariant. The invariants themselves are the *.spec.ts files beside this one (one
// each, read by helpers/spec/catalog.ts); specs/global-setup.ts gathered and judged them once.
import { describe, inject, it } from "vitest";
import { reportResult, testName } from "../helpers/report/test-result.ts";
import { awaitResults } from "../helpers/results/channel.ts";
import type { JudgedResult } from "../helpers/results/model.ts";

// The worker starts while the nodes answer; the results come once the run has judged them.
const results = await awaitResults(inject("hlcResultsChannel"));
const byInvariant = new Map<string, JudgedResult[]>();
for (const r of results) byInvariant.set(r.id, [...(byInvariant.get(r.id) ?? []), r]);

for (const [id, mine] of byInvariant) {
  describe(`${id} ${mine[0]!.title}`, () => {
    for (const r of mine) it(testName(r), (ctx) => reportResult(r, ctx));
  });
}
