// An invariant of the operations document, declared in one spec file: who it speaks about, what it
// reads (on its node and, for a cross-node check, on others), and how it judges what it read. As
// InSpec's resource is one class with its name, description and example, an invariant is one
// value: `export default invariant(meta, def)`. Declaring registers nothing and reads no global:
// the catalogue (catalog.ts) collects the spec files' default exports, the run (helpers/run) plans
// the gather from `reads`/`peers`, judges each (invariant, node) once (evaluate.ts) and hands the
// verdicts to the reporters.
import type { DiagnosticRequest } from "../facts/types.ts";
import type { Inventory, NodeDecl } from "../inventory/types.ts";
import type { Probe, WriteSwitch } from "../probes/types.ts";
import type { Finding } from "../results/model.ts";
import { ID_PATTERN, type InvariantMeta } from "./meta.ts";

/** What a run decides once and every invariant may take into account (never read from the environment). */
export interface RunOptions {
  /** "lab" when the suite faces the fixture lab, "live" otherwise; specs do not branch on it. */
  target: "lab" | "live";
  /** Probes that change a node (the SMB write matrix, restore tests) run only when allowed. */
  writes: WriteSwitch;
  /** Per run, shared by the probes of a node that leave transient files (unique names). */
  nonce: string;
}

/** The inventory and the run's options: what `reads` and `peers` are a function of, with the node. */
export interface Scene {
  inventory: Inventory;
  options: RunOptions;
}

/** A read whose fact may be missing: the check gets `undefined` instead of failing on it. */
export interface Optional<T> {
  readonly optional: Probe<T>;
}
export const optional = <T>(probe: Probe<T>): Optional<T> => ({ optional: probe });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Read = Probe<any> | Optional<any> | undefined;
/** What an invariant reads on its node, by the name its check uses. */
export type Reads = Record<string, Read>;
/** The facts of `R` as the check receives them. */
export type FactsOf<R extends Reads> = { readonly [K in keyof R]: FactOf<R[K]> };
// Distributes over a union: a read that may be absent (`cond ? probe : undefined`) may be undefined.
type FactOf<X> = X extends Probe<infer T> ? T : X extends Optional<infer T> ? T | undefined : undefined;

/** A fact of another node an invariant judges its node by (a vantage's connection attempts, ...). */
export interface PeerRead {
  node: string;
  probe: Probe<unknown>;
}
/** A peer's fact, or why there is none: its node was left out by the filter, unreachable, never asked, or its output unreadable. */
export type PeerFact<T> = { ok: true; value: T } | { ok: false; reason: "left-out" | "unreachable" | "not-gathered" | "unreadable"; why: string };

export interface CheckContext<R extends Reads = Reads> {
  node: NodeDecl;
  inventory: Inventory;
  /** The facts `reads` declared. Reading a required one that is missing or unreadable throws FactUnavailable. */
  facts: FactsOf<R>;
  /** A fact `peers` declared on another node; anything else is a bug of the spec (it throws). */
  peer<T>(node: string, probe: Probe<T>): PeerFact<T>;
}

export interface InvariantDef<R extends Reads = Reads> {
  /** Which declared nodes this invariant speaks about. */
  appliesTo(node: NodeDecl, scene: Scene): boolean;
  /**
   * For a node this invariant does not apply to: the reason it would, once declared (a planned item
   * of the document). Such a node gets a SKIPPED result carrying the reason, never a pass.
   */
  planned?(node: NodeDecl, scene: Scene): string | undefined;
  /** The probes it judges on its node, by name; their evidence is attached to the result. */
  reads(node: NodeDecl, scene: Scene): R;
  /** Facts of other nodes it judges its node by. */
  peers?(node: NodeDecl, scene: Scene): PeerRead[];
  check(ctx: CheckContext<R>): Finding[];
  /**
   * With `meta.playbook`: what the playbook says to look at on the node when `check` failed
   * (READ-ONLY commands, see helpers/spec/diagnostics.ts), given its findings (empty when a fact
   * could not be read). The run gathers them in one extra round trip, only on failure.
   */
  diagnose?(ctx: CheckContext<R>, findings: Finding[]): DiagnosticRequest[];
}

export interface Invariant<R extends Reads = Reads> {
  readonly kind: "invariant";
  meta: InvariantMeta;
  def: InvariantDef<R>;
}

export function invariant<R extends Reads>(meta: InvariantMeta, def: InvariantDef<R>): Invariant<R> {
  if (!ID_PATTERN.test(meta.id)) throw new Error(`invariant id ${meta.id} does not match ${ID_PATTERN}`);
  return { kind: "invariant", meta, def };
}

export const isInvariant = (v: unknown): v is Invariant => typeof v === "object" && v !== null && (v as Invariant).kind === "invariant" && "meta" in v && "def" in v;

/** Probes of a Reads record, in declaration order (optional ones unwrapped, absent ones dropped). */
export function probesOf(reads: Reads): Probe<unknown>[] {
  return Object.values(reads).flatMap((r) => (r === undefined ? [] : "optional" in r ? [r.optional] : [r]));
}
