// A node's probes over several channels of its one connection at once. The quick probes stay one
// batch, in their order (a probe may rely on an earlier one: listing a network mount mounts it
// before findmnt reads it); each slow probe (SMB sessions, a backup repository, connection
// attempts, a restore) gets a batch beside them, up to the node's channels. A node then costs its
// slowest batch, not the sum of its probes; a slow probe that hangs still costs only its own batch.
// A node with a probe that writes (Probe.writes) keeps one ordered batch, the writer last.
import type { Probe } from "../probes/types.ts";
import type { NodeFacts } from "./types.ts";

/**
 * Lane 0: every quick probe in order (and the slow ones that find no lane of their own). Lanes
 * 1..max-1: the slow probes, dealt out in order. Every probe is in exactly one lane.
 */
export function splitLanes(probes: Probe<unknown>[], maxLanes: number): Probe<unknown>[][] {
  // A probe that writes into the node's data (a write probe on a share) must not overlap a probe
  // that reads it: a snapraid diff or a sample of a protected path would count the suite's own
  // transient file. Such a node runs in one batch, the writer after every other probe.
  if (probes.some((p) => p.writes)) return [[...probes.filter((p) => !p.writes), ...probes.filter((p) => p.writes)]];
  const quick = probes.filter((p) => !p.slow);
  const slow = probes.filter((p) => p.slow);
  const max = Math.max(1, Math.floor(maxLanes));
  if (max === 1 || slow.length === 0) return [probes];
  const own = quick.length === 0 ? Math.min(max, slow.length) : Math.min(max - 1, slow.length);
  const lanes: Probe<unknown>[][] = quick.length ? [quick] : [];
  for (let i = 0; i < own; i++) lanes.push([]);
  const first = quick.length ? 1 : 0;
  slow.forEach((p, i) => lanes[first + (i % own)]!.push(p));
  return lanes;
}

/**
 * One node's facts from its lanes, as if gathered in one batch: the facts in the probes' order,
 * one round trip (the lanes ran at once), the wall time of the slowest. A lane that could not
 * run makes the node unreachable with its reason, as a failed single batch did.
 */
export function mergeLanes(probes: Probe<unknown>[], parts: NodeFacts[], wallMs: number): NodeFacts {
  const down = parts.find((p) => !p.reachable);
  if (down) return { ...down, facts: {}, gatherMs: wallMs };
  const all = Object.assign({}, ...parts.map((p) => p.facts)) as NodeFacts["facts"];
  const facts = Object.fromEntries(probes.filter((p) => all[p.name]).map((p) => [p.name, all[p.name]!]));
  return { ...parts[0]!, facts, roundTrips: Math.max(0, ...parts.map((p) => p.roundTrips)), gatherMs: wallMs };
}
