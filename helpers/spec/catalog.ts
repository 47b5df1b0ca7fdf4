// The catalogue: every invariant the spec files declare, read from the sources themselves (as
// Kubernetes generates its conformance document from its tests). A spec file's default export is
// its invariant; importing one registers nothing, so the catalogue needs no mode and no global.
import { readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Inventory } from "../inventory/types.ts";
import { DEFAULT_OPTIONS } from "./evaluate.ts";
import { isInvariant, probesOf, type Invariant } from "./invariant.ts";

/** An invariant and the spec file that declares it. */
export interface Declared extends Invariant {
  file: string;
}

export const SPECS_DIR = resolve(import.meta.dirname, "..", "..", "specs");

export function specFiles(dir = SPECS_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? specFiles(join(dir, e.name)) : e.name.endsWith(".spec.ts") || e.name.endsWith(".spec.js") ? [join(dir, e.name)] : []))
    .sort();
}

/** Import every spec file and return its invariant, sorted by ID. A file without one, or an ID used twice, is an error. */
export async function loadCatalog(specsDir = SPECS_DIR): Promise<Declared[]> {
  const files = specFiles(specsDir);
  const modules = await Promise.all(files.map((f) => import(pathToFileURL(f).href) as Promise<{ default?: unknown }>));
  const items: Declared[] = [];
  const byId = new Map<string, string>();
  files.forEach((file, i) => {
    const inv = modules[i]!.default;
    if (!isInvariant(inv)) throw new Error(`${relative(process.cwd(), file)}: a spec file's default export must be its invariant (export default invariant(meta, def))`);
    const clash = byId.get(inv.meta.id);
    if (clash) throw new Error(`invariant id ${inv.meta.id} declared twice (${clash} and ${file})`);
    byId.set(inv.meta.id, file);
    items.push({ ...inv, file });
  });
  return items.sort((a, b) => a.meta.id.localeCompare(b.meta.id));
}

/** The fix as the document shows it: applied to a placeholder finding on a placeholder node. */
export function fixTemplate(meta: Declared["meta"]): string {
  const f = { subject: "<subject>", expected: "<expected>", actual: "<actual>" };
  try {
    return meta.fix!(f, { name: "<node>" } as Parameters<NonNullable<Declared["meta"]["fix"]>>[1]);
  } catch {
    return "(depends on the finding)";
  }
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** What an invariant runs on the nodes of `example` it applies to, each probe once. */
export function commandsOn(d: Invariant, example: Inventory): string[] {
  const scene = { inventory: example, options: { ...DEFAULT_OPTIONS, writes: { allowed: true as const } } };
  const seen = new Map<string, string>();
  for (const node of example.nodes) {
    let applies = false;
    try {
      applies = d.def.appliesTo(node, scene);
    } catch {
      continue;
    }
    if (!applies) continue;
    for (const p of probesOf(d.def.reads(node, scene))) if (!seen.has(p.name)) seen.set(p.name, p.command);
    for (const p of d.def.peers?.(node, scene) ?? []) if (!seen.has(p.probe.name)) seen.set(p.probe.name, `${p.probe.command}  (on ${p.node})`);
  }
  // The document reads the same from any checkout: no absolute path of this one in it.
  const root = resolve(SPECS_DIR, "..");
  return [...seen.values()].map((c) => c.replaceAll(`${root}/`, "./"));
}

export function renderCatalog(items: Declared[], example: Inventory): string {
  const lines = [
    "# Conformance document",
    "",
    "Generated from the spec files by `npm run conformance:doc`; do not edit by hand.",
    "Each invariant has a stable ID and enforces a section of the operations document. A result is",
    "reported per node: `<ID> <node>: <title>`. What it runs is shown as on `inventory/example.yaml`.",
    "",
    "| ID | Section | Invariant | Severity | Mutates | Runs on the node |",
    "|---|---|---|---|---|---|",
  ];
  for (const d of items) {
    const { meta } = d;
    const fix = meta.fix ? `<br>**Fix:** ${cell(fixTemplate(meta))}` : "";
    const runs = commandsOn(d, example).map((c) => `\`${cell(c)}\``).join("<br>") || "(no node of the example declares it)";
    const playbook = meta.playbook ? `<br>On failure: playbook ${cell(meta.playbook)}, its diagnostics gathered on the node and attached` : "";
    lines.push(`| ${meta.id} | ${meta.section} | **${cell(meta.title)}** — ${cell(meta.must)}${fix}${playbook} | ${meta.severity} | ${meta.mutates ? "yes (opt-in on live nodes)" : "no"} | ${runs} |`);
  }
  lines.push("", "## By spec file", "");
  for (const { meta, file } of items) lines.push(`- ${meta.id}: \`${relative(resolve(SPECS_DIR, ".."), resolve(file))}\``);
  return lines.join("\n") + "\n";
}
