// The catalogue: every invariant the spec files declare, read from the sources themselves (as
// Kubernetes generates its conformance document from its tests). A spec file's default export is
// its invariant; importing one registers nothing, so the catalogue needs no mode and no global.
import { existsSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Inventory } from "../inventory/types.ts";
import { CODE_EXT } from "../paths.ts";
import { readCatalogIndex, type CatalogIndex } from "./catalog-index.ts";
import { DEFAULT_OPTIONS } from "./evaluate.ts";
import { selectsInvariant, type RunScope } from "./scope.ts";
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

/**
 * Import every spec file (or the given ones) and return their invariants, sorted by ID. A file
 * without one, or an ID used twice, is an error.
 */
export async function loadCatalog(specsDir = SPECS_DIR, only?: string[]): Promise<Declared[]> {
  const files = only ?? specFiles(specsDir);
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

/**
 * The invariants a run's scope can select. With --invariant or --family, only the spec files that
 * declare them are imported, found by the catalogue's index when it is current: each spec file
 * costs its modules and what they import (~0.35 s of CPU for all of them, ~0.05 s for a few).
 * Otherwise, or when the files do not declare what the index said, every spec file is imported.
 */
export async function loadCatalogFor(scope: RunScope, index: CatalogIndex | null = readCatalogIndex() ?? null, specsDir = SPECS_DIR): Promise<Declared[]> {
  if (!index || (scope.invariants.length === 0 && scope.families.length === 0)) return loadCatalog(specsDir);
  const wanted = index.invariants.filter((m) => selectsInvariant(scope, m)).map((m) => m.id);
  const files = [...new Set(wanted.map((id) => index.files[id]))].map((f) => (f === undefined ? undefined : join(specsDir, `${f}${CODE_EXT}`)));
  if (files.some((f) => f === undefined || !existsSync(f))) return loadCatalog(specsDir);
  const loaded = await loadCatalog(specsDir, (files as string[]).sort());
  const got = new Set(loaded.filter((d) => selectsInvariant(scope, d.meta)).map((d) => d.meta.id));
  if (wanted.some((id) => !got.has(id))) return loadCatalog(specsDir);
  return loaded;
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
  return [...probesOn(d, example).values()];
}

/** Probe name -> command, for the nodes of `example` the invariant applies to. */
function probesOn(d: Invariant, example: Inventory): Map<string, string> {
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
  return new Map([...seen].map(([n, c]) => [n, c.replaceAll(`${root}/`, "./")]));
}

const CHECKS_START = "<!-- checks-table: generated by npm run conformance:doc -->";
const CHECKS_END = "<!-- checks-table end -->";

/**
 * docs/CHECKS.md with its table of invariants (ID, section, title, probe names, whether it
 * mutates) regenerated between its markers; the prose around it is the file's own.
 */
export function renderChecksDoc(current: string, items: Declared[], example: Inventory): string {
  const a = current.indexOf(CHECKS_START);
  const b = current.indexOf(CHECKS_END);
  if (a < 0 || b < a) throw new Error(`docs/CHECKS.md: the markers ${CHECKS_START} and ${CHECKS_END} are missing`);
  const rows = items.map((d) => {
    const probes = [...probesOn(d, example).keys()].join(", ") || "(no node of the example declares it)";
    return `| ${d.meta.id} | ${d.meta.section} | ${cell(d.meta.title)} | ${probes} | ${d.meta.mutates ? "yes, opt-in on live nodes" : "no"} |`;
  });
  const table = [CHECKS_START, `${items.length} invariants.`, "", "| ID | Section | Invariant | Probes | Mutates |", "|---|---|---|---|---|", ...rows, ""].join("\n");
  return current.slice(0, a) + table + current.slice(b);
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
