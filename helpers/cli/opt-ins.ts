// The run's opt-ins come from its command line only (issue #21 point 7): an exported
// HLC_HOST_LIMITS left over from a lab session turned a live run's failures into skips, and
// HLC_ALLOW_WRITE_PROBES / HLC_ACCEPT_NEW_HOSTKEYS passed through unannounced. The CLI clears the
// inherited variables, sets its own from --allow-writes, --accept-new-hostkeys and --host-limits,
// prints them at the start, and results.json records them (run.optIns).
import { join, resolve } from "node:path";
import { UsageError, type CliArgs } from "./args.ts";

/** The variables the rest of the suite reads an opt-in from; only the CLI sets them. */
export const OPT_IN_ENV = ["HLC_ALLOW_WRITE_PROBES", "HLC_ACCEPT_NEW_HOSTKEYS", "HLC_HOST_LIMITS"] as const;

/** An inventory the lab wrote (under <checkout>/.lab/): the only kind host limits apply to. */
export const isLabInventory = (file: string, root: string): boolean => resolve(file).startsWith(join(root, ".lab") + "/");

export interface OptIns {
  allowWrites: boolean;
  acceptNewHostKeys: boolean;
  hostLimits?: string;
}

/**
 * Clears the inherited opt-in variables and sets the flags' own. `inventory` is the --inventory
 * file (absolute), undefined for the built-in lab. Host limits for a live inventory are refused:
 * a live node is judged as it is, never excused by what a lab's machine lacks.
 */
export function applyOptIns(args: Pick<CliArgs, "allowWrites" | "acceptNewHostKeys" | "hostLimits">, inventory: string | undefined, root: string, env: NodeJS.ProcessEnv = process.env): OptIns {
  for (const k of OPT_IN_ENV) delete env[k];
  if (args.hostLimits && inventory && !isLabInventory(inventory, root)) {
    throw new UsageError(`--host-limits is refused for a live inventory (${inventory}): host limits excuse what a lab's machine cannot host; a live homelab is judged as it is`);
  }
  if (args.allowWrites) env.HLC_ALLOW_WRITE_PROBES = "1";
  if (args.acceptNewHostKeys) env.HLC_ACCEPT_NEW_HOSTKEYS = "1";
  return { allowWrites: args.allowWrites, acceptNewHostKeys: args.acceptNewHostKeys, ...(args.hostLimits ? { hostLimits: args.hostLimits } : {}) };
}

/** The lines printed at the start of a run. */
export function optInLines(o: OptIns, target: "lab" | "live"): string {
  const writes = o.allowWrites ? "on (--allow-writes)" : target === "lab" ? "on (the lab's nodes are throwaway)" : "off (read-only; --allow-writes to opt in)";
  const keys = o.acceptNewHostKeys ? "trust on first use (--accept-new-hostkeys)" : "pinned or known_hosts only";
  const limits = o.hostLimits ? o.hostLimits : "none";
  return `Opt-ins: write probes ${writes}; host keys ${keys}; host limits ${limits}`;
}
