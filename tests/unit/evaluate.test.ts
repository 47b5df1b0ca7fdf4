import { describe, expect, it } from "vitest";
import type { NodeFacts } from "../../helpers/facts/types.ts";
import type { NodeDecl } from "../../helpers/inventory/types.ts";
import type { Probe } from "../../helpers/probes/types.ts";
import { evaluate, type InvariantDef } from "../../helpers/spec/evaluate.ts";
import type { InvariantMeta } from "../../helpers/spec/meta.ts";

const meta: InvariantMeta = { id: "TEST-001", title: "Things are fine", must: "Things MUST be fine.", section: "§9", family: "exposure", severity: "normal" };
const probe: Probe<number> = { name: "answer", command: "echo 42", parse: (o) => Number(o.stdout) };
const node = { name: "vm102", role: "storage", layer: 1, services: [], ssh: {} } as unknown as NodeDecl;
const evidence = { probe: "answer", command: "echo 42", stdout: "42\n", stderr: "", code: 0 };
const facts = (over: Partial<NodeFacts> = {}): NodeFacts => ({
  node: "vm102", reachable: true, roundTrips: 1, gatherMs: 1, facts: { answer: { ok: true, value: 42, evidence } }, ...over,
});
const def = (check: InvariantDef<{ answer: Probe<number> }>["check"]): InvariantDef => ({ appliesTo: () => true, reads: () => ({ answer: probe }), check } as InvariantDef);

describe("evaluating one invariant on one node", () => {
  it("passes with no findings and carries the evidence it judged", () => {
    expect(evaluate(meta, def(() => []), node, facts())).toEqual({ status: "passed", evidence: [evidence] });
  });

  it("fails with a message naming node, invariant, expected and actual", () => {
    const v = evaluate(meta, def(({ facts }) => [{ subject: "answer", expected: "41", actual: String(facts.answer) }]), node, facts());
    expect(v.status).toBe("failed");
    expect(v.status === "failed" && v.message).toBe("TEST-001 [vm102] Things are fine (§9)\n  - answer: expected 41; actual 42");
  });

  it("fails an unreachable node's invariant with the transport's reason", () => {
    const v = evaluate(meta, def(() => []), node, facts({ reachable: false, error: { kind: "hostkey", message: "vm102: HOST KEY MISMATCH" } }));
    expect(v).toMatchObject({ status: "failed", message: expect.stringContaining("node unreachable, nothing could be checked: vm102: HOST KEY MISMATCH") });
  });

  it("fails, not passes, when the fact it needs could not be read", () => {
    const broken = facts({ facts: { answer: { ok: false, error: "ss exited 1", evidence } } });
    const v = evaluate(meta, def(({ facts }) => (facts.answer, [])), node, broken);
    expect(v).toMatchObject({ status: "failed", message: expect.stringContaining('fact "answer" could not be read on vm102: ss exited 1') });
  });

  it("reports a bug in the check itself as broken, not as drift", () => {
    const v = evaluate(meta, def(() => { throw new TypeError("oops"); }), node, facts());
    expect(v.status).toBe("broken");
  });
});
