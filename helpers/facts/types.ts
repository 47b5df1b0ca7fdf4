// Facts are what a run learned about each node: plain JSON, gathered once and handed to specs.

/** What a spec judged: the command and its raw (redacted) output. Attached to every result. */
export interface Evidence {
  probe: string;
  command: string;
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface FactRecord<T = unknown> {
  ok: boolean;
  value?: T;
  /** Why there is no value: the command failed or its output could not be parsed. */
  error?: string;
  evidence: Evidence;
  /** The probe's own wall time on the node (its batch frame's timestamps), when known. */
  nodeMs?: number;
  /** The CPU (user + sys) its processes used on the node, when known. */
  nodeCpuMs?: number;
}

/**
 * What the playbook (§4.3-4.5) says to look at when an invariant failed on a node (`findmnt -T`,
 * `systemctl status`, the unit's journal, `docker logs`, the restart history), run read-only on
 * that node after the gather phase, in one extra batched round trip. Redacted like evidence.
 */
export interface DiagnosticRecord {
  /** What was looked at, e.g. "findmnt -T /mnt/media": the attachment is "diagnostics: <what>". */
  what: string;
  command: string;
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface NodeFacts {
  node: string;
  reachable: boolean;
  /** Why the node could not be asked anything (host key refused, timeout, ...). */
  error?: { kind: string; message: string };
  roundTrips: number;
  gatherMs: number;
  facts: Record<string, FactRecord>;
  /** Playbook diagnostics per failed invariant ID (only nodes where an invariant with a playbook failed). */
  diagnostics?: Record<string, DiagnosticRecord[]>;
  /** Duration of the diagnostics round trip (counted in roundTrips). */
  diagnosticsMs?: number;
  /** Why the diagnostics round trip failed, if it did (the facts still stand). */
  diagnosticsError?: string;
  /** Set when the run's filter (--node) left this node out: it was never connected to. Why, in words. */
  leftOut?: string;
  /** Probes the node's plan has that the run's filter (--invariant, --family) left out. */
  leftOutProbes?: string[];
}

export interface RunFacts {
  inventoryFile: string;
  startedAt: string;
  durationMs: number;
  connections: Array<{ node: string; ms: number }>;
  nodes: Record<string, NodeFacts>;
  /** Wall time of the diagnostics phase (all nodes in parallel); absent when nothing failed. */
  diagnosticsMs?: number;
}

/** A read-only command the playbook says to run on a node whose invariant failed. */
export interface DiagnosticRequest {
  /** Short and stable, e.g. "systemctl status mnt-media.automount". */
  what: string;
  /** POSIX sh, read-only, bounded in time (wrap anything that may block in `timeout`). */
  command: string;
}

/** Per node, per failed invariant ID: what to run. */
export type DiagnosticPlan = Record<string, Record<string, DiagnosticRequest[]>>;
