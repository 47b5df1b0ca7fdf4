// Reports one judged result as a vitest test with its Allure labels and attachments: the verdict
// is decided before (helpers/run/judge.ts) and travels as data in the test's meta (`meta.hlc`), so
// the reporters read it as it is; the test's own status only mirrors it (failed fails, skipped and
// waived skip with their reason, passed passes).
import * as allure from "allure-js-commons";
import { expect, type TestContext } from "vitest";
import { LAYER_NAMES } from "../inventory/schema.ts";
import type { JudgedResult } from "../results/model.ts";
import { messageWithFixes } from "../spec/message.ts";
import { SKIP_REASON_LABEL } from "../spec/meta.ts";

declare module "vitest" {
  interface TaskMeta {
    hlc?: JudgedResult;
  }
}


export const testName = (r: JudgedResult): string => `${r.id} ${r.node ?? "(no node)"}: ${r.title}`;

export async function reportResult(r: JudgedResult, ctx: TestContext): Promise<void> {
  // The record the reporters read, without the attachments (those go to Allure).
  const { attachments, must: _must, target: _target, ...record } = r;
  ctx.task.meta.hlc = { ...record, must: r.must, attachments: [] };
  if (r.node !== null && r.layer !== null) {
    const layer = `Layer ${r.layer}: ${LAYER_NAMES[r.layer as keyof typeof LAYER_NAMES]}`;
    await allure.labels(
      { name: "invariant", value: r.id },
      { name: "node", value: r.node },
      { name: "section", value: r.section },
      { name: "family", value: r.family },
      { name: "layer", value: layer },
    );
    await allure.epic(layer);
    await allure.feature(r.family);
    await allure.story(`${r.id} ${r.title}`);
    await allure.severity(r.severity);
    await allure.tag(r.id);
    await allure.parameter("node", r.node);
  }
  const head = `**${r.id}** (${r.section}): ${r.must}`;
  const skipped = r.status === "skipped" || r.status === "waived";
  await allure.description(skipped && r.node !== null && r.status === "skipped" ? `${head}\n\nSkipped on \`${r.node}\`: ${r.message}` : r.target ? `${head}\n\n${r.target}` : head);
  for (const a of attachments) await allure.attachment(a.name, a.body, "text/plain");
  if (r.playbook && (r.status === "failed" || r.status === "waived")) await allure.label("playbook", r.playbook);
  if (r.status === "waived") {
    await allure.label("waived", `until ${r.waiver!.expires} by ${r.waiver!.owner}`);
  }
  if (skipped) {
    await allure.label(SKIP_REASON_LABEL, r.message ?? "");
    ctx.skip(r.message);
  }
  if (r.status === "failed") {
    if (r.kind === "broken") throw new Error(r.message);
    // The report shows the fix under each finding (results.json keeps it on the finding).
    expect.fail(messageWithFixes(r.message ?? "", r.findings));
  }
}
