// The stable identity of an invariant, as in Kubernetes conformance: an ID that never changes,
// a title that reads like the operations document, its MUST statement and the section it enforces.

import type { NodeDecl } from "../inventory/types.ts";
import type { Finding } from "../results/model.ts";

/** The families an invariant belongs to (the CLI's --family choices): one list, here. */
export const FAMILIES = ["exposure", "shares", "boot", "containers", "data", "identity", "monitoring", "gpu"] as const;
export type Family = (typeof FAMILIES)[number];
export type Severity = "blocker" | "critical" | "normal" | "minor" | "trivial";

export interface InvariantMeta {
  /** e.g. EXPOSE-001; never reused for another meaning. */
  id: string;
  title: string;
  must: string;
  /** Section(s) of operations.md, e.g. "§1, §5.1". */
  section: string;
  family: Family;
  severity: Severity;
  /** Changes the node (a write probe, a reboot): opt-in on live nodes, declared here. */
  mutates?: boolean;
  /**
   * The playbook section of operations.md an operator follows when this invariant fails, e.g.
   * "§4.3 MergerFS mount failure". The failure message names it, and the def's `diagnose` says
   * what of it the suite gathers on the node (attached to the failed result as diagnostics).
   */
  playbook?: string;
  /**
   * The remediation of one finding: the line an operator pastes or follows on `node` (the exact
   * fstab line, smb.conf parameter, `systemctl enable --now X`, `pct set ...`). Shown with the
   * finding in the terminal, summary.md, junit.xml, the HTML report and docs/CONFORMANCE.md.
   * Every invariant has one (tests/unit/fixes.test.ts).
   */
  fix?: (finding: Finding, node: NodeDecl) => string;
}

export const ID_PATTERN = /^[A-Z]+-\d{3}$/;

/** The Allure label a skipped result carries its reason in; the report renderer shows it (helpers/report/render.ts). */
export const SKIP_REASON_LABEL = "skipReason";
