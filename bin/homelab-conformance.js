#!/usr/bin/env node
// The installed command (package.json "bin"): plain node on the compiled suite under dist/, built
// by `npm run build` (the package's prepare/prepack; scripts/setup.sh in a clone). No tsx, no npm
// or npx in between: one process from the arguments to the verdict.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/scripts/conformance.js", import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error("homelab-conformance: the compiled suite (dist/) is missing: run `npm run build` in the checkout");
  process.exit(3);
}
await import(entry.href);
