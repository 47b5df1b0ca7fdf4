// Reading a waivers file: YAML -> positions -> schema -> cross-checks -> Waiver[]. Every problem
// at once, each as `file:line:column: at waivers[2].expires: ...` (helpers/inventory's machinery).
import { readFileSync } from "node:fs";
import type { AnySchema } from "ajv";
import { CORE_SCHEMA, YAMLException, load, parseEvents } from "js-yaml";
import type { Event } from "js-yaml";
import { formatProblem, sortProblems, type Problem } from "../inventory/errors.ts";
import { displayPath, mapSource, pointerSegments } from "../inventory/positions.ts";
import { closest } from "../inventory/suggest.ts";
import { createValidator, translateErrors } from "../inventory/validate.ts";
import { WAIVERS_SCHEMA } from "./schema.ts";

export interface Waiver {
  invariant: string;
  node: string;
  justification: string;
  owner: string;
  /** YYYY-MM-DD: holds through that day (UTC). */
  expires: string;
  /** Where it is written, for messages: file and 1-based line. */
  file: string;
  line: number;
}

export class WaiversError extends Error {
  override name = "WaiversError";
  constructor(
    readonly file: string,
    readonly problems: Problem[],
  ) {
    super(problems.map((p) => formatProblem(file, p)).join("\n"));
  }
}

// Compiled on first use: a run without --waivers does not pay Ajv's compile.
let compiled: ReturnType<typeof createValidator> | undefined;
const waiversValidator = () => (compiled ??= createValidator(WAIVERS_SCHEMA as unknown as AnySchema));

export interface WaiverChecks {
  /** Known invariant IDs: an unknown one is an error (IDs are stable, a typo would waive nothing). */
  invariants?: readonly string[];
}

export function loadWaivers(file: string, checks: WaiverChecks = {}): Waiver[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new WaiversError(file, [{ line: 1, column: 1, path: "", message: `cannot read the waivers file: ${(e as Error).message}` }]);
  }
  return parseWaivers(text, file, checks);
}

export function parseWaivers(text: string, file: string, checks: WaiverChecks = {}): Waiver[] {
  const notAMapping = () => new WaiversError(file, [{ line: 1, column: 1, path: "(root)", message: "must be a mapping with keys version and waivers (e.g. `version: 1` and `waivers: []`)" }]);
  if (!text.split("\n").some((l) => l.trim() && !l.trim().startsWith("#"))) throw notAMapping();
  let events: Event[];
  let data: unknown;
  try {
    events = parseEvents(text, { filename: file });
    data = load(text, { schema: CORE_SCHEMA, json: true, filename: file });
  } catch (e) {
    if (!(e instanceof YAMLException)) throw e;
    const at = e.mark ? { line: e.mark.line + 1, column: e.mark.column + 1 } : { line: 1, column: 1 };
    throw new WaiversError(file, [{ ...at, path: "", message: `YAML syntax error: ${e.reason}` }]);
  }
  const source = mapSource(text, events);
  if (source.documents !== 1 || data === null || data === undefined) throw notAMapping();
  const problems: Problem[] = source.duplicateKeys.map((d) => ({
    ...d.at,
    path: displayPath(pointerSegments(d.pointer, data)),
    message: `duplicate key '${d.key}', first given at line ${d.first.line}, column ${d.first.column}`,
  }));
  const validate = waiversValidator();
  if (!validate(data)) problems.push(...translateErrors(validate.errors ?? [], data, source));
  const list = Array.isArray((data as { waivers?: unknown }).waivers) ? ((data as { waivers: unknown[] }).waivers as Array<Record<string, unknown>>) : [];

  const seen = new Map<string, number>();
  list.forEach((w, i) => {
    if (!w || typeof w !== "object") return;
    const at = (key: string) => ({ ...source.value(`/waivers/${i}/${key}`), path: `waivers[${i}].${key}` });
    if (typeof w.expires === "string" && /^\d{4}-\d{2}-\d{2}$/.test(w.expires) && !realDate(w.expires)) {
      problems.push({ ...at("expires"), message: `must be a real calendar date, got ${JSON.stringify(w.expires)}` });
    }
    if (typeof w.invariant === "string" && checks.invariants && /^[A-Z]+-\d{3}$/.test(w.invariant) && !checks.invariants.includes(w.invariant)) {
      const hint = closest(w.invariant, checks.invariants);
      problems.push({ ...at("invariant"), message: `no invariant ${w.invariant} in this suite${hint ? `, did you mean '${hint}'?` : " (npm run conformance -- --list)"}` });
    }
    if (typeof w.invariant === "string" && typeof w.node === "string") {
      const key = `${w.invariant} ${w.node}`;
      const first = seen.get(key);
      if (first !== undefined) problems.push({ ...source.value(`/waivers/${i}`), path: `waivers[${i}]`, message: `a second waiver for ${w.invariant} on ${w.node}, the first is at line ${source.value(`/waivers/${first}`).line}` });
      else seen.set(key, i);
    }
  });
  if (problems.length) throw new WaiversError(file, sortProblems(problems));
  return list.map((w, i) => ({
    invariant: w.invariant as string,
    node: w.node as string,
    justification: w.justification as string,
    owner: w.owner as string,
    expires: w.expires as string,
    file,
    line: source.value(`/waivers/${i}`).line,
  }));
}

function realDate(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}
