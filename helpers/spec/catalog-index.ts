// The catalogue's index: what `--list` and the filters' validation need of every invariant, written
// as JSON at build time (scripts/build-catalog.ts → dist/catalog.json), as Kubernetes generates its
// conformance document from the test sources. Reading it costs a file read; importing the spec files
// costs their modules and everything they import (the probes, testcontainers, execa: ~0.8 s CPU).
//
// What is static is each invariant's meta. Where an invariant applies is not: `appliesTo`/`planned`
// are functions of the node and the inventory. They are pure (they read the inventory and the run's
// fixed --list options only, helpers/cli/select.ts), so their answer for one inventory is computed at
// build time for the inventory --list reads by default (inventory/example.yaml) and stored under a
// hash of that inventory as loaded. Any other inventory (a different hash) is answered by importing
// the specs, as before: the table is never a guess.
//
// Staleness: the index is used only when it is newer than every source it was built from (the spec
// files and helpers/, .ts from source or .js compiled); otherwise the callers import the specs.
// This module stays light: node built-ins only.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { CODE_ROOT, PACKAGE_ROOT } from "../paths.ts";
import type { Inventory } from "../inventory/types.ts";
import type { Family, InvariantMeta, Severity } from "./meta.ts";

export const CATALOG_INDEX_VERSION = 2;
/** Where the build writes the index: under dist/ whether the suite runs compiled or from source. */
export const CATALOG_INDEX_FILE = join(PACKAGE_ROOT, "dist", "catalog.json");
/** The trees whose sources the index is built from: the specs and everything they import (helpers/). */
export const CATALOG_SOURCE_DIRS = ["specs", "helpers"] as const;

/** An invariant's meta without its functions (the fix is code, not data). */
export type CatalogEntry = Omit<InvariantMeta, "fix">;

/** Where one invariant applies on one inventory (helpers/cli/select.ts applicability). */
export interface ApplicabilityRow {
  id: string;
  applies: string[];
  planned: Array<{ node: string; reason: string }>;
}

export interface CatalogIndex {
  version: typeof CATALOG_INDEX_VERSION;
  /** Sorted by ID, as loadCatalog returns them. */
  invariants: CatalogEntry[];
  /**
   * The spec file declaring each invariant, by ID: relative to the specs directory, without its
   * extension (`exposure/loopback.spec`), so a run from source (.ts) and a compiled one (.js) read
   * the same. A run filtered by invariant or family imports only these files (loadCatalogFor).
   */
  files: Record<string, string>;
  /** Applicability precomputed per inventory, keyed by inventoryKey(). */
  applicability: Array<{ inventoryKey: string; rows: ApplicabilityRow[] }>;
}

export function catalogEntry(meta: InvariantMeta): CatalogEntry {
  return {
    id: meta.id,
    title: meta.title,
    must: meta.must,
    section: meta.section,
    family: meta.family,
    severity: meta.severity,
    ...(meta.mutates !== undefined ? { mutates: meta.mutates } : {}),
    ...(meta.playbook !== undefined ? { playbook: meta.playbook } : {}),
  };
}

/**
 * A hash of the inventory as loaded (every value appliesTo/planned can read), or undefined when it
 * does not survive JSON unchanged (then two inventories could share a key: no key, no precomputed answer).
 */
export function inventoryKey(inventory: Inventory): string | undefined {
  if (!roundTrips(inventory)) return undefined;
  return createHash("sha256").update(JSON.stringify(inventory)).digest("hex");
}

/** Plain data only: objects, arrays, strings, finite numbers, booleans, null (undefined properties are dropped alike by the hash and by reading). */
function roundTrips(v: unknown): boolean {
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v) && !Object.is(v, -0);
  if (Array.isArray(v)) return v.every((x) => x !== undefined && roundTrips(x));
  if (typeof v === "object") {
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) return false;
    return Object.values(v as Record<string, unknown>).every((x) => x === undefined || roundTrips(x));
  }
  return false;
}

/** A spec file as the index names it: under the specs directory, without .ts or .js. */
export function specFileKey(file: string, specsDir = join(CODE_ROOT, "specs")): string {
  return relative(specsDir, file).replace(/\.(ts|js)$/, "");
}

/** The newest modification time (ms) of the files under the catalogue's source trees. */
export function newestSource(root = CODE_ROOT): number {
  let newest = 0;
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of CATALOG_SOURCE_DIRS) walk(join(root, d));
  return newest;
}

/**
 * The index, or undefined when it cannot be trusted: missing, unreadable, of another version, or
 * older than a source of the code that runs (a spec or helper edited, or compiled, after the build).
 */
export function readCatalogIndex(file = CATALOG_INDEX_FILE, sourceRoot = CODE_ROOT): CatalogIndex | undefined {
  let built: number;
  let index: CatalogIndex;
  try {
    built = statSync(file).mtimeMs;
    index = JSON.parse(readFileSync(file, "utf8")) as CatalogIndex;
  } catch {
    return undefined;
  }
  if (index?.version !== CATALOG_INDEX_VERSION || !Array.isArray(index.invariants) || !Array.isArray(index.applicability) || typeof index.files !== "object" || index.files === null) return undefined;
  if (newestSource(sourceRoot) > built) return undefined;
  return index;
}

/** The precomputed applicability of `inventory`, when the index holds it. */
export function precomputedApplicability(index: CatalogIndex, inventory: Inventory): ApplicabilityRow[] | undefined {
  const key = inventoryKey(inventory);
  if (key === undefined) return undefined;
  const rows = index.applicability.find((a) => a.inventoryKey === key)?.rows;
  // Every invariant of the index answered, in its order: otherwise not this index's answer.
  if (!rows || rows.length !== index.invariants.length || rows.some((r, i) => r.id !== index.invariants[i]!.id)) return undefined;
  return rows;
}

/** The index of a loaded catalogue, with the applicability computed on the given inventories. */
export function buildCatalogIndex(
  catalog: ReadonlyArray<{ meta: InvariantMeta; file?: string }>,
  precomputed: ReadonlyArray<{ inventory: Inventory; rows: ReadonlyArray<{ d: { meta: { id: string } }; applies: string[]; planned: Array<{ node: string; reason: string }> }> }>,
): CatalogIndex {
  return {
    version: CATALOG_INDEX_VERSION,
    invariants: catalog.map((d) => catalogEntry(d.meta)),
    files: Object.fromEntries(catalog.flatMap((d) => (d.file ? [[d.meta.id, specFileKey(d.file)]] : []))),
    applicability: precomputed.flatMap(({ inventory, rows }) => {
      const key = inventoryKey(inventory);
      return key === undefined ? [] : [{ inventoryKey: key, rows: rows.map((r) => ({ id: r.d.meta.id, applies: [...r.applies], planned: r.planned.map((p) => ({ node: p.node, reason: p.reason })) })) }];
    }),
  };
}
