// The waivers of the current run: the file named by HLC_WAIVERS (set by the CLI's --waivers, which
// validated it first), read once per process.
import { loadWaivers, type Waiver } from "./load.ts";

export const WAIVERS_ENV = "HLC_WAIVERS";

let cached: { file: string; waivers: Waiver[] } | undefined;

export function runWaivers(file: string | undefined = process.env[WAIVERS_ENV]): Waiver[] {
  if (!file) return [];
  if (cached?.file !== file) cached = { file, waivers: loadWaivers(file) };
  return cached.waivers;
}
