// Probes with a runner-side step (Probe.runner): the node's command streams its stdout, beside the
// node's batch, into a step on the machine running the suite, whose report the probe parses. The
// resource that step needs is started once per gather, shared by every node, and stopped at the end
// (also when a step fails); a transport that cannot stream leaves the fact unread with why.
// Commands really run in a local /bin/sh; the resource is a counter.
import { spawn } from "node:child_process";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { gatherNodeInLanes, gatherRun } from "../../helpers/facts/gather.ts";
import type { Probe, RunnerResource, RunnerStep } from "../../helpers/probes/types.ts";
import type { Transport } from "../../helpers/transport/types.ts";
import type { TransportPool } from "../../helpers/transport/pool.ts";

const local = (node: string, stream = true): Transport => ({
  node,
  async exec(command) {
    const r = await execa("sh", ["-c", command], { reject: false });
    return { command, stdout: r.stdout, stderr: r.stderr, code: r.exitCode ?? null, durationMs: 0 };
  },
  ...(stream
    ? {
        stream: (command: string, sink: NodeJS.WritableStream) =>
          new Promise((resolve) => {
            const p = spawn("sh", ["-c", command], { stdio: ["ignore", "pipe", "pipe"] });
            let bytes = 0;
            let stderr = "";
            p.stdout.on("data", (d: Buffer) => (bytes += d.length));
            p.stderr.on("data", (d: Buffer) => (stderr += d));
            p.stdout.pipe(sink as never);
            p.on("close", (code) => resolve({ code, stderr, bytes, durationMs: 0 }));
          }),
      }
    : {}),
  close: async () => {},
});

function counter() {
  const log: string[] = [];
  const resource: RunnerResource<{ id: number }> = {
    key: "counter",
    start: async () => (log.push("start"), { id: log.length }),
    stop: async () => void log.push("stop"),
  };
  /** Counts the bytes of the stream in the runner (a sink of its own), reports them as text. */
  const step: RunnerStep<{ id: number }> = {
    resource,
    async consume(r, stream, node) {
      let seen = 0;
      const { Writable } = await import("node:stream");
      const sink = new Writable({ write: (chunk: Buffer, _e, done) => ((seen += chunk.length), done()) });
      const end = await stream(sink);
      return { stdout: `${node} resource ${r.id} bytes ${seen} exit ${end.code}\n`, stderr: end.stderr, code: 0 };
    },
  };
  return { log, step };
}

const quick: Probe<string> = { name: "quick", command: "echo quick", parse: (o) => o.stdout.trim() };

describe("a probe with a runner-side step", () => {
  it("streams the node's stdout (binary, larger than a pipe buffer) into the step, beside the batch, one round trip", async () => {
    const { log, step } = counter();
    const streamed: Probe<string> = { name: "streamed", command: "head -c 300000 /dev/urandom; echo done >&2", parse: (o) => o.stdout.trim(), runner: step };
    const facts = await gatherNodeInLanes(local("n1"), [quick, streamed], 4);
    expect(facts.facts.quick).toMatchObject({ ok: true, value: "quick" });
    expect(facts.facts.streamed).toMatchObject({ ok: true, value: "n1 resource 1 bytes 300000 exit 0" });
    expect(facts.facts.streamed!.evidence).toMatchObject({ command: streamed.command, stderr: "done\n" });
    expect(facts.roundTrips).toBe(1);
    // Called on its own, the gather of one node owns its resources: started once, stopped at the end.
    expect(log).toEqual(["start", "stop"]);
  });

  it("one resource per gather, shared by every node, stopped when the gather ends", async () => {
    const { log, step } = counter();
    const streamed: Probe<string> = { name: "streamed", command: "printf abc", parse: (o) => o.stdout.trim(), runner: step };
    const inv = { file: "(test)", version: 1, nodes: ["a", "b", "c"].map((name) => ({ name, role: "service", layer: 3, services: [] })) } as never;
    const pool = { get: (n: string) => local(n), stats: { connections: [] } } as unknown as TransportPool;
    const run = await gatherRun(inv, pool, () => [streamed]);
    expect(Object.values(run.nodes).map((n) => n.facts.streamed?.value)).toEqual(["a resource 1 bytes 3 exit 0", "b resource 1 bytes 3 exit 0", "c resource 1 bytes 3 exit 0"]);
    expect(log).toEqual(["start", "stop"]);
  });

  it("no resource is started when no planned probe needs one", async () => {
    const { log } = counter();
    const inv = { file: "(test)", version: 1, nodes: [{ name: "a", role: "service", layer: 3, services: [] }] } as never;
    const pool = { get: (n: string) => local(n), stats: { connections: [] } } as unknown as TransportPool;
    await gatherRun(inv, pool, () => [quick]);
    expect(log).toEqual([]);
  });

  it("a step that fails leaves its fact unread with why, and the resource is still stopped", async () => {
    const { log, step } = counter();
    const failing: RunnerStep<{ id: number }> = { resource: step.resource, consume: async () => Promise.reject(new Error("the import hung")) };
    const p: Probe<string> = { name: "streamed", command: "true", parse: () => "x", runner: failing };
    const facts = await gatherNodeInLanes(local("n1"), [quick, p], 4);
    expect(facts.reachable).toBe(true);
    expect(facts.facts.streamed).toMatchObject({ ok: false, error: "probe streamed: the import hung" });
    expect(log).toEqual(["start", "stop"]);
  });

  it("a transport that cannot stream: that fact is unread with why, the node's other facts stand", async () => {
    const { step } = counter();
    const p: Probe<string> = { name: "streamed", command: "true", parse: () => "x", runner: step };
    const facts = await gatherNodeInLanes(local("n1", false), [quick, p], 4);
    expect(facts.reachable).toBe(true);
    expect(facts.facts.quick).toMatchObject({ ok: true, value: "quick" });
    expect(facts.facts.streamed).toMatchObject({ ok: false, error: "probe streamed: the transport to n1 cannot stream a command's output" });
  });
});
