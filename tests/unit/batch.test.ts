import { execa } from "execa";
import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildBatch, FramingError, splitBatch } from "../../helpers/facts/batch.ts";
import type { ProbeOutput } from "../../helpers/probes/types.ts";

// The batch script is run by a real /bin/sh here: the framing must survive real shells.
async function runBatch(commands: string[]) {
  const batch = buildBatch(commands);
  const r = await execa("/bin/sh", ["-c", batch.script], { reject: false });
  return splitBatch(batch, commands.length, r.stdout + "\n", r.stderr + "\n");
}

/** A probe's output without its time on the node (a number whenever /proc/uptime reads; tested below). */
const timeless = (o: ProbeOutput | undefined) => {
  const { nodeMs, nodeCpuMs, ...rest } = o!;
  expect(nodeMs === undefined || (Number.isInteger(nodeMs) && nodeMs >= 0)).toBe(true);
  expect(nodeCpuMs === undefined || (Number.isInteger(nodeCpuMs) && nodeCpuMs >= 0)).toBe(true);
  return rest;
};

describe("batched probes: many commands, one round trip", () => {
  // Issue #25: each probe's own wall time on the node, from its frame (no process started for it).
  it("each finished probe carries its own time on the node, from /proc/uptime, in its END line", async () => {
    const [slow, quick] = await runBatch(["sleep 0.5", "true"]);
    expect(slow!.nodeMs).toBeGreaterThanOrEqual(400);
    expect(quick!.nodeMs).toBeGreaterThanOrEqual(0);
  });

  // And the CPU its processes used there (the batch shell's cutime + cstime), in both shells a node may have.
  // Compared with each other, never with a fixed bound: both frames cost the same filters, whose
  // CPU grows on a busy machine (CI saw a bare `sleep` frame at 100 ms there).
  it.each(["/bin/sh", "/bin/bash"])("each finished probe carries the CPU its processes used on the node (%s)", async (shell) => {
    const burn = "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"; // CPU in a child shell, not in the batch shell
    const batch = buildBatch([`sh -c '${burn}'`, "sleep 0.3"]);
    const r = await execa(shell, ["-c", batch.script], { reject: false });
    const [busy, idle] = splitBatch(batch, 2, r.stdout + "\n", r.stderr + "\n");
    expect(Number.isInteger(busy!.nodeCpuMs) && Number.isInteger(idle!.nodeCpuMs)).toBe(true);
    // The loop's CPU (~0.4 s here) on top of the same framing: more than the sleeping frame's.
    expect(busy!.nodeCpuMs!).toBeGreaterThan(idle!.nodeCpuMs!);
    // No more CPU than every core of this machine could give in its wall time (ticks of 10 ms).
    expect(busy!.nodeCpuMs!).toBeLessThanOrEqual(busy!.nodeMs! * availableParallelism() + 20);
    expect(idle!.nodeMs).toBeGreaterThanOrEqual(250);
  });

  it("gives each command its own stdout, stderr and exit code", async () => {
    const [a, b, c] = await runBatch(["echo one; echo err1 >&2", "printf 'no newline'; exit 3", "true"]);
    expect(timeless(a)).toEqual({ stdout: "one\n", stderr: "err1\n", code: 0 });
    expect(timeless(b)).toEqual({ stdout: "no newline", stderr: "", code: 3 });
    expect(timeless(c)).toEqual({ stdout: "", stderr: "", code: 0 });
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
    expect(timeless(b)).toEqual({ stdout: "after\n", stderr: "", code: 0 });
  });

  it("a batch cut short leaves the unfinished command with code null and its partial output", () => {
    const batch = buildBatch(["a", "b"], "abc");
    const out = "@@HLC-abc BEGIN 0\n|first\n|\n@@HLC-abc END 0 0\n@@HLC-abc BEGIN 1\n|partial";
    const [a, b] = splitBatch(batch, 2, out, "");
    expect(timeless(a)).toEqual({ stdout: "first\n", stderr: "", code: 0 });
    expect(timeless(b)).toEqual({ stdout: "partial", stderr: "", code: null });
  });
});

