// Pure evaluation of one invariant on one node: no vitest, no Allure, no global. The run
// (helpers/run/judge.ts) calls it once per (invariant, node); unit tests call it on captured output.
import type { DiagnosticRecord, DiagnosticRequest, Evidence, NodeFacts } from "../facts/types.ts";
import type { Inventory, NodeDecl } from "../inventory/types.ts";
import type { Probe } from "../probes/types.ts";
import type { Finding } from "../results/model.ts";
import { notHostable, partitionFindings, type HostLimit } from "./limits.ts";
import { findingLine, formatFailure, formatPlaybook, formatUnreachable, withFixes } from "./message.ts";
import { LEFT_OUT } from "./scope.ts";
import type { InvariantMeta } from "./meta.ts";
import type { CheckContext, InvariantDef, PeerFact, Reads, RunOptions, Scene } from "./invariant.ts";

export type { CheckContext, InvariantDef } from "./invariant.ts";

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
   * (helpers/spec/limits.ts). "left-out": the result needs facts of a node the run's filter left
   * out (helpers/spec/scope.ts), and what it could judge conforms.
   */
  | { status: "skipped"; reason: "not-hostable" | "left-out" | "opted-out"; message: string; excused: Finding[]; evidence: Evidence[] };

/** Everything but the node's own facts that a verdict may depend on. */
export interface World {
  inventory: Inventory;
  /** Every node's facts (the peers an invariant declared are read from here). */
  nodes: Record<string, NodeFacts>;
  options: RunOptions;
}

export const DEFAULT_OPTIONS: RunOptions = { target: "live", writes: { allowed: false, optedOut: false }, nonce: "00000000" };

/** A world of one node, for judging a node on its own facts (unit tests on captured output). */
export function worldOf(node: NodeDecl, facts: NodeFacts | undefined, world: Partial<World> = {}): World {
  return {
    inventory: world.inventory ?? { file: "(none)", version: 1, nodes: [node] },
    nodes: world.nodes ?? (facts ? { [node.name]: facts } : {}),
    options: world.options ?? DEFAULT_OPTIONS,
  };
}

/**
 * `limits`: what the machine hosting the nodes cannot exhibit (the fixture lab's, never a live
 * run's). They are applied to the findings after `check`, so no spec knows of them.
 */
