// Issue 2 end to end: EXPOSE-001 against real listeners in containers, reached over SSH.
// Each node is the conformant lab node broken in exactly one way; the spec must fail on each,
// naming node, invariant, expected and actual, and pass where nothing is wrong.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab, type LabNodeSpec } from "../../fixtures/lab/lab.ts";
import { resultFor, runSuite, type SuiteRun } from "../../fixtures/lab/run-suite.ts";

const prometheus = [{ name: "prometheus", port: 9090, scope: "loopback" as const }];
const node = (name: string, listeners: string[], extra: Partial<LabNodeSpec> = {}): LabNodeSpec => ({
  name,
  role: "monitoring",
  layer: 3,
  image: "node",
  listeners,
  services: prometheus,
  ...extra,
});

const nodes: LabNodeSpec[] = [
  node("loopback", ["127.0.0.1:9090", "::1:9090"]),
  node("wildcard4", ["0.0.0.0:9090"]),
  node("dualstack", [":::9090"]),
  node("v6only", ["::v6only:9090"]),
  node("lanaddr", ["lan:9090"]),
  node("rekeyed", ["127.0.0.1:9090"], { hostKey: "wrong" }),
  node("viajump", ["127.0.0.1:9090"], { jump: "loopback" }),
  node("gone", ["127.0.0.1:9090"]),
];

let lab: Lab;
let run: SuiteRun;

beforeAll(async () => {
  lab = await startLab(nodes);
  await lab.containers.get("gone")!.stop({ timeout: 1 }); // powered off after the inventory was written
  run = await runSuite(lab.inventoryFile);
});
afterAll(async () => lab?.stop());

describe("EXPOSE-001 internal services bind to loopback only, over SSH against real sockets", () => {
  it("passes for a service on 127.0.0.1 and ::1", () => {
    expect(resultFor(run, "EXPOSE-001", "loopback")).toMatchObject({ status: "passed" });
  });

  it("passes through a jump host (ssh2 forwardOut) like any other node", () => {
    expect(resultFor(run, "EXPOSE-001", "viajump")).toMatchObject({ status: "passed" });
  });

  it.each([
    ["wildcard4", /prometheus tcp\/9090: expected listening on loopback only \(127\.0\.0\.0\/8, ::1\); actual listening on 0\.0\.0\.0:9090(?: by \S+)? \(IPv4 wildcard/],
    ["dualstack", /prometheus tcp\/9090: expected listening on loopback only .*; actual listening on \*:9090(?: by \S+)? \(dual-stack wildcard/],
    ["v6only", /prometheus tcp\/9090: expected listening on loopback only .*; actual listening on \[::\]:9090(?: by \S+)? \(IPv6 wildcard/],
    ["lanaddr", /prometheus tcp\/9090: expected listening on loopback only .*; actual listening on \d+\.\d+\.\d+\.\d+:9090(?: by \S+)? \(a non-loopback address\)/],
  ])("fails on %s, naming node, invariant, expected and actual", (name, detail) => {
    const r = resultFor(run, "EXPOSE-001", name);
    expect(r.status).toBe("failed");
    expect(r.message).toContain(`EXPOSE-001 [${name}] Internal services bind to loopback only (§1, §5.1)`);
    expect(r.message).toMatch(detail);
  });

  it("refuses a node whose host key changed, and fails its specs with a clear message", () => {
    const r = resultFor(run, "EXPOSE-001", "rekeyed");
    expect(r.status).toBe("failed");
    expect(r.message).toMatch(/\[rekeyed\].*\n.*node unreachable.*HOST KEY MISMATCH: expected ssh-ed25519 SHA256:\S+ \(pinned in the inventory\), got ssh-ed25519 SHA256:\S+/);
  });

  it("fails the specs of a node that is down, without holding up the others", () => {
    const r = resultFor(run, "EXPOSE-001", "gone");
    expect(r.status).toBe("failed");
    expect(r.message).toMatch(/\[gone\].*\n.*node unreachable.*cannot reach 127\.0\.0\.1:\d+/);
    expect(run.results.filter((x) => x.id === "EXPOSE-001")).toHaveLength(nodes.length);
  });

  it("opens exactly one SSH connection per reachable node (the jump node's is shared) and one round trip each", () => {
    const reachable = run.stats.nodes.filter((n) => n.reachable).map((n) => n.node).sort();
    expect(reachable).toEqual(["dualstack", "lanaddr", "loopback", "v6only", "viajump", "wildcard4"]);
    expect(run.stats.connections.map((c) => c.node).sort()).toEqual(reachable);
    for (const n of run.stats.nodes.filter((x) => x.reachable)) expect(n.roundTrips).toBe(1);
  });
});
