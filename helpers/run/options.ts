// A run's parameters, decided once where the run starts (the CLI's process or vitest's global
// setup) and passed down as values: nothing below reads the environment to learn them.
import { randomBytes } from "node:crypto";
import type { WriteSwitch } from "../probes/types.ts";
import type { RunOptions } from "../spec/invariant.ts";
import { scopeFromEnv, type RunScope } from "../spec/scope.ts";

/** Probes that change a node: on the fixture lab by default, on live nodes only when opted in. */
export function writeSwitch(target: "lab" | "live", optIn: string | undefined): WriteSwitch {
  if (optIn === "1") return { allowed: true };
  if (optIn === "0") return { allowed: false, optedOut: true };
  return target === "lab" ? { allowed: true } : { allowed: false, optedOut: false };
}

export interface RunParams {
  inventoryFile: string;
  options: RunOptions;
  scope: RunScope;
  /** Host limits file (the fixture lab's), waivers file, baseline: as given. */
  hostLimitsFile?: string;
  waiversFile?: string;
  diagnostics: boolean;
}

/** The run's parameters from the variables the CLI sets for vitest's process (its only reader). */
export function paramsFromEnv(env: NodeJS.ProcessEnv): RunParams {
  const inventoryFile = env.HLC_INVENTORY;
  if (!inventoryFile) throw new Error("HLC_INVENTORY is not set. Run `npm run conformance` (fixture lab) or `npm run conformance -- --inventory FILE` (live).");
  const target = env.HLC_TARGET === "lab" ? "lab" : "live";
  return {
    inventoryFile,
    options: { target, writes: writeSwitch(target, env.HLC_ALLOW_WRITE_PROBES), nonce: randomBytes(4).toString("hex") },
    scope: scopeFromEnv(env),
    ...(env.HLC_HOST_LIMITS ? { hostLimitsFile: env.HLC_HOST_LIMITS } : {}),
    ...(env.HLC_WAIVERS ? { waiversFile: env.HLC_WAIVERS } : {}),
    diagnostics: env.HLC_DIAGNOSTICS !== "0",
  };
}
