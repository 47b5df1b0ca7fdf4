// Every invariant a spec file declares, in declaration order. Under vitest the spec files also
// register tests; outside it (the conformance document generator) they only fill this list.
import type { InvariantDef } from "./evaluate.ts";
import type { InvariantMeta } from "./meta.ts";

export interface Declared {
  meta: InvariantMeta;
  def: InvariantDef;
  /** Spec file that declared it, for the document. */
  file: string;
}

export const declared: Declared[] = [];

export function declare(meta: InvariantMeta, def: InvariantDef, file: string): void {
  const clash = declared.find((d) => d.meta.id === meta.id);
  if (clash) throw new Error(`invariant id ${meta.id} declared twice (${clash.file} and ${file})`);
  declared.push({ meta, def, file });
}

/** Set by the catalog loader: declare only, even inside a vitest worker. */
export const registryMode = { catalogOnly: false };

/** Register tests? Only inside a vitest worker that runs the specs. */
export const registersTests = (): boolean => process.env.VITEST === "true" && !registryMode.catalogOnly;
