// Terminal: after a conformance run, every skipped result with its reason (vitest's own summary
// counts them but does not say why). A skip is never silent: planned items of the document, and
// what the machine hosting the lab cannot exhibit ("not hostable here: ...").
import type { Reporter, TestModule } from "vitest/node";

export default class SkippedReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const lines: string[] = [];
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const r = t.result();
        if (r.state !== "skipped") continue;
        const head = (r.note ?? "no reason given").split("\n")[0]!;
        lines.push(`  ↓ ${t.name.replace(/:.*$/, "")}: ${head.replace(/^[A-Z]+-\d{3} \[[^\]]+\] /, "")}`);
      }
    }
    if (lines.length) console.log(`\nSkipped, with the reason (${lines.length}):\n${lines.join("\n")}\n`);
  }
}
