// The conformance document, generated from the specs themselves (as Kubernetes does from its
// conformance tests): every invariant's ID, section, MUST statement and what it runs on a node.
import { readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { CODE_EXT, codePath } from "../paths.ts";
import { declared, registryMode, type Declared } from "./registry.ts";

function specFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? specFiles(join(dir, e.name)) : e.name.endsWith(`.spec${CODE_EXT}`) ? [join(dir, e.name)] : [],
  );
}

/** Import every spec file (outside vitest they only declare) and return the invariants, by ID. */
export async function loadCatalog(specsDir = codePath("specs")): Promise<Declared[]> {
  registryMode.catalogOnly = true;
  for (const file of specFiles(specsDir).sort()) await import(pathToFileURL(file).href);
  return [...declared].sort((a, b) => a.meta.id.localeCompare(b.meta.id));
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

export function renderCatalog(items: Declared[]): string {
  const lines = [
    "# Conformance document",
    "",
    "Generated from the spec files by `npm run conformance:doc`; do not edit by hand.",
    "Each invariant has a stable ID and enforces a section of the operations document. A result is",
    "reported per node: `<ID> <node>: <title>`.",
    "",
    "| ID | Section | Invariant | Severity | Mutates | Runs on the node |",
    "|---|---|---|---|---|---|",
  ];
  for (const { meta, def } of items) {
    const runs = def.probes.map((p) => `\`${cell(p.command)}\``).join("<br>") || "(facts from other nodes)";
    const fix = meta.fix ? `<br>**Fix:** ${cell(fixTemplate(meta))}` : "";
    const playbook = meta.playbook ? `<br>On failure: playbook ${cell(meta.playbook)}, its diagnostics gathered on the node and attached` : "";
    lines.push(`| ${meta.id} | ${meta.section} | **${cell(meta.title)}** — ${cell(meta.must)}${fix}${playbook} | ${meta.severity} | ${meta.mutates ? "yes (opt-in on live nodes)" : "no"} | ${runs} |`);
  }
  lines.push("", "## By spec file", "");
  for (const { meta, file } of items) lines.push(`- ${meta.id}: \`${relative(process.cwd(), resolve(file))}\``);
  return lines.join("\n") + "\n";
}
