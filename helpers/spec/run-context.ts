// What the gather phase (vitest globalSetup) hands to every spec file: the validated inventory
// and the facts. Plain JSON, so it crosses into vitest's workers via provide/inject.
import { inject } from "vitest";
import type { RunFacts } from "../facts/types.ts";
import type { Inventory } from "../inventory/types.ts";
import type { HostLimit } from "./limits.ts";

export interface RunContext {
  inventory: Inventory;
  facts: RunFacts;
  /** "lab" when the suite faces the fixture lab, "live" otherwise; specs never branch on it. */
  target: "lab" | "live";
  /** What the machine hosting the nodes cannot exhibit (HLC_HOST_LIMITS; the lab's only). */
  limits?: HostLimit[];
}

declare module "vitest" {
  export interface ProvidedContext {
    hlcRun: RunContext;
  }
}

let local: RunContext | undefined;

/**
 * The gather phase (vitest's main process, where `inject` does not exist) judges invariants
 * with a playbook to know what to diagnose; their checks may ask for the run context too.
 */
export function setRunContext(run: RunContext | undefined): void {
  local = run;
}

export function runContext(): RunContext {
  if (local) return local;
  const run = inject("hlcRun");
  if (!run) throw new Error("no run context: conformance specs run through `npm run conformance` (vitest --project conformance)");
  return run;
}
