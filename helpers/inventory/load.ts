// Reading an inventory file: YAML → positions → schema → cross-node rules → typed Inventory.
// Every stage adds to one list of problems; the file loads only when the list is empty.
import { readFileSync, statSync } from "node:fs";
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

/** An inventory is a few hundred lines; a file past this is refused before it is parsed. */
export const MAX_INVENTORY_BYTES = 1024 * 1024;
/** Values after expanding every alias (a YAML alias bomb expands exponentially). */
export const MAX_INVENTORY_NODES = 100_000;

export function loadInventory(file: string): Inventory {
  const size = statSync(file).size;
  if (size > MAX_INVENTORY_BYTES) throw new InventoryError(file, [tooLarge(size)]);
  return parseInventory(readFileSync(file, "utf8"), file);
}

const tooLarge = (bytes: number): Problem => ({
  line: 1,
  column: 1,
  path: "(root)",
  message: `inventory file is ${bytes} bytes, more than the ${MAX_INVENTORY_BYTES} an inventory may have: refused unread`,
});

/** Line and column (1-based) of an offset in text. */
function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/**
 * How many values the document has with every alias expanded, from the event stream (nothing is
 * expanded): a problem at the alias that crosses MAX_INVENTORY_NODES, or undefined.
 */
function aliasBomb(text: string, events: Event[]): Problem | undefined {
  const sizes = new Map<string, number>();
  const stack: Array<{ count: number; anchor?: string }> = [];
  const anchor = (s?: number, e?: number) => (s !== undefined && s >= 0 ? text.slice(s, e) : undefined);
  let total = 0;
  for (const ev of events as unknown as Array<{ type: number; anchorStart?: number; anchorEnd?: number }>) {
    let add: number;
    if (ev.type === 2 || ev.type === 3) {
      stack.push({ count: 1, anchor: anchor(ev.anchorStart, ev.anchorEnd) });
      add = 0;
    } else if (ev.type === 4) {
      const a = anchor(ev.anchorStart, ev.anchorEnd);
      if (a) sizes.set(a, 1);
      add = 1;
    } else if (ev.type === 5) {
      add = sizes.get(anchor(ev.anchorStart, ev.anchorEnd) ?? "") ?? 1;
    } else if (ev.type === 6 && stack.length) {
      const done = stack.pop()!;
      if (done.anchor) sizes.set(done.anchor, done.count);
      add = done.count;
    } else continue;
    if (stack.length) stack[stack.length - 1]!.count += add;
    else total += add;
    if (total + stack.reduce((n, f) => n + f.count, 0) > MAX_INVENTORY_NODES) {
      return { ...position(text, ev.anchorStart ?? 0), path: "", message: `YAML: aliases expand to more than ${MAX_INVENTORY_NODES} values (an alias bomb?): refused` };
    }
  }
  return undefined;
}

export function parseInventory(text: string, file: string): Inventory {
  if (text.length > MAX_INVENTORY_BYTES) throw new InventoryError(file, [tooLarge(Buffer.byteLength(text))]);
  let events: Event[];
  try {
    events = parseEvents(text, { filename: file });
  } catch (e) {
    throw new InventoryError(file, [yamlProblem(e)]);
  }
  const bomb = aliasBomb(text, events);
  if (bomb) throw new InventoryError(file, [bomb]);
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
