// What a section of the inventory contributes: a node key, its schema, and its normalizer.
export interface Section<Raw = unknown, Decl = unknown> {
  /** Key under a node, e.g. "snapraid". */
  key: string;
  /** JSON Schema of the value (draft-07, every property described, additionalProperties false). */
  schema: Record<string, unknown>;
  /** Validated raw value → typed declaration with defaults applied. `baseDir` resolves paths. */
  normalize(raw: Raw, baseDir: string): Decl;
}
