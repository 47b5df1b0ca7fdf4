// A batch that runs out of time keeps the facts of the probes that finished: one hung command (a
// restic retrying a missing pack, a stale NFS stat) must not cost a node every other fact.
// The batch really runs in /bin/sh here, killed by its timeout as the SSH transport kills it.
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { gatherNode } from "../../helpers/facts/gather.ts";
import type { Probe } from "../../helpers/probes/types.ts";
import { TransportError, type Transport } from "../../helpers/transport/types.ts";

const probe = (name: string, command: string): Probe<string> => ({ name, command, parse: (o) => o.stdout.trim() });

/** Runs the batch locally; on timeout rejects like SshTransport, with what was printed so far. */
const localShell = (timeoutMs: number): Transport => ({
  node: "vm102",
  async exec(command) {
    try {
      const r = await execa("sh", ["-c", command], { timeout: timeoutMs, reject: true });
      return { command, stdout: r.stdout, stderr: r.stderr, code: r.exitCode ?? null, durationMs: 0 };
    } catch (e) {
      const x = e as { timedOut?: boolean; stdout?: string; stderr?: string };
      if (!x.timedOut) throw e;
      throw new TransportError("vm102", "timeout", `command timed out after ${timeoutMs} ms`, { partial: { stdout: x.stdout ?? "", stderr: x.stderr ?? "" } });
    }
  },
  close: async () => {},
});

describe("a batch that times out", () => {
  it("keeps the finished probes, marks the hung one and those after it, and the node stays reachable", async () => {
    const facts = await gatherNode(localShell(1500), [probe("first", "echo one"), probe("hung", "echo started; sleep 30"), probe("after", "echo three")]);
    expect(facts.reachable).toBe(true);
    expect(facts.facts.first).toMatchObject({ ok: true, value: "one" });
    expect(facts.facts.hung).toMatchObject({ ok: false, error: expect.stringMatching(/did not finish within the node's command timeout/) });
    expect(facts.facts.hung!.evidence.stdout).toContain("started");
    expect(facts.facts.after).toMatchObject({ ok: false, error: 'not run: probe "hung" before it did not finish within the node\'s command timeout' });
  });

  it("a node that cannot be reached at all is still unreachable", async () => {
    const down: Transport = { node: "vm102", exec: async () => { throw new TransportError("vm102", "connect", "TCP connect timed out"); }, close: async () => {} };
    const facts = await gatherNode(down, [probe("first", "echo one")]);
    expect(facts).toMatchObject({ reachable: false, error: { kind: "connect" } });
  });
});

describe("slow probes are batched last", () => {
  it("a hung slow probe declared first still leaves the quick ones' facts", async () => {
    const slow: Probe<string> = { ...probe("restic", "sleep 30"), slow: true };
    const facts = await gatherNode(localShell(1500), [slow, probe("sockets", "echo quick")]);
    expect(facts.facts.sockets).toMatchObject({ ok: true, value: "quick" });
    expect(facts.facts.restic).toMatchObject({ ok: false });
  });
});