// A node cannot make one probe's output count as another's (issue 15): whatever a command
// prints, markers of any nonce included, comes back as its own output; something writing to the
// session behind the filter makes the batch refused, never misread.
describe("batch framing cannot be forged", () => {
  const nonce = "0123456789ab";
  const mark = `@@HLC-${nonce}`;
  async function run(commands: string[], cap?: number) {
    const batch = buildBatch(commands, nonce, cap);
    const r = await execa("/bin/sh", ["-c", batch.script], { reject: false, stripFinalNewline: false });
    return { batch, stdout: r.stdout, stderr: r.stderr };
  }

  it("markers with the real nonce (read from the batch script), a stale or a guessed one stay the probe's own output", async () => {
    const forged = [
      // The real nonce, taken from the batch shell's own command line as a hostile node could.
      `n=$(tr '\\0' '\\n' </proc/$$/cmdline | grep -o '@@HLC-[0-9a-f]*' | head -n 1); printf '\\n%s END 0 0\\n%s BEGIN 1\\nLISTEN 0.0.0.0:22 forged\\n\\n%s END 1 0\\n' "$n" "$n" "$n"`,
      `printf '%s\\n' '@@HLC-ffffffffffff END 1 0' '@@HLC-ffffffffffff BEGIN 2' 'stale' >&2`,
      "echo real-two",
    ];
    const { batch, stdout, stderr } = await run(forged);
    const [a, b, c] = splitBatch(batch, 3, stdout, stderr);
    expect(a!.stdout).toBe(`\n${mark} END 0 0\n${mark} BEGIN 1\nLISTEN 0.0.0.0:22 forged\n\n${mark} END 1 0\n`);
    expect(a!.code).toBe(0);
    expect(b!.stderr).toBe("@@HLC-ffffffffffff END 1 0\n@@HLC-ffffffffffff BEGIN 2\nstale\n");
    expect(timeless(c)).toEqual({ stdout: "real-two\n", stderr: "", code: 0 });
  });

  it("a command writing to the session around the filter (/proc/$$/fd/1) gets the whole batch refused", async () => {
    const batch = buildBatch([
      `n=$(tr '\\0' '\\n' </proc/$$/cmdline | grep -o '@@HLC-[0-9a-f]*' | head -n 1); printf '%s END 0 0\\n%s BEGIN 1\\nforged\\n' "$n" "$n" >/proc/$$/fd/1`,
      "echo honest",
    ], nonce);
    // The session's stdout is a pipe, as sshd gives a command without a tty.
    const r = await execa("/bin/sh", ["-c", 'sh -c "$1" | cat', "_", batch.script], { reject: false, stripFinalNewline: false });
    expect(r.stdout).toContain(`${mark} BEGIN 1\nforged`);
    expect(() => splitBatch(batch, 2, r.stdout, r.stderr)).toThrow(FramingError);
  });

  it("output past the cap is cut on the node and flagged truncated", async () => {
    const { batch, stdout, stderr } = await run(["head -c 5000 /dev/zero | tr '\\0' x", "yes | head -n 3"], 1000);
    const [a, b] = splitBatch(batch, 2, stdout, stderr, 1000);
    expect(a!.stdout.length).toBe(1000);
    expect(a!.truncated).toEqual(["stdout"]);
    expect(timeless(b)).toEqual({ stdout: "y\ny\ny\n", stderr: "", code: 0 });
  });

  it("any output, bytes and marker lookalikes included, is given back as printed (property, simulated filter)", () => {
    const line = fc.oneof(fc.string(), fc.constant(`${mark} END 0 0`), fc.constant(`${mark} BEGIN 1`), fc.constant(""), fc.constant("|"));
    const text = fc.array(line, { maxLength: 8 }).map((ls) => ls.join("\n"));
    fc.assert(
      fc.property(fc.array(fc.tuple(text, fc.boolean()), { minLength: 1, maxLength: 4 }), (outs) => {
        // What the node's filter and batch shell print: awk's records of the output plus the batch
        // shell's own newline, each prefixed and ended by a newline, then END.
        const body = (t: string) => t.split("\n").map((l) => `|${l}\n`).join("");
        const outputs = outs.map(([t, nl]) => (nl ? `${t}\n` : t));
        const stdout = outputs.map((t, i) => `${mark} BEGIN ${i}\n${body(t)}${mark} END ${i} 0\n`).join("");
        const stderr = outputs.map((_, i) => `${mark} BEGIN ${i}\n|\n${mark} END ${i}\n`).join("");
        const split = splitBatch({ script: "", nonce, stdin: "" }, outputs.length, stdout, stderr);
        expect(split.map((s) => s.stdout)).toEqual(outputs);
      }),
    );
  });

  // The filter is awk (one process per stream): its cap and its "no newline at end" must be exact
  // at every boundary, in both shells a node may run the batch in.
  it.each(["/bin/sh", "/bin/bash"])("the cap is exact at its boundary (%s)", async (shell) => {
    const outputs = ["0123456789", "012345678\n", "0123456789\n", "01234567890", "\n\n\n\n\n\n\n\n\n\n", "\n\n\n\n\n\n\n\n\n\n\n", "", "\n"];
    const batch = buildBatch(outputs.map((o) => `printf '${o.replace(/\n/g, "\\n")}'`), nonce, 10);
    const r = await execa(shell, ["-c", batch.script], { reject: false, stripFinalNewline: false });
    const split = splitBatch(batch, outputs.length, r.stdout, r.stderr, 10);
    expect(split.map((s) => [s.stdout, s.truncated ?? []])).toEqual([
      ["0123456789", []],
      ["012345678\n", []],
      ["0123456789", ["stdout"]],
      ["0123456789", ["stdout"]],
      ["\n\n\n\n\n\n\n\n\n\n", []],
      ["\n\n\n\n\n\n\n\n\n\n", ["stdout"]],
      ["", []],
      ["\n", []],
    ]);
  });

  it.each(["/bin/sh", "/bin/bash"])("any output, NUL, bytes and marker lookalikes included, comes back exactly as printed (property, real %s and awk)", async (shell) => {
    const piece = fc.oneof(fc.string({ unit: "binary" }), fc.constant(`${mark} END 0 0`), fc.constant(`${mark} BEGIN 1`), fc.constant("|"), fc.constant("\n"), fc.constant("\0"), fc.constant("\t \r"));
    const text = fc.array(piece, { maxLength: 6 }).map((ps) => ps.join(""));
    const outs = await fc.sample(fc.array(fc.tuple(text, text), { minLength: 1, maxLength: 4 }), 25);
    // Each output printed by printf from octal escapes: every byte reaches the filter as it is.
    const oct = (t: string) => [...Buffer.from(t, "utf8")].map((b) => `\\${b.toString(8).padStart(3, "0")}`).join("");
    for (const pairs of outs) {
      const batch = buildBatch(pairs.map(([o, e]) => `printf '${oct(o)}'; printf '${oct(e)}' >&2`), nonce);
      const r = await execa(shell, ["-c", batch.script], { reject: false, stripFinalNewline: false, encoding: "utf8" });
      const split = splitBatch(batch, pairs.length, r.stdout, r.stderr);
      expect(split.map((s) => [s.stdout, s.stderr, s.code])).toEqual(pairs.map(([o, e]) => [o, e, 0]));
    }
  });

  it("a command's input reaches its stdin and no other command's", async () => {
    const batch = buildBatch([{ command: "cat", input: "s3cret\nline2" }, "cat", { command: "cat", input: "" }]);
    const r = await execa("/bin/sh", ["-c", batch.script], { reject: false, input: batch.stdin, stripFinalNewline: false });
    const [a, b, c] = splitBatch(batch, 3, r.stdout, r.stderr);
    expect(a!.stdout).toBe("s3cret\nline2");
    expect(b!.stdout).toBe("");
    expect(c!.stdout).toBe("");
    expect(batch.script).not.toContain("s3cret");
  });
});

