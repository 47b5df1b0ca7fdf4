// Which waiver a failed result meets, and whether it still holds. Pure: `now` is passed in.
import type { Waiver } from "./load.ts";

export type WaiverState = "active" | "expired";

/** The waiver holds through its `expires` day (UTC), and no longer from the next day. */
export function waiverState(w: Waiver, now: Date): WaiverState {
  return now.getTime() < new Date(`${w.expires}T00:00:00Z`).getTime() + 86_400_000 ? "active" : "expired";
}

export function findWaiver(waivers: readonly Waiver[], invariant: string, node: string | null, now: Date): { waiver: Waiver; state: WaiverState } | undefined {
  const w = node === null ? undefined : waivers.find((x) => x.invariant === invariant && x.node === node);
  return w ? { waiver: w, state: waiverState(w, now) } : undefined;
}

/** The line a waived or expired failure ends with. */
export function waiverNote(w: Waiver, state: WaiverState): string {
  const who = `${w.owner}: ${w.justification}`;
  return state === "active"
    ? `  WAIVED until ${w.expires} by ${who} (${w.file}:${w.line})`
    : `  waiver EXPIRED on ${w.expires}, failing again (was accepted by ${who}; ${w.file}:${w.line})`;
}
