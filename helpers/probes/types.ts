// A probe is one question asked of a node: a read-only shell command and the parser that turns
// its output into a typed fact. Probes are batched by helpers/facts into one round trip per node.
// A probe with a `runner` step is not batched: its command's stdout is a byte stream piped, on one
// more channel of the node's connection, into a step on the machine running the suite (e.g. a
// restore into a throwaway database there), whose text report is what `parse` reads.
import type { StreamResult } from "../transport/types.ts";

export interface ProbeOutput {
  stdout: string;
  stderr: string;
  /** Exit status of the probe's command; null if it was killed. */
  code: number | null;
  /** Streams the batch cut at its output cap (helpers/facts/batch.ts): the fact is then unreadable. */
  truncated?: Array<"stdout" | "stderr">;
  /** The command's own wall time on the node, from the batch's frame (helpers/facts/batch.ts). */
  nodeMs?: number;
  /** The CPU its processes used on the node (user + sys), from the batch's frame. */
  nodeCpuMs?: number;
}

export interface Probe<T> {
  /** Stable name, used as the fact key and in evidence. */
  readonly name: string;
  /** POSIX sh command. Must not change the node. */
  readonly command: string;
  /** Turn the command's output into a fact. Throws ProbeParseError on output it cannot read. */
  parse(output: ProbeOutput): T;
  /**
   * Talks to something that can be slow or hang (a backup repository, SMB sessions, a database
   * import): batched after every quick probe, so if the node's time runs out the quick facts are in.
   */
  readonly slow?: boolean;
  /**
   * Writes into data other probes of the node read (the SMB write probes put a file into a share):
   * such a node's probes are never run beside it on other channels (helpers/facts/lanes.ts), so no
   * probe of the same run ever sees the suite's own transient file.
   */
  readonly writes?: boolean;
  /**
   * Fed to the command on its stdin (the SSH channel's stdin, never an argument on the node):
   * secrets the command needs, e.g. SMB passwords. Redact them from evidence as known secrets.
   */
  readonly input?: string;
  /**
   * Consumed on the machine running the suite (helpers/facts/runner.ts): the command (still
   * read-only on the node) streams its stdout into `runner.consume`, whose output `parse` reads.
   */
  readonly runner?: RunnerStep<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * Something the run provides on the machine running the suite, started at most once per run (by
 * `key`) and only when a planned probe needs it, stopped when the gather ends, failed or not.
 */
export interface RunnerResource<R> {
  readonly key: string;
  /** Resolves with the resource, or with the resource's own "unavailable" value (never rejects for that). */
  start(): Promise<R>;
  stop(resource: R): Promise<void>;
}

/** Runs the probe's command on the node with its stdout piped into `sink`; resolves once the command ended. */
export type NodeStream = (sink: NodeJS.WritableStream) => Promise<StreamResult>;

export interface RunnerStep<R> {
  readonly resource: RunnerResource<R>;
  /**
   * The runner-side step of one node: it may call `stream` (once) to run the node's command into
   * what it sets up, or not at all (its resource is unavailable). Resolves with the text its
   * probe's `parse` reads; the evidence shows the node's command and this output.
   */
  consume(resource: R, stream: NodeStream, node: string): Promise<ProbeOutput>;
}

export class ProbeParseError extends Error {
  constructor(
    readonly probe: string,
    message: string,
  ) {
    super(`probe ${probe}: ${message}`);
    this.name = "ProbeParseError";
  }
}

/**
 * Whether this run lets probes change a node (decided once by the run, helpers/run/options.ts):
 * on the fixture lab by default, on live nodes only when the operator opts in. `optedOut`: the
 * operator turned them off explicitly (on the lab too).
 */
export type WriteSwitch = { allowed: true } | { allowed: false; optedOut: boolean };
