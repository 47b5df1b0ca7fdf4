import { readFileSync } from "node:fs";
import type { ProbeOutput } from "../../../helpers/probes/types.ts";

const dir = new URL("../../../fixtures/captured/probes/", import.meta.url);

/** A capture from fixtures/captured/probes as a successful probe run. */
export function capture(file: string): ProbeOutput {
  return { stdout: readFileSync(new URL(file, dir), "utf8"), stderr: "", code: 0 };
}

export const out = (stdout: string, code: number | null = 0, stderr = ""): ProbeOutput => ({ stdout, stderr, code });
