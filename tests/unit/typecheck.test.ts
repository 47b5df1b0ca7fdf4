import { execa } from "execa";
import { expect, it } from "vitest";

// `npm run typecheck` is part of the tests: a type error anywhere fails `npm test`.
it("the whole project typechecks (tsc --noEmit, strict)", async () => {
  const r = await execa("npx", ["tsc", "--noEmit", "-p", "tsconfig.json"], { reject: false });
  expect(r.stdout + r.stderr).toBe("");
  expect(r.exitCode).toBe(0);
  // tsc over the whole project takes ~15 s on a quiet 2-core machine and minutes on a loaded one:
  // the bound only stops a hung compiler, it is no statement about speed.
}, 600_000);
