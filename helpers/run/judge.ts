// Judging a run: every selected (invariant, node) evaluated ONCE, on facts gathered once. The
// failures with a playbook say what to look at; after that round trip (helpers/facts/gather.ts
// diagnoseRun) their messages name what was gathered; waivers apply; each result becomes data
// (helpers/results/model.ts) that the reporters show as it is, never decoded from a test status.
import type { DiagnosticPlan, NodeFacts } from "../facts/types.ts";
import type { NodeDecl } from "../inventory/types.ts";
import type { JudgedResult, ResultRecord } from "../results/model.ts";
import type { Declared } from "../spec/catalog.ts";
import { attachDiagnostics, evaluate, type Verdict, type World } from "../spec/evaluate.ts";
import type { HostLimit } from "../spec/limits.ts";
import type { InvariantMeta } from "../spec/meta.ts";
import { findWaiver, waiverNote } from "../waivers/apply.ts";
import type { Waiver } from "../waivers/load.ts";
import { applies, type Selection } from "./plan.ts";

export type Outcome = { kind: "verdict"; verdict: Verdict } | { kind: "planned"; reason: string } | { kind: "no-node" } | { kind: "broken"; message: string };

export interface Judgement {
  d: Declared;
  node?: NodeDecl;
  outcome: Outcome;
}

export function judgeAll(selection: Selection, world: World, limits: HostLimit[], filteredByNode: boolean): Judgement[] {
  const out: Judgement[] = [];
  const scene = { inventory: world.inventory, options: world.options };
  for (const d of selection.invariants) {
    const mine: Judgement[] = [];
    for (const node of selection.nodes) {
      const a = applies(d, node, scene);
      if (a instanceof Error) {
        mine.push({ d, node, outcome: { kind: "broken", message: `${d.meta.id} [${node.name}] ${d.meta.title}: cannot tell whether it applies: ${a.message}` } });
      } else if (a) {
        mine.push({ d, node, outcome: { kind: "verdict", verdict: evaluate(d.meta, d.def, node, world.nodes[node.name], limits, world) } });
      } else {
        let reason: string | undefined;
        try {
          reason = d.def.planned?.(node, scene);
        } catch {
          reason = undefined;
        }
        if (reason) mine.push({ d, node, outcome: { kind: "planned", reason } });
      }
    }
    // An invariant no node declares is a result of its own (skipped), unless the filter chose nodes.
    if (mine.length === 0 && !filteredByNode) mine.push({ d, outcome: { kind: "no-node" } });
    out.push(...mine);
  }
  return out;
}

/** Per node, per failed invariant with a playbook: what to look at. */
export function diagnosticsPlan(judged: Judgement[], nodes: Record<string, NodeFacts>): DiagnosticPlan {
  const plan: DiagnosticPlan = {};
  for (const j of judged) {
    if (j.outcome.kind !== "verdict" || !j.node) continue;
    const v = j.outcome.verdict;
    if (v.status !== "failed" || v.wanted.length === 0 || !nodes[j.node.name]?.reachable) continue;
    (plan[j.node.name] ??= {})[j.d.meta.id] = v.wanted;
  }
  return plan;
}

/** The messages of failures with diagnostics, once the diagnostics round trip is in. */
export function withDiagnostics(judged: Judgement[], nodes: Record<string, NodeFacts>): Judgement[] {
  return judged.map((j) => {
    if (j.outcome.kind !== "verdict" || !j.node) return j;
    const v = j.outcome.verdict;
    if (v.status !== "failed" || v.wanted.length === 0) return j;
    return { ...j, outcome: { kind: "verdict", verdict: attachDiagnostics(j.d.meta, v, nodes[j.node.name]!) } };
  });
}

const identity = (meta: InvariantMeta, node: NodeDecl | undefined) => ({
  id: meta.id,
  node: node?.name ?? null,
  title: meta.title,
  section: meta.section,
  family: meta.family,
  severity: meta.severity,
  layer: node?.layer ?? null,
});

const evidenceBody = (e: { command: string; code: number | null; stdout: string; stderr: string }) =>
  `$ ${e.command}\n# exit ${e.code ?? "killed"}\n${e.stdout}${e.stderr ? `\n# stderr\n${e.stderr}` : ""}`;

/** Each judgement as the result every output shows. */
export function toResults(judged: Judgement[], world: World, waivers: readonly Waiver[], now: Date): JudgedResult[] {
  return judged.map(({ d: { meta }, node, outcome }): JudgedResult => {
    const base = { ...identity(meta, node), must: meta.must, attachments: [] as JudgedResult["attachments"] };
    if (!node || outcome.kind === "no-node") return { ...base, status: "skipped", kind: "no-node", message: `no node in the inventory declares what ${meta.id} checks` };
    const target = `Target: ${world.options.target}, node \`${node.name}\` (${node.role}, ${node.ssh ? node.ssh.host : `pct exec ${node.pct?.vmid} on ${node.pct?.host}`}).`;
    const withNode = { ...base, target };
    if (outcome.kind === "planned") return { ...withNode, status: "skipped", kind: "planned", message: `${meta.id} [${node.name}] not checked: ${outcome.reason}` };
    if (outcome.kind === "broken") return { ...withNode, status: "failed", kind: "broken", message: outcome.message };
    const v = outcome.verdict;
    const attachments = v.evidence.map((e) => ({ name: `evidence: ${e.probe}`, body: evidenceBody(e) }));
    if (v.status === "passed") return { ...withNode, status: "passed", attachments };
    if (v.status === "broken") return { ...withNode, status: "failed", kind: "broken", message: v.message, attachments };
    if (v.status === "skipped") return { ...withNode, status: "skipped", kind: v.reason, message: v.message, ...(v.excused.length ? { findings: v.excused } : {}), attachments };
    // Failed: the playbook's diagnostics beside the evidence; a waiver may accept it for a while.
    const reachable = world.nodes[node.name]?.reachable ?? false;
    const diag = v.diagnostics.map((x) => ({ name: `diagnostics: ${x.what}`, body: evidenceBody(x) }));
    const waived = findWaiver(waivers, meta.id, node.name, now);
    const record: Omit<ResultRecord, keyof ReturnType<typeof identity>> = {
      status: waived?.state === "active" ? "waived" : "failed",
      ...(reachable ? {} : { kind: "unreachable" as const }),
      message: waived ? `${v.message}\n${waiverNote(waived.waiver, waived.state)}` : v.message,
      ...(v.findings.length ? { findings: v.findings } : {}),
      ...(meta.playbook ? { playbook: meta.playbook } : {}),
      ...(waived ? { waiver: { owner: waived.waiver.owner, justification: waived.waiver.justification, expires: waived.waiver.expires, state: waived.state, at: `${waived.waiver.file}:${waived.waiver.line}` } } : {}),
    };
    return { ...withNode, ...record, attachments: [...attachments, ...diag] };
  });
}
