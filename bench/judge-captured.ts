// Every verdict of the catalogue on the captured conformant lab run (fixtures/captured/lab-run),
// and on variants of it: each fact of each node removed, or unreadable, and vm100 unreachable.
// Prints {"<variant> <ID> <node>": [status, reason, message, findings, evidence]}: run it on two
// commits and diff the output to show a change judges exactly as before (issue 20: 14,544
// judgements over 144 variants identical before and after "one invariant owns what it reads").
//   npx tsx bench/judge-captured.ts > verdicts.json
import { readFileSync } from "node:fs";
import { loadCatalog } from "../helpers/spec/catalog.ts";
import { evaluate } from "../helpers/spec/evaluate.ts";
import { writeSwitch } from "../helpers/run/options.ts";
const run = JSON.parse(readFileSync("fixtures/captured/lab-run/run.json", "utf8"));
const cat = await loadCatalog();
const options = { target: "lab" as const, writes: writeSwitch("lab", undefined), nonce: "x" };
const scene = { inventory: run.inventory, options };
const out: Record<string, unknown> = {};
const base = run.facts;
const variants: Array<[string, any]> = [["conformant", base]];
for (const [nn, nf] of Object.entries<any>(base.nodes)) for (const k of Object.keys(nf.facts ?? {})) {
  const { [k]: _gone, ...rest } = nf.facts;
  variants.push([`${nn}/${k}/missing`, { ...base, nodes: { ...base.nodes, [nn]: { ...nf, facts: rest } } }]);
  variants.push([`${nn}/${k}/unreadable`, { ...base, nodes: { ...base.nodes, [nn]: { ...nf, facts: { ...nf.facts, [k]: { ...nf.facts[k], ok: false, value: undefined, error: "garbled" } } } } }]);
}
variants.push(["vm100/unreachable", { ...base, nodes: { ...base.nodes, vm100: { ...base.nodes.vm100, reachable: false, error: { kind: "timeout", message: "x" } } } }]);
for (const [vn, facts] of variants) {

for (const d of cat) for (const n of run.inventory.nodes) {
  if (!d.def.appliesTo(n, scene)) { const r = d.def.planned?.(n, scene); if (r) out[`${vn} ${d.meta.id} ${n.name}`] = ["planned", r]; continue; }
  const v: any = evaluate(d.meta, d.def, n, facts.nodes[n.name], run.limits, { inventory: run.inventory, nodes: facts.nodes, options });
  out[`${vn} ${d.meta.id} ${n.name}`] = [v.status, v.reason, v.message, v.findings ?? v.excused, v.evidence.map((e: any) => e.probe + ":" + e.stdout.length)];
}
}
console.log(JSON.stringify(out, null, 1));
