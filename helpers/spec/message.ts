// How a failed invariant reads: node, invariant, and for each finding what was expected and
// what was found, so an operator understands it at a glance.
import type { InvariantMeta } from "./meta.ts";

export interface Finding {
  /** What is wrong, e.g. "prometheus tcp/9090" or "share media, identity jellyfin". */
  subject: string;
  expected: string;
  actual: string;
}

export function formatFailure(meta: InvariantMeta, node: string, findings: Finding[]): string {
  const head = `${meta.id} [${node}] ${meta.title} (${meta.section})`;
  const lines = findings.map((f) => `  - ${f.subject}: expected ${f.expected}; actual ${f.actual}`);
  return [head, ...lines].join("\n");
}

export function formatUnreachable(meta: InvariantMeta, node: string, reason: string): string {
  return `${meta.id} [${node}] ${meta.title} (${meta.section})\n  - node unreachable, nothing could be checked: ${reason}`;
}
