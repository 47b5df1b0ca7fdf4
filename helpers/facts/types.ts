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
}

export interface NodeFacts {
  node: string;
  reachable: boolean;
  /** Why the node could not be asked anything (host key refused, timeout, ...). */
  error?: { kind: string; message: string };
  roundTrips: number;
  gatherMs: number;
  facts: Record<string, FactRecord>;
}

export interface RunFacts {
  inventoryFile: string;
  startedAt: string;
  durationMs: number;
  connections: Array<{ node: string; ms: number }>;
  nodes: Record<string, NodeFacts>;
}
