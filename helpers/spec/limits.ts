// Host limits: parts of a result that the machine hosting the nodes cannot exhibit, e.g. a systemd
// automount on a kernel without autofs. The fixture lab declares them (fixtures/lab/hosting.ts)
// in a file passed with HLC_HOST_LIMITS; a live run has none, and no spec ever sees them: they are
// applied to a spec's findings after it judged the facts (evaluate.ts). A result whose every
// finding is a limit is SKIPPED with the limit's reason, never passed; a result with other
// findings still fails on those.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Finding } from "./message.ts";

export interface HostLimit {
  node: string;
  invariant: string;
  /** The finding's subject exactly as the spec words it, e.g. "mnt-media.automount". */
  subject: string;
  /** Why this machine cannot host it, in plain words; shown as "not hostable here: <reason>". */
  reason: string;
}

export interface HostLimitsFile {
  version: 1;
  /** What the machine lacks, one line each (for the report's description). */
  host: string[];
  limits: HostLimit[];
}

/** A lab writes its host limits beside its inventory (fixtures/lab/lab.ts); a run of that inventory uses them. */
export const hostLimitsBeside = (inventoryFile: string): string | undefined => {
  const f = join(dirname(resolve(inventoryFile)), "host-limits.json");
  return existsSync(f) ? f : undefined;
};

export function readHostLimits(file: string | undefined = process.env.HLC_HOST_LIMITS): HostLimit[] {
  if (!file) return [];
  if (!existsSync(file)) throw new Error(`HLC_HOST_LIMITS names ${file}, which does not exist`);
  const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<HostLimitsFile>;
  if (parsed.version !== 1 || !Array.isArray(parsed.limits)) throw new Error(`${file}: not a host limits file (version 1 with limits[])`);
  for (const [i, l] of parsed.limits.entries()) {
    for (const k of ["node", "invariant", "subject", "reason"] as const) {
      if (typeof l?.[k] !== "string" || l[k] === "") throw new Error(`${file}: limits[${i}].${k} must be a non-empty string`);
    }
  }
  return parsed.limits;
}

/** Split findings into those the host cannot exhibit (with their limit) and the rest. */
export function partitionFindings(findings: Finding[], limits: HostLimit[], invariant: string, node: string): { judged: Finding[]; excused: Array<{ finding: Finding; limit: HostLimit }> } {
  const mine = limits.filter((l) => l.invariant === invariant && l.node === node);
  const judged: Finding[] = [];
  const excused: Array<{ finding: Finding; limit: HostLimit }> = [];
  for (const f of findings) {
    const limit = mine.find((l) => l.subject === f.subject);
    if (limit) excused.push({ finding: f, limit });
    else judged.push(f);
  }
  return { judged, excused };
}

/** "not hostable here: <reason>" for a set of excused findings (reasons deduplicated). */
export function notHostable(excused: Array<{ limit: HostLimit }>): string {
  return `not hostable here: ${[...new Set(excused.map((e) => e.limit.reason))].join("; ")}`;
}
