import { execa } from "execa";
import { expect, it } from "vitest";

// `npm run typecheck` is part of the tests: a type error anywhere fails `npm test`.
it("the whole project typechecks (tsc --noEmit, strict)", async () => {
  const r = await execa("npx", ["tsc", "--noEmit", "-p", "tsconfig.json"], { reject: false });
  expect(r.stdout + r.stderr).toBe("");
  expect(r.exitCode).toBe(0);
});
