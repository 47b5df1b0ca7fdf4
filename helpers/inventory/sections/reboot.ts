// Section `reboot` (§3.3 "after a reboot the system converges automatically", §6 "after major
// changes"; issue #5 item 6): whether the suite may reboot this node to measure its convergence
// (`npm run conformance -- --inventory FILE --reboot NODE --confirm-reboot NODE`), and the time
// it must converge within. A node without `reboot.allowed: true` is never rebooted.
import { isRecord, nodeRecords, type At } from "./rules.ts";
import type { Section } from "./types.ts";

export interface RebootDecl {
  /** The operator allows the suite to reboot this node (it still needs --confirm-reboot NODE). */
  allowed: boolean;
  /** Bound from the reboot to convergence, in seconds. */
  convergeWithinSec: number;
  /** Accept `degraded` from `systemctl is-system-running` as converged (a known failed unit elsewhere). */
  allowDegraded: boolean;
}

export const REBOOT_DEFAULTS = { allowed: false, convergeWithin: "5m", allowDegraded: false } as const;

interface RawReboot {
  allowed?: boolean;
  convergeWithin?: string | number;
  allowDegraded?: boolean;
}

/** "90s", "5m", "1h", "300" (seconds) → seconds. */
export function spanSec(v: string | number): number {
  if (typeof v === "number") return v;
  const m = /^(\d+)\s*(s|sec|m|min|h)?$/.exec(v.trim());
  if (!m) throw new Error(`not a time span: ${v}`);
  const n = Number(m[1]);
  return m[2]?.startsWith("h") ? n * 3600 : m[2]?.startsWith("m") ? n * 60 : n;
}

export const rebootSection: Section<RawReboot, RebootDecl> = {
  problems: (nodes, at) => rebootProblems(nodes, at),
  key: "reboot",
  schema: {
    type: "object",
    additionalProperties: false,
    description:
      "Reboot-convergence check of this node (§3.3, §6): the suite reboots it over SSH (`systemctl reboot`, through sudo -n when ssh.sudo), waits for a new boot id, then for mounts, services, containers and monitoring to converge within `convergeWithin`. Disruptive: only with `allowed: true` here AND `--confirm-reboot NODE` on the command line.",
    properties: {
      allowed: { type: "boolean", default: REBOOT_DEFAULTS.allowed, description: "The suite may reboot this node (never without --confirm-reboot naming it). Not on a hypervisor, nor on an LXC reached through pct: the inventory is refused." },
      convergeWithin: {
        description: "Time from the reboot to convergence: seconds, or a span like 90s, 5m, 1h.",
        default: REBOOT_DEFAULTS.convergeWithin,
        oneOf: [
          { type: "integer", minimum: 1, description: "Seconds." },
          { type: "string", pattern: "^[0-9]+ ?(s|sec|m|min|h)?$", patternErrorMessage: "a time span such as 90s, 5m or 1h, or a number of seconds", description: "A span: 90s, 5m, 1h." },
        ],
      },
      allowDegraded: {
        type: "boolean",
        default: REBOOT_DEFAULTS.allowDegraded,
        description: "Count `systemctl is-system-running` = degraded as converged (otherwise only `running`).",
      },
    },
  },
  normalize: (raw) => ({
    allowed: raw.allowed ?? REBOOT_DEFAULTS.allowed,
    convergeWithinSec: spanSec(raw.convergeWithin ?? REBOOT_DEFAULTS.convergeWithin),
    allowDegraded: raw.allowDegraded ?? REBOOT_DEFAULTS.allowDegraded,
  }),
};

/**
 * A reboot the inventory allows must be one the live entry point (helpers/convergence/live.ts,
 * which refuses these too) can carry out: never a hypervisor, never an LXC reached through pct.
 * `allowed: true` there could never be acted on, so it is a mistake in the file, reported before
 * anything connects rather than at `--reboot` time. And the span must be a real one.
 */
export function rebootProblems(nodes: readonly unknown[], at: At): void {
  nodeRecords(nodes).forEach((n, i) => {
    const r = n.reboot;
    if (!isRecord(r)) return;
    const here = ["nodes", i, "reboot"];
    const name = typeof n.name === "string" ? n.name : `nodes[${i}]`;
    if (r.allowed === true) {
      if (n.role === "hypervisor") {
        at([...here, "allowed"], `must not be true on a hypervisor: rebooting ${name} takes every guest down, and the live reboot entry point refuses it (allow its guests instead, one at a time)`);
      } else if (n.ssh === undefined && isRecord(n.pct)) {
        const host = typeof n.pct.host === "string" ? ` on ${n.pct.host}` : "";
        at([...here, "allowed"], `must not be true on a node reached through pct: the suite reboots over the node's own ssh, and ${name} has none (pct exec${host}), so the live reboot entry point refuses it`);
      }
    }
    const span = r.convergeWithin;
    if (typeof span === "string" && /^[0-9]+ ?(s|sec|m|min|h)?$/.test(span) && spanSec(span) === 0) {
      at([...here, "convergeWithin"], `must be a time span longer than 0, got ${JSON.stringify(span)}`);
    }
  });
}

declare module "../types.ts" {
  interface NodeDecl {
    reboot?: RebootDecl;
  }
}
