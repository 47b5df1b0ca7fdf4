import { describe, expect, it } from "vitest";
import { mergeLanes, splitLanes } from "../../helpers/facts/lanes.ts";
import type { NodeFacts } from "../../helpers/facts/types.ts";
import type { Probe } from "../../helpers/probes/types.ts";

const probe = (name: string, slow = false): Probe<unknown> => ({ name, command: `echo ${name}`, parse: (o) => o.stdout, ...(slow ? { slow } : {}) });
const names = (lanes: Probe<unknown>[][]) => lanes.map((l) => l.map((p) => p.name));
const ev = (probe: string) => ({ probe, command: `echo ${probe}`, stdout: probe, stderr: "", code: 0 });

describe("splitLanes", () => {
  const probes = [probe("sockets"), probe("samba-access", true), probe("mounts"), probe("restic-check", true), probe("accounts"), probe("reachability", true)];

  it("keeps the quick probes in one lane in their order and gives slow probes lanes of their own", () => {
    expect(names(splitLanes(probes, 4))).toEqual([["sockets", "mounts", "accounts"], ["samba-access"], ["restic-check"], ["reachability"]]);
  });

  it("deals slow probes out over the lanes the node's channels allow, in order", () => {
    expect(names(splitLanes(probes, 3))).toEqual([["sockets", "mounts", "accounts"], ["samba-access", "reachability"], ["restic-check"]]);
  });

  it("is one batch with one channel, or without slow probes", () => {
    expect(names(splitLanes(probes, 1))).toEqual([probes.map((p) => p.name)]);
    expect(names(splitLanes([probe("a"), probe("b")], 4))).toEqual([["a", "b"]]);
  });

  it("a node with a probe that writes keeps one ordered batch, the writer last (no probe may see the suite's own file)", () => {
    // Found by the drift matrix: DATA-015's sample of a protected path, in a lane beside the SMB
    // write probe, once counted the write probe's transient file as a file SnapRAID left out.
    const writer = { ...probe("samba-access", true), writes: true };
    const mixed = [probe("sockets"), writer, probe("snapraid-diff", true), probe("snapraid-protect")];
    expect(names(splitLanes(mixed, 4))).toEqual([["sockets", "snapraid-diff", "snapraid-protect", "samba-access"]]);
  });

  it("puts every probe in exactly one lane", () => {
    for (let max = 1; max <= 8; max++) {
      const all = splitLanes(probes, max).flat().map((p) => p.name);
      expect(all.sort()).toEqual(probes.map((p) => p.name).sort());
    }
  });
});

describe("mergeLanes", () => {
  const probes = [probe("a"), probe("s", true)];
  const lane = (facts: NodeFacts["facts"], extra: Partial<NodeFacts> = {}): NodeFacts => ({ node: "n", reachable: true, roundTrips: 1, gatherMs: 5, facts, ...extra });

  it("gives the facts in the probes' order, one round trip, the wall time", () => {
    const merged = mergeLanes(probes, [lane({ s: { ok: true, value: 2, evidence: ev("s") } }), lane({ a: { ok: true, value: 1, evidence: ev("a") } })], 42);
    expect(Object.keys(merged.facts)).toEqual(["a", "s"]);
    expect(merged).toMatchObject({ reachable: true, roundTrips: 1, gatherMs: 42 });
  });

  it("makes the node unreachable with the reason of a lane that could not run", () => {
    const down = lane({}, { reachable: false, roundTrips: 0, error: { kind: "channel", message: "n: cannot open a channel" } });
    const merged = mergeLanes(probes, [lane({ a: { ok: true, value: 1, evidence: ev("a") } }), down], 7);
    expect(merged).toMatchObject({ reachable: false, error: { kind: "channel" }, facts: {}, gatherMs: 7 });
  });
});
