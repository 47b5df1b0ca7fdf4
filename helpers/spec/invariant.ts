// Registers an invariant as vitest tests: one `it` per (invariant, node), named
// "<ID> <node>: <title>", labelled for Allure, with the evidence it judged attached.
import * as allure from "allure-js-commons";
import { describe, expect, it } from "vitest";
import { evaluate, type InvariantDef } from "./evaluate.ts";
import { LAYER_NAMES } from "../inventory/schema.ts";
import { ID_PATTERN, SKIP_REASON_LABEL, type InvariantMeta } from "./meta.ts";
import { declare, registersTests } from "./registry.ts";
import { runContext } from "./run-context.ts";
import type { ResultIdentity } from "../report/results.ts";
import { guardLeftOut, scopeFromEnv, selectsInvariant, selectsNode } from "./scope.ts";
import type { NodeDecl } from "../inventory/types.ts";
import { runWaivers } from "../waivers/env.ts";
import { findWaiver, waiverNote } from "../waivers/apply.ts";

/** The spec file calling invariant(), from the stack (for the conformance document). */
function callerFile(): string {
  const line = new Error().stack?.split("\n").find((l) => /\.spec\.ts/.test(l)) ?? "";
  return /(specs\/[^:)]+\.spec\.ts)/.exec(line)?.[1] ?? "specs/";
}


/**
 * What a reporter needs to know of one (invariant, node) result without parsing its title:
 * vitest carries `task.meta` to reporters (helpers/report/results-reporter.ts -> results.json).
 */
export interface ResultMeta extends ResultIdentity {
  playbook?: string;
  /**
   * How the result was reached beyond pass/fail: planned item, host limit, unreachable node,
   * facts the run's filter left out, a failure a waiver accepts ("waived": reported status waived).
   */
  kind?: "planned" | "not-hostable" | "no-node" | "unreachable" | "left-out" | "opted-out" | "waived";
  /** The waiver that met a failure (helpers/waivers): in force ("active") or expired. */
  waiver?: { owner: string; justification: string; expires: string; state: "active" | "expired"; at: string };
  findings?: Array<{ subject: string; expected: string; actual: string }>;
  /** The reason of a skip, or the failure's message (also in the test's error). */
  message?: string;
}

declare module "vitest" {
  interface TaskMeta {
    hlc?: ResultMeta;
  }
}

const resultMeta = (meta: InvariantMeta, node: NodeDecl | undefined, extra: Partial<ResultMeta> = {}): ResultMeta => ({
  id: meta.id,
  node: node?.name ?? null,
  title: meta.title,
  section: meta.section,
  family: meta.family,
  severity: meta.severity,
  layer: node?.layer ?? null,
  ...(meta.playbook ? { playbook: meta.playbook } : {}),
  ...extra,
});

/** Allure labels of one (invariant, node) result, passed, failed or skipped alike. */
async function labelResult(meta: InvariantMeta, node: NodeDecl): Promise<void> {
  const layer = `Layer ${node.layer}: ${LAYER_NAMES[node.layer]}`;
  await allure.labels(
    { name: "invariant", value: meta.id },
    { name: "node", value: node.name },
    { name: "section", value: meta.section },
    { name: "family", value: meta.family },
    { name: "layer", value: layer },
  );
  await allure.epic(layer);
  await allure.feature(meta.family);
  await allure.story(`${meta.id} ${meta.title}`);
  await allure.severity(meta.severity);
  await allure.tag(meta.id);
  await allure.parameter("node", node.name);
}

