// How a failed invariant reads: node, invariant, and for each finding what was expected and
// what was found, so an operator understands it at a glance.
import type { DiagnosticRecord, DiagnosticRequest } from "../facts/types.ts";
import type { NodeDecl } from "../inventory/types.ts";
import type { InvariantMeta } from "./meta.ts";

import type { Finding } from "../results/model.ts";
export type { Finding } from "../results/model.ts";

/** Each finding with its remediation from the invariant's meta.fix (a fix that throws or is empty adds none). */
export function withFixes(meta: InvariantMeta, node: NodeDecl, findings: Finding[]): Finding[] {
  if (!meta.fix) return findings;
  return findings.map((f) => {
    let fix: string | undefined;
    try {
      fix = meta.fix!(f, node).trim();
    } catch {
      fix = undefined;
    }
    return fix ? { ...f, fix } : f;
  });
}

/** One finding as every message writes it. */
export const findingLine = (f: Finding): string => `  - ${f.subject}: expected ${f.expected}; actual ${f.actual}`;

export function formatFailure(meta: InvariantMeta, node: string, findings: Finding[]): string {
  const head = `${meta.id} [${node}] ${meta.title} (${meta.section})`;
  const lines = findings.map(findingLine);
  return [head, ...lines].join("\n");
}

export function formatUnreachable(meta: InvariantMeta, node: string, reason: string): string {
  return `${meta.id} [${node}] ${meta.title} (${meta.section})\n  - node unreachable, nothing could be checked: ${reason}`;
}

/**
 * The line a failure with a playbook ends with: the section to follow and what the suite looked
 * at for it ("attached"), or what to run by hand when it could not.
 */
export function formatPlaybook(playbook: string, wanted: DiagnosticRequest[], gathered: DiagnosticRecord[], problem?: string): string {
  const head = `  playbook ${playbook}`;
  if (wanted.length === 0) return problem ? `${head} (${problem})` : head;
  const list = wanted.map((w) => w.what).join("; ");
  if (gathered.length === wanted.length) return `${head}: diagnostics attached: ${list}`;
  if (gathered.length === 0) return `${head}: look at ${list}${problem ? ` (not gathered: ${problem})` : " (not gathered)"}`;
  const got = new Set(gathered.map((g) => g.command));
  return `${head}: diagnostics attached: ${gathered.map((g) => g.what).join("; ")}; not gathered: ${wanted.filter((w) => !got.has(w.command)).map((w) => w.what).join("; ")}`;
}

/**
 * A failure message with each finding's fix under it, for the outputs a person reads (the HTML
 * report). The judged message itself stays the finding lines: results.json keeps the fix on each
 * finding, and every output shows it from there.
 */
export function messageWithFixes(message: string, findings: readonly Finding[] | undefined): string {
  const fixes = (findings ?? []).filter((f) => f.fix);
  if (fixes.length === 0) return message;
  return message
    .split("\n")
    .flatMap((line) => {
      const f = fixes.find((x) => line === findingLine(x));
      return f ? [line, `    fix: ${f.fix}`] : [line];
    })
    .join("\n");
}
