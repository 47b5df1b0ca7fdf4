// Where the suite's files are, from source (tsx, vitest: helpers/paths.ts) or compiled (node:
// dist/helpers/paths.js). dist/ mirrors the source tree (tsconfig.build.json rootDir "."), so the
// code root is the checkout or dist/, and the package root (package.json, node_modules, inventory/,
// deploy/, fixtures/images/) is the checkout either way.
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** True when this module runs compiled (dist/), false under tsx or vitest from source. */
export const COMPILED = !import.meta.url.endsWith(".ts");
/** The extension of the suite's own modules as they run: `.js` compiled, `.ts` from source. */
export const CODE_EXT = COMPILED ? ".js" : ".ts";
/** The tree holding helpers/, specs/, scripts/: the checkout, or its dist/. */
export const CODE_ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
/** The package itself: package.json, node_modules, inventory/, deploy/, fixtures/. */
export const PACKAGE_ROOT = COMPILED ? resolve(CODE_ROOT, "..") : CODE_ROOT;

export const codePath = (...parts: string[]): string => join(CODE_ROOT, ...parts);
export const packagePath = (...parts: string[]): string => join(PACKAGE_ROOT, ...parts);
