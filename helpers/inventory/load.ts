// Reading an inventory file: YAML → positions → schema → cross-node rules → typed Inventory.
// Every stage adds to one list of problems; the file loads only when the list is empty.
import { readFileSync } from "node:fs";
import { CORE_SCHEMA, YAMLException, load, parseEvents } from "js-yaml";
import type { Event } from "js-yaml";
import { InventoryError, sortProblems, type Problem } from "./errors.ts";
import { normalizeInventory } from "./normalize.ts";
import { displayPath, mapSource, pointerSegments } from "./positions.ts";
import { semanticProblems } from "./semantic.ts";
import type { Inventory } from "./types.ts";
import { schemaProblems } from "./validate.ts";

export { InventoryError } from "./errors.ts";
export type { Problem } from "./errors.ts";

export function loadInventory(file: string): Inventory {
  return parseInventory(readFileSync(file, "utf8"), file);
}

/** `file` is used in messages as given and resolved for Inventory.file and relative key paths. */
export function parseInventory(text: string, file: string): Inventory {
  let events: Event[];
  try {
    events = parseEvents(text, { filename: file });
  } catch (e) {
    throw new InventoryError(file, [yamlProblem(e)]);
  }
  const source = mapSource(text, events);
  if (source.documents === 0) {
    throw new InventoryError(file, [
      { line: 1, column: 1, path: "(root)", message: "must be a mapping with keys version and nodes, got an empty file" },
    ]);
  }
  if (source.documents > 1) {
    const at = source.secondDocument ?? { line: 1, column: 1 };
    throw new InventoryError(file, [
      { ...at, path: "", message: "YAML: must be a single document, got a second one here (after ---)" },
    ]);
  }

  let data: unknown;
  try {
    // CORE schema: YAML 1.2 scalars, so `yes`/`no`/`on` stay strings. `json: true` lets a repeated
    // key overwrite instead of throwing: repeats are reported below, each with both positions,
    // alongside every other problem.
    data = load(text, { schema: CORE_SCHEMA, json: true, filename: file });
  } catch (e) {
    throw new InventoryError(file, [yamlProblem(e)]);
  }

  const problems: Problem[] = source.duplicateKeys.map((d) => ({
    ...d.at,
    path: displayPath(pointerSegments(d.pointer, data)),
    message: `duplicate key '${d.key}', first given at line ${d.first.line}, column ${d.first.column}`,
  }));
  problems.push(...schemaProblems(data, source), ...semanticProblems(data, source));
  if (problems.length) throw new InventoryError(file, sortProblems(problems));
  return normalizeInventory(data, file);
}

function yamlProblem(e: unknown): Problem {
  if (!(e instanceof YAMLException)) throw e;
  const at = e.mark ? { line: e.mark.line + 1, column: e.mark.column + 1 } : { line: 1, column: 1 };
  return { ...at, path: "", message: `YAML syntax error: ${e.reason}` };
}
