// Pure evaluation of one invariant on one node's facts: no vitest, no Allure, so it is
// unit-testable and the same logic serves every reporter.
import type { DiagnosticRecord, DiagnosticRequest, Evidence, NodeFacts } from "../facts/types.ts";
import type { NodeDecl } from "../inventory/types.ts";
import type { Probe } from "../probes/types.ts";
import { notHostable, partitionFindings, type HostLimit } from "./limits.ts";
import { formatFailure, formatPlaybook, formatUnreachable, type Finding } from "./message.ts";
import { LEFT_OUT, recordLeftOutReads } from "./scope.ts";
import type { InvariantMeta } from "./meta.ts";

export interface CheckContext {
  node: NodeDecl;
  /** The parsed value of a probe; throws FactUnavailable when it was not gathered or not readable. */
  fact<T>(probe: Probe<T>): T;
}

export interface InvariantDef {
  /** Which declared nodes this invariant speaks about. */
  appliesTo(node: NodeDecl): boolean;
  /**
   * For a node this invariant does not apply to: the reason it would, once declared (a planned item
   * of the document, e.g. "planned in §7: declare storage.snapraid.schedule"). Such a node gets a
   * SKIPPED result carrying the reason, never a pass.
   */
  planned?(node: NodeDecl): string | undefined;
  /** Probes whose facts it judges; their evidence is attached to every result. */
  probes: Probe<unknown>[];
  check(ctx: CheckContext): Finding[];
  /**
   * With `meta.playbook`: what the playbook says to look at on the node when `check` failed
   * (READ-ONLY commands, see helpers/spec/diagnostics.ts), given its findings (empty when a fact
   * could not be read). The gather phase runs them in one extra round trip, only on failure.
   */
  diagnose?(ctx: CheckContext, findings: Finding[]): DiagnosticRequest[];
}

export class FactUnavailable extends Error {}

/**
 * Thrown by a check for a test it did not run (issue 21: a test that did not run is never a pass):
 * the result is SKIPPED with the reason. "opted-out": the run did not opt in to what the test needs
 * (e.g. write probes on a live node); "not-hostable": the machine running the suite cannot host it
 * (e.g. no container engine for a restore).
 */
export class NotRun extends Error {
  constructor(
    message: string,
    readonly kind: "opted-out" | "not-hostable" = "opted-out",
  ) {
    super(message);
  }
}

export type Verdict =
  | { status: "passed"; evidence: Evidence[] }
  | {
      status: "failed";
      message: string;
      findings: Finding[];
      evidence: Evidence[];
      /** What the playbook says to look at (from `diagnose`), and what of it was gathered. */
      wanted: DiagnosticRequest[];
      diagnostics: DiagnosticRecord[];
    }
  | { status: "broken"; message: string; evidence: Evidence[] }
  /**
   * "not-hostable": every finding was one the machine hosting the node cannot exhibit
   * (helpers/spec/limits.ts). "left-out": the result needs facts the run's filter left out
   * (helpers/spec/scope.ts), and what it could judge conforms.
   */
  | { status: "skipped"; reason: "not-hostable" | "left-out" | "opted-out"; message: string; excused: Finding[]; evidence: Evidence[] };

/**
 * `limits`: what the machine hosting the nodes cannot exhibit (the fixture lab's, never a live
 * run's). They are applied to the findings after `check`, so no spec knows of them.
 */
