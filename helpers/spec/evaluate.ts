// Pure evaluation of one invariant on one node's facts: no vitest, no Allure, so it is
// unit-testable and the same logic serves every reporter.
import type { Evidence, NodeFacts } from "../facts/types.ts";
import type { NodeDecl } from "../inventory/types.ts";
import type { Probe } from "../probes/types.ts";
import { formatFailure, formatUnreachable, type Finding } from "./message.ts";
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
}

export class FactUnavailable extends Error {}

export type Verdict =
  | { status: "passed"; evidence: Evidence[] }
  | { status: "failed"; message: string; findings: Finding[]; evidence: Evidence[] }
  | { status: "broken"; message: string; evidence: Evidence[] };

export function evaluate(meta: InvariantMeta, def: InvariantDef, node: NodeDecl, facts: NodeFacts | undefined): Verdict {
  if (!facts || !facts.reachable) {
    const reason = facts?.error?.message ?? "no facts were gathered for this node";
    return { status: "failed", message: formatUnreachable(meta, node.name, reason), findings: [], evidence: [] };
  }
  const evidence = def.probes.flatMap((p) => (facts.facts[p.name] ? [facts.facts[p.name]!.evidence] : []));
  const ctx: CheckContext = {
    node,
    fact<T>(probe: Probe<T>): T {
      const rec = facts.facts[probe.name];
      if (!rec) throw new FactUnavailable(`fact "${probe.name}" was not gathered on ${node.name}`);
      if (!rec.ok) throw new FactUnavailable(`fact "${probe.name}" could not be read on ${node.name}: ${rec.error}`);
      return rec.value as T;
    },
  };
  try {
    const findings = def.check(ctx);
    if (findings.length === 0) return { status: "passed", evidence };
    return { status: "failed", message: formatFailure(meta, node.name, findings), findings, evidence };
  } catch (e) {
    const message = `${meta.id} [${node.name}] ${meta.title}: cannot judge: ${(e as Error).message}`;
    // A fact we cannot read is a failure of the node, not of the suite: the operator must look.
    if (e instanceof FactUnavailable) return { status: "failed", message, findings: [], evidence };
    return { status: "broken", message, evidence };
  }
}
