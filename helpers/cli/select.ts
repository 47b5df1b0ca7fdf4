// What a run selects, decided from the catalogue and the inventory alone (nothing connects):
// `--list`'s table, the filters' validation, and the spec files vitest is given.
import type { Inventory, NodeDecl } from "../inventory/types.ts";
import { closest } from "../inventory/suggest.ts";
import type { Declared } from "../spec/catalog.ts";
import type { ApplicabilityRow, CatalogEntry } from "../spec/catalog-index.ts";
import type { InvariantMeta } from "../spec/meta.ts";
import { DEFAULT_OPTIONS } from "../spec/evaluate.ts";
import { selectsInvariant, selectsNode, type RunScope } from "../spec/scope.ts";
import { UsageError } from "./args.ts";

export { FAMILIES } from "../spec/meta.ts";
import { FAMILIES } from "../spec/meta.ts";

export interface Applicability {
  d: Declared;
  applies: string[];
  /** Nodes where it would apply once declared (reported skipped, "planned"). */
  planned: Array<{ node: string; reason: string }>;
}

/** Which nodes of `inventory` each invariant speaks about (appliesTo reads the inventory only). */
export function applicability(catalog: Declared[], inventory: Inventory): Applicability[] {
  const scene = { inventory, options: { ...DEFAULT_OPTIONS, writes: { allowed: true as const } } };
  return catalog.map((d) => {
    const safe = (f: (n: NodeDecl) => unknown, n: NodeDecl) => {
      try {
        return f(n);
      } catch {
        return undefined;
      }
    };
    const applies = inventory.nodes.filter((n) => safe((x) => d.def.appliesTo(x, scene), n) === true).map((n) => n.name);
    const planned = inventory.nodes.flatMap((n) => {
      if (applies.includes(n.name) || !d.def.planned) return [];
      const reason = safe((x) => d.def.planned!(x, scene), n);
      return typeof reason === "string" ? [{ node: n.name, reason }] : [];
    });
    return { d, applies, planned };
  });
}

/** What --list shows of an invariant: from its spec file (Declared) or from the catalogue's index (helpers/spec/catalog-index.ts). */
export interface ListRow {
  d: { meta: Pick<InvariantMeta, "id" | "section" | "family" | "title" | "mutates"> };
  applies: string[];
  planned: Array<{ node: string; reason: string }>;
}

/** --list's rows from the catalogue's index and its precomputed applicability (same order: by ID). */
export function indexRows(invariants: CatalogEntry[], rows: ApplicabilityRow[]): ListRow[] {
  return invariants.map((meta, i) => {
    const r = rows[i]!;
    if (r.id !== meta.id) throw new Error(`the catalogue's index is inconsistent: applicability row ${i} is ${r.id}, not ${meta.id}`);
    return { d: { meta }, applies: r.applies, planned: r.planned };
  });
}

export function renderList(rows: ListRow[], inventoryLabel: string): string {
  const out = [`${rows.length} invariants; nodes from ${inventoryLabel}`, ""];
  const w = Math.max(...rows.map((r) => r.d.meta.section.length), 7);
  out.push(`${"ID".padEnd(10)} ${"section".padEnd(w)} ${"family".padEnd(10)} title / applies to`);
  for (const { d, applies, planned } of rows) {
    out.push(`${d.meta.id.padEnd(10)} ${d.meta.section.padEnd(w)} ${d.meta.family.padEnd(10)} ${d.meta.title}${d.meta.mutates ? " (writes: opt-in on live nodes)" : ""}`);
    const where = applies.length ? applies.join(", ") : "no node declares it";
    const plan = planned.length ? `; planned on ${planned.map((p) => p.node).join(", ")}` : "";
    out.push(`${"".padEnd(10)} ${"".padEnd(w)} ${"".padEnd(10)}   applies to: ${where}${plan}`);
  }
  return out.join("\n") + "\n";
}

/** Check the filters against the catalogue and the inventory; a typo is an error naming the closest match. */
export function checkScope(scope: RunScope, catalog: ReadonlyArray<{ meta: { id: string; family: string } }>, nodeNames: readonly string[]): void {
  const ids = catalog.map((d) => d.meta.id);
  const bad: string[] = [];
  for (const id of scope.invariants) if (!ids.includes(id)) bad.push(`--invariant ${id}: no such invariant${hint(id, ids)} (--list shows them)`);
  for (const f of scope.families) if (!(FAMILIES as readonly string[]).includes(f)) bad.push(`--family ${f}: no such family${hint(f, FAMILIES)}; one of ${FAMILIES.join(", ")}`);
  for (const n of scope.nodes) if (!nodeNames.includes(n)) bad.push(`--node ${n}: no such node in the inventory${hint(n, nodeNames)}; nodes: ${nodeNames.join(", ")}`);
  if (!bad.length && !catalog.some((d) => selectsInvariant(scope, d.meta))) bad.push("the filters select no invariant");
  if (bad.length) throw new UsageError(bad.join("\n"));
}

const hint = (w: string, c: readonly string[]) => {
  const m = closest(w, c);
  return m ? ` (did you mean '${m}'?)` : "";
};

/** Does the filter select at least one result (an applicable or planned node of a selected invariant)? */
export function selectsAnything(rows: Applicability[], scope: RunScope): boolean {
  return rows.some(({ d, applies, planned }) => selectsInvariant(scope, d.meta) && (scope.nodes.length === 0 || [...applies, ...planned.map((p) => p.node)].some((n) => selectsNode(scope, n))));
}