describe("a batch shell that dies half-way", () => {
  /** A transport that runs the batch in a local sh, as a node's shell would. */
  const local = {
    node: "n",
    exec: async (script: string) => {
      const r = await execa("/bin/sh", ["-c", script], { reject: false, stripFinalNewline: false });
      return { command: script, stdout: r.stdout, stderr: r.stderr, code: r.exitCode ?? null, durationMs: 0 };
    },
    close: async () => {},
  };
  const probe = (name: string, command: string) => ({ name, command, parse: (o: { stdout: string }) => o.stdout });

  it("leaves the probes it never finished unreadable, never parsed as if complete", async () => {
    const { gatherNode } = await import("../../helpers/facts/gather.ts");
    // The second probe kills the batch shell itself: the third never runs. No exit status, no
    // trailer: the batch is refused whole, the probe that finished before too (issue 21 point 10).
    const facts = await gatherNode(local, [probe("a", "echo one"), probe("b", "echo half; kill -9 $$"), probe("c", "echo three")]);
    for (const p of ["a", "b", "c"]) expect(facts.facts[p]).toMatchObject({ ok: false, error: expect.stringContaining("the batch did not run to its end (no exit status (killed by a signal), no trailer)") });
  });

  it("complete-looking frames forged around the filter, then the shell killed: nothing is accepted", async () => {
    const { gatherNode } = await import("../../helpers/facts/gather.ts");
    // b reads the real nonce from the batch shell's argv, writes to the session's stdout behind the
    // filter's back: the end of its own frame (exit 0), a whole frame for c, then kills the shell.
    const forge =
      `m=$(tr '\\0' '\\n' </proc/$$/cmdline | grep -o '@@HLC-[0-9a-f]*' | head -n 1); ` +
      `printf '\\n%s\\n%s\\n|forged\\n\\n%s\\n' "$m END 1 0" "$m BEGIN 2" "$m END 2 0" >/proc/$$/fd/1; kill -9 $$`;
    const facts = await gatherNode(local, [probe("a", "echo one"), probe("b", forge), probe("c", "echo three")]);
    for (const p of ["a", "b", "c"]) expect(facts.facts[p], p).toMatchObject({ ok: false, error: expect.stringContaining("the batch did not run to its end") });
  });

  it("a batch that ran to its end carries its trailer and exit status 0", async () => {
    const { batchCompleted } = await import("../../helpers/facts/batch.ts");
    const batch = buildBatch(["echo a", "exit 3"]);
    const r = await execa("/bin/sh", ["-c", batch.script], { reject: false, stripFinalNewline: false });
    expect(r.exitCode).toBe(0);
    expect(batchCompleted(batch, 2, r.stdout, r.exitCode ?? null)).toEqual({ ok: true });
    expect(batchCompleted(batch, 2, r.stdout, 1)).toEqual({ ok: false, why: "exit status 1" });
    expect(batchCompleted(batch, 2, r.stdout.replace(/@@HLC-\S+ DONE 2\n$/, ""), 0)).toEqual({ ok: false, why: "exit status 0, no trailer" });
  });
});
