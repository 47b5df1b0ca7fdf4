// Schema validation with messages a person can act on. ajv (allErrors) reports every failing
// keyword, several per real problem; this file folds them back into one problem per cause:
// one message per value, one per unknown key, one per missing key, with the composite
// (anyOf/oneOf) summaries dropped when their branches say more.
import { createRequire } from "node:module";
import type { Ajv, AnySchema, ErrorObject } from "ajv";
import { describeValue, type Problem } from "./errors.ts";
import { displayPath, pointerSegments, toPointer, type SourceMap } from "./positions.ts";
import { inventorySchema } from "./schema.ts";
import { closest } from "./suggest.ts";

type SchemaNode = Record<string, unknown>;

// allowUnionTypes: a service port is an integer or the word `any`.
export const AJV_OPTIONS = { allErrors: true, verbose: true, strict: true, allowUnionTypes: true } as const;

export function addAnnotationKeywords(ajv: Ajv): void {
  // Editor annotations (VS Code / yaml-language-server); they only feed the messages here.
  ajv.addKeyword("patternErrorMessage");
  ajv.addKeyword("enumDescriptions");
  // What a value of the wrong type should have been, when that says more than the pattern's
  // message (an unquoted file mode is a number to YAML).
  ajv.addKeyword("typeErrorMessage");
}

// Ajv itself (~20 modules) is loaded only to compile a schema: the compiled suite's inventory
// validator is generated at build time, so --list and a run's start do not pay for it.
const require = createRequire(import.meta.url);

export function createValidator(schema: AnySchema) {
  const { Ajv: AjvClass } = require("ajv") as typeof import("ajv");
  const ajv = new AjvClass(AJV_OPTIONS);
  addAnnotationKeywords(ajv);
  return ajv.compile(schema);
}

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/**
 * The compiled suite imports the validator scripts/build-validator.ts generated at build time
 * (Ajv standalone code: the schema's ~0.4 s compile is not paid at every start); from source, or
 * when the file is missing, Ajv compiles the schema here.
 */
async function inventoryValidator(): Promise<Validate> {
  if (!import.meta.url.endsWith(".ts")) {
    try {
      // require, not import(): an ESM import of this 440 kB CommonJS file first scans it for its
      // export names (~50 ms CPU).
      const generated = require("./validator.generated.cjs") as Validate | { default: Validate };
      return "default" in generated ? generated.default : generated;
    } catch {
      /* not generated: compile below */
    }
  }
  return createValidator(inventorySchema as unknown as AnySchema) as Validate;
}

const validateInventory = await inventoryValidator();

export function schemaProblems(data: unknown, source: SourceMap): Problem[] {
  if (validateInventory(data)) return [];
  return translateErrors(validateInventory.errors ?? [], data, source);
}

