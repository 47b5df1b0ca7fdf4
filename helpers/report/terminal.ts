// The terminal's closing answer of a run, from results.json: a compact table by layer and node,
// then what failed (new ones first, with a baseline), what was waived, and one verdict line.
// Colour only on a TTY (and never with NO_COLOR).
import { LAYER_NAMES } from "../inventory/schema.ts";
import { resultKey, type ResultRecord, type ResultsFile } from "./results.ts";

export interface Paint {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export function paint(tty: boolean): Paint {
  const on = tty && !process.env.NO_COLOR;
  const w = (code: number, reset: number) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[${reset}m` : s);
  return { red: w(31, 39), green: w(32, 39), yellow: w(33, 39), dim: w(2, 22), bold: w(1, 22) };
}

/** The first line of a result's message, without the "<ID> [node] " it starts with. */
export function headline(r: ResultRecord): string {
  // A skip's findings are the excused ones: its message says why (e.g. "not hostable here: ...").
  const f = r.status === "skipped" ? undefined : r.findings?.[0];
  if (f) return `${f.subject}: expected ${f.expected}; actual ${f.actual}${r.findings!.length > 1 ? ` (+${r.findings!.length - 1} more)` : ""}`;
  const lines = (r.message ?? "").split("\n").map((l) => l.trim().replace(/^- /, ""));
  const first = lines[0]!.replace(/^[A-Z]+-\d{3} \[[^\]]+\] /, "");
  // "<title> (§x)" alone says nothing: the next line holds the cause.
  return (first === `${r.title} (${r.section})` || /\(§[^)]*\)$/.test(first) || !first) && lines[1] ? lines[1] : first || "(no message)";
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function renderTerminal(body: ResultsFile, options: { tty?: boolean; failOn?: "any" | "new"; width?: number; quiet?: boolean } = {}): string {
  const c = paint(options.tty ?? false);
  // Cut to the terminal's width only on a terminal; a log or a pipe gets every line whole.
  const width = options.tty ? (options.width ?? 120) : Infinity;
  const out: string[] = [];
  const byNode = new Map<string, ResultRecord[]>();
  for (const r of body.results) {
    const k = r.node ?? "(no node)";
    byNode.set(k, [...(byNode.get(k) ?? []), r]);
  }
  const num = (n: number, colour: (s: string) => string) => (n ? colour(String(n).padStart(6)) : c.dim(String(n).padStart(6)));
  if (!options.quiet) out.push("", c.bold(`${"layer".padEnd(15)} ${"node".padEnd(10)} ${"passed".padStart(6)} ${"failed".padStart(6)} ${"waived".padStart(6)} ${"skipped".padStart(7)}`));
  for (const [node, rs] of options.quiet ? [] : [...byNode].sort((a, b) => (a[1][0]!.layer ?? 99) - (b[1][0]!.layer ?? 99) || a[0].localeCompare(b[0]))) {
    const layer = rs[0]!.layer;
    const n = (s: string) => rs.filter((r) => r.status === s).length;
    const label = layer === null ? "-" : `${layer} ${LAYER_NAMES[layer] ?? ""}`;
    out.push(`${label.padEnd(15)} ${node.padEnd(10)} ${num(n("passed"), c.green)} ${num(n("failed"), c.red)} ${num(n("waived"), c.yellow)} ${num(n("skipped"), c.dim).padStart(7)}`);
  }

  // An unreachable node is one line, not one failure per check it could not judge.
  const unreachable = body.nodes.filter((n) => !n.reachable);
  const down = new Set(unreachable.map((n) => n.node));
  const failed = body.results.filter((r) => r.status === "failed" && !(r.kind === "unreachable" && r.node && down.has(r.node)));
  const order: Record<string, number> = { "new-failure": 0, "still-failing": 1 };
  if (unreachable.length) {
    out.push("", c.bold(c.red(`Unreachable (${unreachable.length}): nothing on these nodes was judged`)));
    for (const n of unreachable) {
      const count = body.results.filter((r) => r.node === n.node && r.kind === "unreachable").length;
      out.push(`  ${c.red("✗")} ${clip(`${n.node}: ${(n.error ?? "no answer").split("\n")[0]} (${count} checks not judged)`, width - 4)}`);
    }
  }
  if (failed.length) {
    out.push("", c.bold(c.red(`Failed (${failed.length})`)));
    for (const r of [...failed].sort((a, b) => (order[a.change ?? ""] ?? 2) - (order[b.change ?? ""] ?? 2) || (a.node ?? "").localeCompare(b.node ?? ""))) {
      const tag = r.change === "new-failure" ? c.red("NEW") : r.change === "still-failing" ? c.dim("still") : c.red("✗");
      // One line per failure: node, invariant, expected → actual; then the fix to paste or follow.
      const f = r.findings?.[0];
      const what = f ? `${f.subject}: ${f.expected} → ${f.actual}${r.findings!.length > 1 ? ` (+${r.findings!.length - 1} more)` : ""}` : headline(r);
      out.push(`  ${tag} ${clip(`${(r.node ?? "-").padEnd(8)} ${r.id.padEnd(10)} ${what}`, width - 6)}`);
      const fix = r.findings?.find((x) => x.fix)?.fix;
      if (fix) out.push(`      ${c.bold("fix:")} ${fix}`);
    }
  }
  for (const e of body.errors) out.push(`  ${c.red("ERROR")} ${e.file}: ${clip(e.message.split("\n")[0]!, width - 20)}`);
  const waived = body.results.filter((r) => r.status === "waived");
  if (waived.length) {
    out.push("", c.bold(c.yellow(`Waived (${waived.length}), failing but accepted for now`)));
    for (const r of waived) out.push(`  ${clip(`${r.id} ${r.node}: until ${r.waiver!.expires}, ${r.waiver!.owner}: ${r.waiver!.justification}`, width - 2)}`);
  }
  const stale = (body.waivers ?? []).filter((w) => w.state === "stale");
  if (stale.length) {
    out.push("", c.yellow(`Stale waivers (${stale.length}): they match no failure of this run; remove them`));
    for (const w of stale) out.push(`  ${w.invariant} ${w.node} (${w.at}, ${w.owner})`);
  }
  const b = body.baseline;
  if (b) {
    out.push("", c.bold(`Since the baseline (${b.file}, ${b.startedAt}):`));
    const list = (keys: string[]) => (keys.length ? `: ${clip(keys.join(", "), width - 30)}` : "");
    out.push(`  ${c.red(`${b.newFailures.length} new failures`)}${list(b.newFailures)}`);
    out.push(`  ${c.green(`${b.fixed.length} fixed`)}${list(b.fixed)}`);
    out.push(`  ${b.stillFailing.length} still failing${list(b.stillFailing)}`);
    if (b.noLongerJudged.length) out.push(`  ${b.noLongerJudged.length} failed before, skipped now${list(b.noLongerJudged)}`);
    out.push(`  ${b.newChecks.length} new checks, ${b.removedChecks.length} removed checks${b.removedChecks.length ? `: removed ${clip(b.removedChecks.join(", "), width - 40)}` : ""}`);
  }
  out.push("", verdictLine(body, options.failOn ?? "any", c));
  return out.join("\n");
}

export function verdictLine(body: ResultsFile, failOn: "any" | "new", c: Paint = paint(false)): string {
  const k = body.counts;
  const counts = `${k.passed} passed, ${k.failed} failed, ${k.waived ?? 0} waived, ${k.skipped} skipped of ${k.total}`;
  if (k.failed === 0) return c.green(c.bold(`CONFORMANT: ${counts}`));
  // Only unreachable nodes failed: nothing was found wrong, and their checks were not judged.
  const down = body.nodes.filter((n) => !n.reachable).length;
  if (down && body.errors.length === 0 && body.results.every((r) => r.status !== "failed" || r.kind === "unreachable")) {
    return c.red(c.bold(`NOT JUDGED: ${down} node(s) unreachable, nothing else failed; ${counts}`));
  }
  if (failOn === "new" && body.baseline) {
    const fresh = new Set(body.baseline.newFailures);
    const n = body.results.filter((r) => r.status === "failed" && fresh.has(resultKey(r))).length + body.errors.length;
    if (n === 0) return c.yellow(c.bold(`NO NEW FAILURES (--fail-on new): ${counts}`));
    return c.red(c.bold(`NOT CONFORMANT: ${n} new failure(s) (--fail-on new); ${counts}`));
  }
  return c.red(c.bold(`NOT CONFORMANT: ${counts}`));
}
