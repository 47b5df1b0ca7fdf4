// The scope of a run: `--invariant`, `--family` and `--node` of the CLI, passed to vitest's
// processes through the environment. A filter limits what is registered as tests AND what is
// gathered: a node left out is never connected to, a probe no selected invariant reads is not run.
//
// What a left-out node would have said is never assumed: a result that reads it (a cross-node
// invariant such as EXPOSE-005, which judges a node by its neighbour's connection attempts, through
// the `peers` it declares) is reported skipped with what could not be judged, not passed (evaluate.ts).

export interface RunScope {
  /** Empty: every one. */
  invariants: string[];
  families: string[];
  nodes: string[];
}

export const SCOPE_ENV = { invariants: "HLC_ONLY_INVARIANTS", families: "HLC_ONLY_FAMILIES", nodes: "HLC_ONLY_NODES" } as const;

/** Every message about something a filter left out contains this, so it can be told apart. */
export const LEFT_OUT = "left out of this run by its filter";

const list = (v: string | undefined) => (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);

export function scopeFromEnv(env: NodeJS.ProcessEnv = process.env): RunScope {
  return { invariants: list(env[SCOPE_ENV.invariants]), families: list(env[SCOPE_ENV.families]), nodes: list(env[SCOPE_ENV.nodes]) };
}

export function scopeToEnv(scope: RunScope): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ["invariants", "families", "nodes"] as const) if (scope[k].length) out[SCOPE_ENV[k]] = scope[k].join(",");
  return out;
}

export const isFiltered = (s: RunScope): boolean => s.invariants.length + s.families.length + s.nodes.length > 0;
export const selectsNode = (s: RunScope, node: string): boolean => s.nodes.length === 0 || s.nodes.includes(node);
export const selectsInvariant = (s: RunScope, meta: { id: string; family: string }): boolean =>
  (s.invariants.length === 0 || s.invariants.includes(meta.id)) && (s.families.length === 0 || s.families.includes(meta.family));

/** "--node vm100 --invariant EXPOSE-001", as the operator typed it. */
export function describeScope(s: RunScope): string {
  return [
    ...(s.invariants.length ? [`--invariant ${s.invariants.join(",")}`] : []),
    ...(s.families.length ? [`--family ${s.families.join(",")}`] : []),
    ...(s.nodes.length ? [`--node ${s.nodes.join(",")}`] : []),
  ].join(" ");
}
