// A probe is one question asked of a node: a read-only shell command and the parser that turns
// its output into a typed fact. Probes are batched by helpers/facts into one round trip per node.

export interface ProbeOutput {
  stdout: string;
  stderr: string;
  /** Exit status of the probe's command; null if it was killed. */
  code: number | null;
  /** Streams the batch cut at its output cap (helpers/facts/batch.ts): the fact is then unreadable. */
  truncated?: Array<"stdout" | "stderr">;
  /** The command's own wall time on the node, from the batch's frame (helpers/facts/batch.ts). */
  nodeMs?: number;
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
