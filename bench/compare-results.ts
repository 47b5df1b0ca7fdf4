// Two conformance runs judged the same: every (invariant, node) with the same status, kind,
// message and findings in results.json, and (given their Allure results folders) the same
// evidence and diagnostics attached to each result. Used to show that a faster run judges no less.
//   tsx bench/compare-results.ts A/results.json B/results.json [A/allure-results B/allure-results]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface Rec {
  id: string;
  node: string | null;
  status: string;
  kind?: string;
  message?: string;
  findings?: unknown[];
}

const [a, b, allureA, allureB] = process.argv.slice(2);
if (!a || !b) {
  console.error("usage: tsx bench/compare-results.ts A/results.json B/results.json [A/allure-results B/allure-results]");
  process.exit(2);
}

const key = (r: Rec) => `${r.id} ${r.node ?? "(no node)"}`;
const judged = (file: string) =>
  new Map((JSON.parse(readFileSync(file, "utf8")) as { results: Rec[] }).results.map((r) => [key(r), JSON.stringify([r.status, r.kind, r.message, r.findings])]));

/** Per Allure result (by its full name): the names and contents of what is attached. */
function attachments(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith("-result.json"))) {
    const r = JSON.parse(readFileSync(join(dir, f), "utf8")) as { fullName?: string; name: string; status: string; attachments?: Array<{ name: string; source: string }>; steps?: Array<{ attachments?: Array<{ name: string; source: string }> }> };
    const all = [...(r.attachments ?? []), ...(r.steps ?? []).flatMap((s) => s.attachments ?? [])];
    // Evidence carries the run's own batch nonce nowhere; probe output can differ between runs
    // (timestamps, PIDs), so compare what is attached and its command line, not every byte.
    const body = all
      .map((x) => `${x.name}: ${readFileSync(join(dir, x.source), "utf8").split("\n")[0]}`)
      .sort()
      .join("\n");
    out.set(r.fullName ?? r.name, `${r.status}\n${body}`);
  }
  return out;
}

function diff(what: string, x: Map<string, string>, y: Map<string, string>): number {
  let n = 0;
  for (const k of new Set([...x.keys(), ...y.keys()])) {
    if (x.get(k) !== y.get(k)) {
      n++;
      console.log(`${what} differs: ${k}\n  A: ${x.get(k) ?? "(absent)"}\n  B: ${y.get(k) ?? "(absent)"}`);
    }
  }
  console.log(`${what}: ${x.size} vs ${y.size}, ${n} differ`);
  return n;
}

let differ = diff("results.json (id, node: status, kind, message, findings)", judged(a), judged(b));
if (allureA && allureB) differ += diff("Allure results (status, attachments and their command lines)", attachments(allureA), attachments(allureB));
process.exit(differ ? 1 : 0);
