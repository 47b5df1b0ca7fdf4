import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { buildBatch, splitBatch } from "../../helpers/facts/batch.ts";

// The batch script is run by a real /bin/sh here: the framing must survive real shells.
async function runBatch(commands: string[]) {
  const batch = buildBatch(commands);
  const r = await execa("/bin/sh", ["-c", batch.script], { reject: false });
  return splitBatch(batch, commands.length, r.stdout + "\n", r.stderr + "\n");
}

describe("batched probes: many commands, one round trip", () => {
  it("gives each command its own stdout, stderr and exit code", async () => {
    const [a, b, c] = await runBatch(["echo one; echo err1 >&2", "printf 'no newline'; exit 3", "true"]);
    expect(a).toEqual({ stdout: "one\n", stderr: "err1\n", code: 0 });
    expect(b).toEqual({ stdout: "no newline", stderr: "", code: 3 });
    expect(c).toEqual({ stdout: "", stderr: "", code: 0 });
  });

  it("keeps blank lines and output that looks like a marker of another nonce", async () => {
    const [a] = await runBatch(["printf '\\n\\nx\\n\\n'; echo '@@HLC-000000000000 END 0 0'"]);
    expect(a!.stdout).toBe("\n\nx\n\n@@HLC-000000000000 END 0 0\n");
  });

  it("a command cannot read the rest of the batch from stdin", async () => {
    const [a, b] = await runBatch(["cat", "echo still-here"]);
    expect(a!.stdout).toBe("");
    expect(b!.stdout).toBe("still-here\n");
  });

  it("a command that exits the shell does not take the others with it", async () => {
    const [a, b] = await runBatch(["exit 7", "echo after"]);
    expect(a!.code).toBe(7);
    expect(b).toEqual({ stdout: "after\n", stderr: "", code: 0 });
  });

  it("a batch cut short leaves the unfinished command with code null and its partial output", () => {
    const batch = buildBatch(["a", "b"], "abc");
    const out = "@@HLC-abc BEGIN 0\nfirst\n\n@@HLC-abc END 0 0\n@@HLC-abc BEGIN 1\npartial";
    const [a, b] = splitBatch(batch, 2, out, "");
    expect(a).toEqual({ stdout: "first\n", stderr: "", code: 0 });
    expect(b).toEqual({ stdout: "partial", stderr: "", code: null });
  });
});
