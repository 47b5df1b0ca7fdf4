// The containers probe's health timing (helpers/probes/containers.ts): State.StartedAt and the start
// of the newest State.Health.Log entry, on real podman 4.3 output captured right after
// `podman restart jellyfin` (its newest check from the previous run) and after its first check.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { healthIsFresh, parseInspect, rfc3339Nanos } from "../../../helpers/probes/containers.ts";

const parse = (f: string) => parseInspect({ stdout: readFileSync(`fixtures/captured/containers/${f}`, "utf8"), stderr: "", code: 0 });
const get = <T extends { name: string }>(cs: T[], n: string) => cs.find((c) => c.name === n)!;

describe("health freshness", () => {
  it("right after a restart, jellyfin's newest health log entry is from its previous run", () => {
    const j = get(parse("format-vm100-after-restart-stale.jsonl"), "jellyfin");
    // podman 4.3 sets the status back to `starting` at the start, but keeps the log.
    expect(j).toMatchObject({ running: true, health: "starting" });
    expect(j.startedAt).toMatch(/^2026-11-25T/);
    expect(j.lastHealthCheck! < j.startedAt!).toBe(true);
    expect(healthIsFresh(j)).toBe(false);
    // An engine that kept the last status would show this: still not fresh.
    expect(healthIsFresh({ ...j, health: "healthy" })).toBe(false);
  });

  it("after the first check of the new run, it is fresh (both containers)", () => {
    const cs = parse("format-vm100-after-restart-fresh.jsonl");
    for (const n of ["jellyfin", "audiobookshelf"]) expect(healthIsFresh(get(cs, n)), n).toBe(true);
  });

  it("the earlier captures keep parsing, with the times where the engine has them", () => {
    const vw = get(parse("format-lxc230.jsonl"), "vaultwarden");
    expect(vw).toMatchObject({ startedAt: "2026-11-25T18:09:02.640262366Z", lastHealthCheck: "2026-11-25T18:09:02.719639527Z" });
    expect(healthIsFresh(vw)).toBe(true);
    // audiobookshelf restarting in a loop: `starting`, its log from before the restart.
    const abs = get(parse("format-vm100-restart-loop.jsonl"), "audiobookshelf");
    expect(abs.health).toBe("starting");
  });

  it("cannot tell without a check on record, a start time, or with unreadable times", () => {
    const base = { name: "x", restartPolicy: "no", status: "running", running: true, stateRunning: true, paused: false, restarting: false, dead: false, restartCount: 0, ports: [], mounts: [], devices: [], deviceRequests: [] };
    expect(healthIsFresh({ ...base })).toBeUndefined();
    expect(healthIsFresh({ ...base, health: "healthy", startedAt: "2026-11-25T18:09:02Z" })).toBeUndefined();
    expect(healthIsFresh({ ...base, health: "healthy", startedAt: "yesterday", lastHealthCheck: "2026-11-25T18:09:02Z" })).toBeUndefined();
  });

  it("compares nanoseconds and offsets exactly (Date keeps only milliseconds)", () => {
    expect(rfc3339Nanos("2026-11-25T18:01:36.100486091Z")! < rfc3339Nanos("2026-11-25T18:01:36.100486092Z")!).toBe(true);
    expect(rfc3339Nanos("2026-11-25T19:01:36.5+01:00")).toBe(rfc3339Nanos("2026-11-25T18:01:36.500000000Z"));
    expect(rfc3339Nanos("2026-11-25T18:01:36Z")).toBe(BigInt(Date.parse("2026-11-25T18:01:36Z")) * 1_000_000n);
    expect(rfc3339Nanos("0001-01-01T00:00:00Z")).toBeDefined();
    expect(rfc3339Nanos("")).toBeUndefined();
  });
});