export function evaluate(meta: InvariantMeta, def: InvariantDef, node: NodeDecl, facts: NodeFacts | undefined, limits: HostLimit[] = []): Verdict {
  if (!facts || !facts.reachable) {
    const reason = facts?.error?.message ?? "no facts were gathered for this node";
    return { status: "failed", message: formatUnreachable(meta, node.name, reason), findings: [], evidence: [], wanted: [], diagnostics: [] };
  }
  const evidence = def.probes.flatMap((p) => (facts.facts[p.name] ? [facts.facts[p.name]!.evidence] : []));
  // What the run's filter left out and this check asked for: never judged as if it conformed.
  const leftOut = new Set<string>();
  const ctx: CheckContext = {
    node,
    fact<T>(probe: Probe<T>): T {
      const rec = facts.facts[probe.name];
      if (!rec && facts.leftOutProbes?.includes(probe.name)) {
        leftOut.add(`fact "${probe.name}" of ${node.name}`);
        throw new FactUnavailable(`fact "${probe.name}" was not gathered on ${node.name}: ${LEFT_OUT}`);
      }
      if (!rec) throw new FactUnavailable(`fact "${probe.name}" was not gathered on ${node.name}`);
      if (!rec.ok) throw new FactUnavailable(`fact "${probe.name}" could not be read on ${node.name}: ${rec.error}`);
      return rec.value as T;
    },
  };
  const stopReads = recordLeftOutReads();
  let checked: Finding[] | undefined;
  let thrown: unknown;
  try {
    checked = def.check(ctx);
  } catch (e) {
    thrown = e;
  }
  for (const n of stopReads()) leftOut.add(`the facts of ${n}`);
  // No pass (nor skip) on a fact it declares that was gathered but cannot be read, even where the
  // check did not look (issue 15: a garbled fact must not leave a verdict standing on the rest).
  // Findings the check made stand as they are: they say more.
  // Nor on a declared fact that was never gathered (issue 21: a fact that was not read never
  // passes), unless the run's filter left it out (judged below as left out).
  if (checked && partitionFindings(checked, limits, meta.id, node.name).judged.length === 0) {
    const garbled = def.probes.find((p) => facts.facts[p.name]?.ok === false || (!facts.facts[p.name] && !facts.leftOutProbes?.includes(p.name)));
    if (garbled) {
      try {
        ctx.fact(garbled);
      } catch (e) {
        thrown = e;
        checked = undefined;
      }
    }
  }
  const notJudged = leftOut.size ? `not judged in this run: it reads ${[...leftOut].join(", ")}, ${LEFT_OUT}` : undefined;

  if (checked) {
    // A finding that only says a left-out node or fact is missing is not a finding about this node.
    const mentionsLeftOut = (f: Finding) => `${f.subject} ${f.expected} ${f.actual}`.includes(LEFT_OUT);
    const { judged: findings, excused } = partitionFindings(checked.filter((f) => !mentionsLeftOut(f)), limits, meta.id, node.name);
    if (findings.length === 0 && notJudged) {
      return { status: "skipped", reason: "left-out", message: `${meta.id} [${node.name}] ${notJudged}; everything else it judged on ${node.name} conforms (run without the filter to judge it in full)`, excused: excused.map((e) => e.finding), evidence };
    }
    if (findings.length === 0 && excused.length === 0) return { status: "passed", evidence };
    if (findings.length === 0) {
      const message = `${meta.id} [${node.name}] ${notHostable(excused)}\n${excused.map(({ finding: f }) => `  - ${f.subject}: expected ${f.expected}; actual ${f.actual}`).join("\n")}\n  everything else ${meta.id} checks on ${node.name} was judged and conforms`;
      return { status: "skipped", reason: "not-hostable", message, excused: excused.map((e) => e.finding), evidence };
    }
    const note = (excused.length ? `\n  not judged, ${notHostable(excused)}: ${excused.map((e) => e.finding.subject).join(", ")}` : "") + (notJudged ? `\n  ${notJudged}` : "");
    return withPlaybook(meta, def, ctx, facts, { status: "failed", message: formatFailure(meta, node.name, findings) + note, findings, evidence, wanted: [], diagnostics: [] });
  }
  const e = thrown as Error;
  // A test the check did not run: skipped with why, never passed (and never a failure of the node).
  if (e instanceof NotRun) return { status: "skipped", reason: e.kind, message: `${meta.id} [${node.name}] not run: ${e.message}`, excused: [], evidence };
  const message = `${meta.id} [${node.name}] ${meta.title}: cannot judge: ${e?.message}`;
  if (e instanceof FactUnavailable && notJudged) {
    return { status: "skipped", reason: "left-out", message: `${meta.id} [${node.name}] ${notJudged} (run without the filter to judge it)`, excused: [], evidence };
  }
  // A fact we cannot read is a failure of the node, not of the suite: the operator must look.
  if (e instanceof FactUnavailable) return withPlaybook(meta, def, ctx, facts, { status: "failed", message, findings: [], evidence, wanted: [], diagnostics: [] });
  return { status: "broken", message, evidence };
}

type Failed = Extract<Verdict, { status: "failed" }>;

/** A failure of an invariant with a playbook: name the section, pair what to look at with what was gathered. */
function withPlaybook(meta: InvariantMeta, def: InvariantDef, ctx: CheckContext, facts: NodeFacts, v: Failed): Failed {
  if (!meta.playbook) return v;
  let wanted: DiagnosticRequest[] = [];
  let why: string | undefined;
  try {
    wanted = def.diagnose?.(ctx, v.findings) ?? [];
  } catch (e) {
    why = `cannot tell what to look at: ${(e as Error).message}`;
  }
  const gathered = facts.diagnostics?.[meta.id] ?? [];
  const diagnostics = wanted.flatMap((w) => gathered.filter((g) => g.command === w.command).slice(0, 1));
  const missing = facts.diagnosticsError ?? why;
  return { ...v, wanted, diagnostics, message: `${v.message}\n${formatPlaybook(meta.playbook, wanted, diagnostics, missing)}` };
}
