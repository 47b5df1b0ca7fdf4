// What each waiver of the file did in a run: waived a failure, met one but expired, matched no
// failure (stale: the check passes now, or there is no such check), or was not tried because the
// run's filter left its invariant or node out.
import type { ResultRecord, WaiverOutcome } from "../results/model.ts";
import { selectsNode, type RunScope } from "../spec/scope.ts";
import type { Waiver } from "./load.ts";

export function waiverOutcomes(waivers: readonly Waiver[], results: readonly ResultRecord[], scope?: RunScope): WaiverOutcome[] {
  return waivers.map((w) => {
    const base = { invariant: w.invariant, node: w.node, owner: w.owner, justification: w.justification, expires: w.expires, at: `${w.file}:${w.line}` };
    const r = results.find((x) => x.id === w.invariant && x.node === w.node);
    if (r?.waiver) return { ...base, state: r.waiver.state };
    const asked = !scope || ((scope.invariants.length === 0 || scope.invariants.includes(w.invariant)) && selectsNode(scope, w.node) && (scope.families.length === 0 || results.some((x) => x.id === w.invariant)));
    return { ...base, state: asked ? "stale" : "out-of-scope" };
  });
}