export function evaluate(meta: InvariantMeta, def: InvariantDef, node: NodeDecl, facts: NodeFacts | undefined, limits: HostLimit[] = [], partial: Partial<World> = {}): Verdict {
  const world = worldOf(node, facts, partial);
  if (!facts || !facts.reachable) {
    const reason = facts?.error?.message ?? "no facts were gathered for this node";
    return { status: "failed", message: formatUnreachable(meta, node.name, reason), findings: [], evidence: [], wanted: [], diagnostics: [] };
  }
  const scene: Scene = { inventory: world.inventory, options: world.options };
  let reads: Reads;
  try {
    reads = def.reads(node, scene);
  } catch (e) {
    return { status: "broken", message: `${meta.id} [${node.name}] ${meta.title}: cannot tell what it reads: ${(e as Error).message}`, evidence: [] };
  }
  const required = Object.values(reads).filter((r): r is Probe<unknown> => r !== undefined && !("optional" in r));
  const evidence = required.flatMap((p) => (facts.facts[p.name] ? [facts.facts[p.name]!.evidence] : []));
  const leftOut = new Set<string>();
  const ctx = context(node, facts, reads, def, scene, world, leftOut);

  let checked: Finding[] | undefined;
  let thrown: unknown;
  try {
    checked = def.check(ctx);
  } catch (e) {
    thrown = e;
  }
  // No pass (nor skip) on a fact it requires that was gathered but cannot be read, even where the
  // check did not look (issue 15: a garbled fact must not leave a verdict standing on the rest).
  // Findings the check made stand as they are: they say more. Nor on a required fact that was never
  // gathered (issue 21: a fact that was not read never passes).
  if (checked && partitionFindings(checked, limits, meta.id, node.name).judged.length === 0) {
    const garbled = required.find((p) => facts.facts[p.name]?.ok !== true);
    if (garbled) {
      const rec = facts.facts[garbled.name];
      thrown = new FactUnavailable(rec ? `fact "${garbled.name}" could not be read on ${node.name}: ${rec.error}` : `fact "${garbled.name}" was not gathered on ${node.name}`);
      checked = undefined;
    }
  }
  const notJudged = leftOut.size ? `not judged in this run: it reads ${[...leftOut].join(", ")}, ${LEFT_OUT}` : undefined;

  if (checked) {
    // A finding that only says a left-out node is missing is not a finding about this node.
    const mentionsLeftOut = (f: Finding) => `${f.subject} ${f.expected} ${f.actual}`.includes(LEFT_OUT);
    const { judged: unfixed, excused } = partitionFindings(checked.filter((f) => !mentionsLeftOut(f)), limits, meta.id, node.name);
    const findings = withFixes(meta, node, unfixed);
    if (findings.length === 0 && notJudged) {
      return { status: "skipped", reason: "left-out", message: `${meta.id} [${node.name}] ${notJudged}; everything else it judged on ${node.name} conforms (run without the filter to judge it in full)`, excused: excused.map((e) => e.finding), evidence };
    }
    if (findings.length === 0 && excused.length === 0) return { status: "passed", evidence };
    if (findings.length === 0) {
      const message = `${meta.id} [${node.name}] ${notHostable(excused)}\n${excused.map(({ finding }) => findingLine(finding)).join("\n")}\n  everything else ${meta.id} checks on ${node.name} was judged and conforms`;
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

/** The check's view: its declared facts (read lazily, so a missing one fails only where it is read) and its declared peers. */
function context(node: NodeDecl, facts: NodeFacts, reads: Reads, def: InvariantDef, scene: Scene, world: World, leftOut: Set<string>): CheckContext {
  const values: Record<string, unknown> = {};
  for (const [key, r] of Object.entries(reads)) {
    Object.defineProperty(values, key, {
      enumerable: true,
      get() {
        if (r === undefined) return undefined;
        const probe = "optional" in r ? r.optional : r;
        const rec = facts.facts[probe.name];
        if ("optional" in r) return rec?.ok ? rec.value : undefined;
        if (!rec) throw new FactUnavailable(`fact "${probe.name}" was not gathered on ${node.name}`);
        if (!rec.ok) throw new FactUnavailable(`fact "${probe.name}" could not be read on ${node.name}: ${rec.error}`);
        return rec.value;
      },
    });
  }
  let declared: Set<string> | undefined;
  return {
    node,
    inventory: scene.inventory,
    facts: values as CheckContext["facts"],
    peer<T>(peer: string, probe: Probe<T>): PeerFact<T> {
      declared ??= new Set((def.peers?.(node, scene) ?? []).map((p) => `${p.node}\u0000${p.probe.name}`));
      if (!declared.has(`${peer}\u0000${probe.name}`)) throw new Error(`reads fact "${probe.name}" of ${peer}, which its peers() does not declare`);
      const f = peerFact<T>(world.nodes, peer, probe.name);
      if (!f.ok && f.reason === "left-out") leftOut.add(`the facts of ${peer}`);
      return f;
    },
  };
}

/** Another node's fact as a check receives it: its value, or why there is none. */
export function peerFact<T>(nodes: Record<string, NodeFacts>, peer: string, probe: string): PeerFact<T> {
  const nf = nodes[peer];
  if (nf?.leftOut) return { ok: false, reason: "left-out", why: nf.error?.message ?? `${peer} ${LEFT_OUT}` };
  if (!nf?.reachable) return { ok: false, reason: "unreachable", why: nf?.error?.message ?? "no facts were gathered for it" };
  const rec = nf.facts[probe];
  if (!rec) return { ok: false, reason: "not-gathered", why: `no fact "${probe}" was gathered on ${peer}` };
  if (!rec.ok) return { ok: false, reason: "unreadable", why: rec.error ?? "unreadable" };
  return { ok: true, value: rec.value as T };
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
  return attachDiagnostics(meta, { ...v, wanted }, facts, why);
}

/**
 * The playbook line of a failure, from what it wanted and what the diagnostics round trip gathered
 * on the node (none yet when it is first judged; the run calls this again once they are in).
 */
export function attachDiagnostics(meta: InvariantMeta, v: Failed, facts: NodeFacts, why?: string): Failed {
  if (!meta.playbook) return v;
  const gathered = facts.diagnostics?.[meta.id] ?? [];
  const diagnostics = v.wanted.flatMap((w) => gathered.filter((g) => g.command === w.command).slice(0, 1));
  const missing = facts.diagnosticsError ?? why;
  const base = v.message.split("\n  playbook ")[0]!;
  return { ...v, diagnostics, message: `${base}\n${formatPlaybook(meta.playbook, v.wanted, diagnostics, missing)}` };
}
