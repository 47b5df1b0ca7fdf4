// One section of the operations document as the inventory declares it: a node key, its schema,
// its normalizer, the rules a schema cannot state, and the secrets it lets the suite read. Every
// piece of a section lives in its own file and is registered here once (index.ts), so a new
// section is one file (plus its probes and specs); nothing central names it.
import type { Inventory } from "../types.ts";
import type { At, LineOf } from "./rules.ts";

export interface Section<Raw = unknown, Decl = unknown> {
  /** Key under a node, e.g. "snapraid". */
  key: string;
  /** JSON Schema of the value (draft-07, every property described, additionalProperties false). */
  schema: Record<string, unknown>;
  /** Validated raw value → typed declaration with defaults applied. `baseDir` resolves paths. */
  normalize(raw: Raw, baseDir: string): Decl;
  /**
   * Rules a JSON Schema cannot state (uniqueness, references between nodes), on the raw nodes;
   * they run even when the schema found problems, so they guard every value they read.
   */
  problems?(nodes: readonly unknown[], at: At, lineOf: LineOf): void;
  /** Secrets this section lets the suite read (passwords it resolves): masked in all evidence. */
  secrets?(inventory: Inventory, env: NodeJS.ProcessEnv): string[];
}
