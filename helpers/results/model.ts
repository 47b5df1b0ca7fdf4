// The result model: what one (invariant, node) result is, below everything that makes or reads
// one. The judge (helpers/spec), the waivers, the run (helpers/run) and every output
// (helpers/report) import it; it imports nothing of theirs.

/** What is wrong, e.g. "prometheus tcp/9090" or "share media, identity jellyfin". */
export interface Finding {
  subject: string;
  expected: string;
  actual: string;
  /** The remediation: the line to paste or follow (the invariant's meta.fix), filled in after the check judged. */
  fix?: string;
}

/** A finding as results.json stores it. */
export type ResultFinding = Finding;

/**
 * "waived": it failed, and a waiver in force accepts that failure for now (helpers/waivers). Never
 * a pass, never counted as failed; "failed" always means failed (an expired waiver's failure too).
 */
export type ResultStatus = "passed" | "failed" | "skipped" | "waived";

/**
 * Why, beyond the status: "planned" (an item of the document not declared yet), "not-hostable"
 * (the machine hosting the lab cannot exhibit it), "no-node", "unreachable" (the node could not
 * be asked anything), "broken" (the spec itself threw), "left-out" (it needs facts this run's
 * filter left out: a node it did not gather; skipped with what was not judged).
 */
export type ResultKind = "planned" | "not-hostable" | "no-node" | "unreachable" | "broken" | "left-out";

export interface ResultWaiver {
  owner: string;
  justification: string;
  /** YYYY-MM-DD, the last day (UTC) it holds. */
  expires: string;
  /** "active": it waives this failure; "expired": it no longer does, the result failed. */
  state: "active" | "expired";
  /** Where the waiver is written. */
  at: string;
}

/** Which (invariant, node) a result is about: shared by results.json and each test's meta. */
export interface ResultIdentity {
  /** Invariant ID, e.g. EXPOSE-001. */
  id: string;
  /** Inventory node name; null for an invariant no node declares (skipped, "no-node"). */
  node: string | null;
  title: string;
  section: string;
  family: string;
  severity: string;
  /** Boot layer of the node (§3.1), null without a node. */
  layer: number | null;
}

/** How a result compares with the baseline run (`--baseline`), when there is one. */
export type ResultChange = "new-failure" | "still-failing" | "fixed" | "new-check";

export interface ResultRecord extends ResultIdentity {
  status: ResultStatus;
  kind?: ResultKind;
  /** The failure message (node, invariant, expected, actual) or the reason of a skip. */
  message?: string;
  findings?: ResultFinding[];
  /** operations.md playbook section a failure points to (§4.x). */
  playbook?: string;
  durationMs?: number;
  /** The waiver that met this failure: active (status "waived") or expired (status "failed"). */
  waiver?: ResultWaiver;
  /** With a baseline: how this result changed (absent: unchanged and not failing). */
  change?: ResultChange;
}

/** Raw output a result was judged on, or a diagnostic gathered after it failed. */
export interface Attachment {
  name: string;
  body: string;
}

/**
 * One result as the run decided it, carried to the reporters as data (a test's `meta.hlc`):
 * the record results.json stores, the text the report shows, and what it was judged on.
 */
export interface JudgedResult extends ResultRecord {
  /** The invariant's MUST statement, for the report's description. */
  must: string;
  /** One line about the target and the node, for the report's description. */
  target?: string;
  attachments: Attachment[];
}

/** A waiver of the waivers file and what it did in this run. */
export interface WaiverOutcome {
  invariant: string;
  node: string;
  owner: string;
  justification: string;
  expires: string;
  at: string;
  /**
   * "active": it waived a failure; "expired": it met a failure but no longer holds; "stale": it
   * matched no failure of this run (the check passes now, or no such check exists): remove it;
   * "out-of-scope": this run's filter left its invariant or node out, so it was not tried.
   */
  state: "active" | "expired" | "stale" | "out-of-scope";
}

export const resultKey = (r: { id: string; node: string | null }): string => `${r.id} ${r.node ?? "(no node)"}`;
