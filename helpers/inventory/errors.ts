// An inventory that does not load reports every problem at once, each pinned to the YAML node at
// fault, in the `file:line:column:` form editors and terminals turn into links.

export interface Problem {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Key path in display form, e.g. `nodes[2].ssh.port`; empty for YAML syntax errors. */
  path: string;
  message: string;
}

export class InventoryError extends Error {
  override name = "InventoryError";
  readonly file: string;
  readonly problems: Problem[];

  constructor(file: string, problems: Problem[]) {
    super(problems.map((p) => formatProblem(file, p)).join("\n"));
    this.file = file;
    this.problems = problems;
  }
}

export function formatProblem(file: string, p: Problem): string {
  return `${file}:${p.line}:${p.column}: ${p.path ? `at ${p.path}: ` : ""}${p.message}`;
}

/** Source order, so the report reads top to bottom like the file. */
export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}

const SECRET_KEY = /pass(word|phrase)?|secret|token|credential/i;

/** How a found value is quoted in a message; values under secret-looking keys never are. */
export function describeValue(value: unknown, key?: string | number): string {
  if (value === undefined) return "nothing";
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return value.length ? `a list` : "an empty list";
  if (typeof value === "object") return "a mapping";
  if (typeof key === "string" && SECRET_KEY.test(key)) return `a ${typeof value} (value hidden)`;
  if (typeof value === "string") {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(shown);
  }
  return String(value);
}