export function translateErrors(errors: readonly ErrorObject[], data: unknown, source: SourceMap): Problem[] {
  // A composite's own error only says "must match a schema in anyOf"; its branches say why.
  const relevant = withoutMismatchedBranches(errors);
  const kept = relevant.filter(
    (e) =>
      !COMPOSITE.has(e.keyword) ||
      // An `if` error's reasons are under its sibling `then`/`else`, not under `if` itself.
      !relevant.some((o) => o.schemaPath.startsWith(`${e.schemaPath}/`) || (e.keyword === "if" && /\/(then|else)\//.test(o.schemaPath) && o.schemaPath.startsWith(e.schemaPath.replace(/if$/, "")))),
  );

  const problems: Problem[] = [];
  const unknownKeys = new Map<string, { mapping: string; suggestion: string | undefined }>();
  const missing = new Map<string, { mapping: string; key: string; error: ErrorObject }>();
  const byValue = new Map<string, ErrorObject[]>();

  for (const e of kept) {
    if (e.keyword === "additionalProperties") {
      const key = String(e.params.additionalProperty);
      const pointer = e.instancePath + toPointer([key]);
      if (unknownKeys.has(pointer)) continue;
      const present = new Set(Object.keys(asRecord(e.data)));
      const known = Object.keys(asRecord((e.parentSchema as SchemaNode | undefined)?.properties));
      const suggestion = closest(
        key,
        known.filter((k) => !present.has(k)),
      );
      unknownKeys.set(pointer, { mapping: e.instancePath, suggestion });
      const hint = suggestion ? `did you mean '${suggestion}'?` : `expected one of ${known.join(", ")}`;
      problems.push({ ...source.key(pointer), path: pathOf(pointer, data), message: `unknown key '${key}', ${hint}` });
    } else if (e.keyword === "required") {
      const key = String(e.params.missingProperty);
      missing.set(`${e.instancePath}\0${key}`, { mapping: e.instancePath, key, error: e });
    } else {
      const group = byValue.get(e.instancePath) ?? [];
      group.push(e);
      byValue.set(e.instancePath, group);
    }
  }

  for (const { mapping, key, error } of missing.values()) {
    // A misspelt key and the key it was meant to be are one problem, reported at the typo.
    const explained = [...unknownKeys.values()].some((u) => u.mapping === mapping && u.suggestion === key);
    if (explained) continue;
    const present = Object.keys(asRecord(error.data));
    const found = present.length ? `got keys ${present.join(", ")}` : "got an empty mapping";
    problems.push({ ...source.value(mapping), path: pathOf(mapping, data), message: `must have key '${key}', ${found}` });
  }

  for (const [pointer, group] of byValue) {
    const segments = pointerSegments(pointer, data);
    const lastKey = segments[segments.length - 1];
    problems.push({
      ...source.value(pointer),
      path: displayPath(segments),
      message: `must be ${expectation(group)}, got ${describeValue(group[0]!.data, lastKey)}`,
    });
  }
  return problems;
}

const COMPOSITE = new Set(["anyOf", "oneOf", "if"]);

/** Alternatives of mappings (`{env}` or `{file}`): when the given keys fit some branch, the branches
 * whose keys do not fit (a missing or unknown key at the composite's own value) say nothing about
 * the mistake; their errors are dropped, so `{ env: BAD-NAME }` is one problem, not three. */
function withoutMismatchedBranches(errors: readonly ErrorObject[]): ErrorObject[] {
  const dropped = new Set<string>(); // branch schema paths, e.g. …/oneOf/1
  for (const c of errors) {
    if (c.keyword !== "oneOf" && c.keyword !== "anyOf") continue;
    const branches = new Map<string, boolean>(); // branch path → its keys do not fit
    for (const e of errors) {
      if (!e.schemaPath.startsWith(`${c.schemaPath}/`)) continue;
      const branch = `${c.schemaPath}/${e.schemaPath.slice(c.schemaPath.length + 1).split("/")[0]}`;
      const shape = (e.keyword === "required" || e.keyword === "additionalProperties") && e.instancePath === c.instancePath;
      branches.set(branch, (branches.get(branch) ?? false) || shape);
    }
    if (![...branches.values()].some((mismatched) => !mismatched)) continue;
    for (const [branch, mismatched] of branches) if (mismatched) dropped.add(branch);
  }
  return errors.filter((e) => ![...dropped].some((b) => e.schemaPath.startsWith(`${b}/`)));
}

/** What the value should have been, from the schema(s) it failed. An enum or const says the
 * most. Then any error past the type check (minimum, pattern, ...): ajv only reaches those in a
 * branch whose type matched, so that branch is the one meant. Last, the declared type(s), joined
 * when anyOf branches each wanted another. */
function expectation(group: readonly ErrorObject[]): string {
  const pick = (keyword: string) => group.filter((e) => e.keyword === keyword);
  const enums = pick("enum");
  if (enums.length) return describe(enums[0]!.parentSchema as SchemaNode);
  const consts = pick("const");
  if (consts.length) return JSON.stringify(consts[0]!.params.allowedValue);
  const beyondType = group.find((e) => e.keyword !== "type" && !COMPOSITE.has(e.keyword));
  if (beyondType) {
    const schema = beyondType.parentSchema as SchemaNode;
    // A pattern without its own words: show it rather than "a string", which the value already is.
    if (beyondType.keyword === "pattern" && typeof schema.patternErrorMessage !== "string") return `a string matching ${String(schema.pattern)}`;
    return describe(schema);
  }
  const types = pick("type");
  const typeNote = types.map((e) => (e.parentSchema as SchemaNode).typeErrorMessage).find((m) => typeof m === "string");
  if (typeof typeNote === "string") return typeNote;
  if (types.length) return unique(types.map((e) => describe(e.parentSchema as SchemaNode))).join(" or ");
  if (group[0]!.keyword === "oneOf") return "exactly one of the alternatives, but it matches several";
  return describe(group[0]!.parentSchema as SchemaNode);
}

/** A schema in words: "an integer from 1 to 65535", "one of tcp, udp", "a mapping with keys ...". */
function describe(schema: SchemaNode | undefined): string {
  if (!schema) return "valid";
  if (Array.isArray(schema.enum)) {
    const notes = Array.isArray(schema.enumDescriptions) ? schema.enumDescriptions : [];
    // Numbers say nothing by themselves (layer 3?); words do, so only numbers get their note.
    const shown = schema.enum.map((v, i) => (typeof v === "number" && notes[i] ? `${v} (${String(notes[i])})` : String(v)));
    return `one of ${shown.join(", ")}`;
  }
  if ("const" in schema) return JSON.stringify(schema.const);
  const { minimum: min, maximum: max } = schema;
  // A union type (a port or `any`) says in its own words what it admits.
  if (Array.isArray(schema.type) && typeof schema.patternErrorMessage === "string") return schema.patternErrorMessage;
  switch (schema.type) {
    case "integer":
    case "number": {
      const noun = schema.type === "integer" ? "an integer" : "a number";
      if (min !== undefined && max !== undefined) return `${noun} from ${min} to ${max}`;
      if (min !== undefined) return `${noun} of at least ${min}`;
      if (max !== undefined) return `${noun} of at most ${max}`;
      return noun;
    }
    case "string": {
      if (typeof schema.patternErrorMessage === "string") return schema.patternErrorMessage;
      const { minLength: lo, maxLength: hi } = schema;
      if (hi !== undefined) return `a string of ${lo ?? 0} to ${hi} characters`;
      if (lo === 1) return "a non-empty string";
      if (lo !== undefined) return `a string of at least ${lo} characters`;
      return "a string";
    }
    case "boolean":
      return "true or false";
    case "array":
      return typeof schema.minItems === "number" && schema.minItems > 0 ? "a non-empty list" : "a list";
    case "object": {
      const required = Array.isArray(schema.required) ? schema.required.map(String) : [];
      return required.length ? `a mapping with keys ${listWords(required)}` : "a mapping";
    }
    case "null":
      return "empty";
    default:
      return "valid";
  }
}

function listWords(words: readonly string[]): string {
  return words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function pathOf(pointer: string, data: unknown): string {
  return displayPath(pointerSegments(pointer, data));
}
