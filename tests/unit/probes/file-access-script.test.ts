// fileAccessScript on real shells: the directories on a path are worked out with shell expansions
// and one stat; the output must be what the loop of `dirname` and `stat` per directory printed.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileAccessScript } from "../../../helpers/probes/file-access.ts";

// The snippet as the probes ran it until stop 33: one dirname and one stat per directory.
const loopScript = (v: string) =>
  `r=$(readlink -f -- "$${v}" 2>/dev/null || printf '%s' "$${v}"); ` +
  `if [ "$r" != "$${v}" ]; then printf 'L %s\\n' "$r"; fi; ` +
  `if [ -e "$${v}" ]; then stat -L -c 'S %U %G %a %F' -- "$${v}"; ` +
  `d=$(dirname -- "$r"); while :; do stat -c 'D %U %G %a %n' -- "$d" 2>/dev/null; if [ "$d" = / ] || [ "$d" = . ]; then break; fi; d=$(dirname -- "$d"); done; ` +
  `else e=$(LC_ALL=C stat -L -c %F -- "$${v}" 2>&1 >/dev/null); case $e in *'No such file or directory'*|*'Not a directory'*) echo missing ;; *) printf 'E %s\\n' "$(printf '%s' "\${e:-stat -L failed}" | head -n 1)" ;; esac; fi`;

describe("fileAccessScript on sh and bash", () => {
  const root = mkdtempSync(join(tmpdir(), "hlc-fa-"));
  mkdirSync(join(root, "a/b c/d"), { recursive: true });
  writeFileSync(join(root, "a/b c/d/secret.cred"), "username=x\n");
  writeFileSync(join(root, "top"), "");
  symlinkSync(join(root, "a/b c/d/secret.cred"), join(root, "link"));
  symlinkSync("a/b c", join(root, "rel-dir-link"));
  symlinkSync(join(root, "nowhere"), join(root, "dangling"));
  const paths = [
    join(root, "a/b c/d/secret.cred"),
    join(root, "a//b c///d/secret.cred"),
    join(root, "a/b c/d/"),
    join(root, "a/b c/d//"),
    join(root, "link"),
    join(root, "rel-dir-link/d/secret.cred"),
    join(root, "dangling"),
    join(root, "missing/file"),
    join(root, "top/below"),
    "/",
    "//",
    "/etc",
    "top",
    "a/b c/d/secret.cred",
    "./a/b c",
    "a//b c/",
    "",
  ];
  for (const shell of ["sh", "bash"]) {
    it(`${shell}: prints what the loop of dirname and stat printed, for ${paths.length} paths`, () => {
      const run = (script: string, p: string) => execFileSync(shell, ["-c", `v=$1; ${script}`, "sh", p], { cwd: root, encoding: "utf8" });
      for (const p of paths) expect([p, run(fileAccessScript("v"), p)]).toEqual([p, run(loopScript("v"), p)]);
    });
  }
  it("forks no dirname and one stat for the directories", () => {
    const script = fileAccessScript("v");
    expect(script).not.toContain("dirname");
    expect(script.match(/stat -c 'D /g)).toHaveLength(1);
  });
});
