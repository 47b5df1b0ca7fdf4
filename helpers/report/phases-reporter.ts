// vitest reporter of the conformance project that marks the phases of a run (helpers/report/phases.ts).
// Listed twice: first, to mark when every spec file is judged (before any reporter writes), and
// last, to mark when the results are written, with the spec files' import and test times.
import type { Reporter, TestModule } from "vitest/node";
import { recordPhases, type SpecTimes } from "./phases.ts";

export default class PhasesReporter implements Reporter {
  constructor(private readonly options: { at: "judged" | "results" } = { at: "results" }) {}

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    if (this.options.at === "judged") {
      judgedEnd = Date.now();
      return;
    }
    const specs: SpecTimes = { files: modules.length, tests: 0, collectMs: 0, testsMs: 0 };
    for (const m of modules) {
      const d = m.diagnostic();
      specs.collectMs += d.environmentSetupDuration + d.prepareDuration + d.collectDuration + d.setupDuration;
      specs.testsMs += d.duration;
      specs.tests += [...m.children.allTests()].length;
    }
    specs.collectMs = Math.round(specs.collectMs);
    specs.testsMs = Math.round(specs.testsMs);
    recordPhases({ ...(judgedEnd ? { judgedEnd } : {}), resultsEnd: Date.now() }, specs);
  }
}

// Shared by the two instances (one module in vitest's main process).
let judgedEnd: number | undefined;