export function invariant(meta: InvariantMeta, def: InvariantDef): void {
  if (!ID_PATTERN.test(meta.id)) throw new Error(`invariant id ${meta.id} does not match ${ID_PATTERN}`);
  declare(meta, def, callerFile());
  if (!registersTests()) return;
  // The run's filter (--invariant, --family, --node): what it leaves out is not registered at all.
  const scope = scopeFromEnv();
  if (!selectsInvariant(scope, meta)) return;
  const run = runContext();
  guardLeftOut(run.facts);
  const selected = run.inventory.nodes.filter((n) => selectsNode(scope, n.name));
  const nodes = selected.filter((n) => def.appliesTo(n));
  const planned = selected.flatMap((n) => {
    const reason = nodes.includes(n) ? undefined : def.planned?.(n);
    return reason ? [{ node: n, reason }] : [];
  });
  if (nodes.length === 0 && planned.length === 0 && scope.nodes.length > 0) return;

  describe(`${meta.id} ${meta.title}`, () => {
    for (const { node, reason } of planned) {
      it(`${meta.id} ${node.name}: ${meta.title}`, async (ctx) => {
        await labelResult(meta, node);
        await allure.description(`**${meta.id}** (${meta.section}): ${meta.must}\n\nSkipped on \`${node.name}\`: ${reason}`);
        const note = `${meta.id} [${node.name}] not checked: ${reason}`;
        ctx.task.meta.hlc = resultMeta(meta, node, { kind: "planned", message: note });
        await allure.label(SKIP_REASON_LABEL, note);
        ctx.skip(note);
      });
    }
    if (nodes.length === 0 && planned.length === 0) {
      it(`${meta.id} (no node): ${meta.title}`, async (ctx) => {
        const note = `no node in the inventory declares what ${meta.id} checks`;
        ctx.task.meta.hlc = resultMeta(meta, undefined, { kind: "no-node", message: note });
        await allure.label(SKIP_REASON_LABEL, note);
        ctx.skip(note);
      });
      return;
    }
    for (const node of nodes) {
      it(`${meta.id} ${node.name}: ${meta.title}`, async (ctx) => {
        await labelResult(meta, node);
        await allure.description(`**${meta.id}** (${meta.section}): ${meta.must}\n\nTarget: ${run.target}, node \`${node.name}\` (${node.role}, ${node.ssh ? node.ssh.host : `pct exec ${node.pct?.vmid} on ${node.pct?.host}`}).`);

        const verdict = evaluate(meta, def, node, run.facts.nodes[node.name], run.limits);
        const reachable = run.facts.nodes[node.name]?.reachable ?? false;
        // A waiver (HLC_WAIVERS) accepts a failure for a while; expired, the failure stands and says so.
        const waived = verdict.status === "failed" ? findWaiver(runWaivers(), meta.id, node.name, new Date()) : undefined;
        if (verdict.status === "failed" && waived) verdict.message += `\n${waiverNote(waived.waiver, waived.state)}`;
        ctx.task.meta.hlc = resultMeta(meta, node, {
          ...(verdict.status === "failed" ? { findings: verdict.findings, message: verdict.message, ...(reachable ? {} : { kind: "unreachable" as const }) } : {}),
          ...(waived ? { ...(waived.state === "active" ? { kind: "waived" as const } : {}), waiver: { owner: waived.waiver.owner, justification: waived.waiver.justification, expires: waived.waiver.expires, state: waived.state, at: `${waived.waiver.file}:${waived.waiver.line}` } } : {}),
          ...(verdict.status === "skipped" ? { kind: verdict.reason, findings: verdict.excused, message: verdict.message } : {}),
          ...(verdict.status === "broken" ? { message: verdict.message } : {}),
        });
        for (const ev of verdict.evidence) {
          const body = `$ ${ev.command}\n# exit ${ev.code ?? "killed"}\n${ev.stdout}${ev.stderr ? `\n# stderr\n${ev.stderr}` : ""}`;
          await allure.attachment(`evidence: ${ev.probe}`, body, "text/plain");
        }
        if (verdict.status === "failed") {
          // The playbook's diagnostics (§4.3-4.5), gathered on this node after it failed.
          for (const d of verdict.diagnostics) {
            const body = `$ ${d.command}\n# exit ${d.code ?? "killed"}\n${d.stdout}${d.stderr ? `\n# stderr\n${d.stderr}` : ""}`;
            await allure.attachment(`diagnostics: ${d.what}`, body, "text/plain");
          }
          if (meta.playbook) await allure.label("playbook", meta.playbook);
          if (waived?.state === "active") {
            // Reported as waived (results.json status "waived"), never as a pass: skipped with the waiver.
            await allure.label(SKIP_REASON_LABEL, verdict.message);
            await allure.label("waived", `until ${waived.waiver.expires} by ${waived.waiver.owner}`);
            ctx.skip(verdict.message);
          }
          expect.fail(verdict.message);
        }
        if (verdict.status === "broken") throw new Error(verdict.message);
        if (verdict.status === "skipped") {
          await allure.description(`**${meta.id}** (${meta.section}): ${meta.must}\n\nSkipped on \`${node.name}\`: ${verdict.message}`);
          await allure.label(SKIP_REASON_LABEL, verdict.message);
          ctx.skip(verdict.message);
        }
      });
    }
  });
}
