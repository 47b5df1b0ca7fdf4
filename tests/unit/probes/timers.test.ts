// DATA-009 and its probe on REAL captured `timer-runs` outputs of the lab's vm102 (systemd 252,
// fixtures/captured/timers/): the parser, then the spec offline — conformant passes, each drift
// fails with a message naming the timer, what was expected and what is.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { snapraidTimersProbe } from "../../../helpers/probes/timers.ts";
import type { FactRecord, NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import { formatDuration, parseDuration, storageSection } from "../../../helpers/inventory/sections/storage.ts";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import { parseUtcTimestamp, timerRuns } from "../../../helpers/probes/timers.ts";
import { ProbeParseError, type ProbeOutput } from "../../../helpers/probes/types.ts";
import { evaluate } from "../../../helpers/spec/evaluate.ts";
import { factsOf, inventoryProblems } from "../support.ts";
import { declared, type Declared } from "../catalog-support.ts";
import { NO_SCENE } from "../catalog-support.ts";
import { storageDeclared } from "../../../fixtures/lab/declared/storage.ts";

const dir = new URL("../../../fixtures/captured/timers/", import.meta.url);
const cap = (name: string): ProbeOutput => ({ stdout: readFileSync(new URL(`${name}.txt`, dir), "utf8"), stderr: "", code: 0 });
const TIMERS = ["snapraid-sync.timer", "snapraid-scrub.timer"];
const probe = snapraidTimersProbe(TIMERS);

describe("timerRuns parser (systemd 252 captures)", () => {
  it("reads both timers and services of the conformant lab node, with UTC times and the node's clock", () => {
    const f = probe.parse(cap("conformant"));
    if (!f.systemd) throw new Error("expected systemd");
    expect(f.units.now).toBe(1795635051);
    expect(f.units.timers.map((t) => [t.timer, t.service])).toEqual([
      ["snapraid-sync.timer", "snapraid-sync.service"],
      ["snapraid-scrub.timer", "snapraid-scrub.service"],
    ]);
    const sync = f.units.timers[0]!;
    expect(sync.timerProps).toMatchObject({ LoadState: "loaded", UnitFileState: "enabled", ActiveState: "active", SubState: "waiting", Persistent: "yes" });
    expect(sync.serviceProps).toMatchObject({ Result: "success", ExecMainStatus: "0", ActiveState: "inactive" });
    expect(sync.lastTrigger).toBeUndefined(); // LastTriggerUSec= (the boot run was not the timer's)
    expect(sync.lastStart).toBe(Date.UTC(2026, 10, 25, 19, 30, 42) / 1000);
    expect(sync.nextElapse).toBe(Date.UTC(2026, 10, 26, 3, 30, 0) / 1000);
  });

  it("a timer that does not exist: not-found, and its service guessed from the name", () => {
    const f = timerRuns(["snapraid-sync.timer", "nosuch.timer"]).parse(cap("missing-timer"));
    if (!f.systemd) throw new Error("expected systemd");
    const t = f.units.timers[1]!;
    expect(t.timerProps.LoadState).toBe("not-found");
    expect(t.service).toBe("nosuch.service");
    expect(t.serviceProps.LoadState).toBe("not-found");
  });

  it("a fired timer: LastTriggerUSec parsed", () => {
    const f = timerRuns(["hlc-cap-probe.timer"]).parse(cap("elapsed-transient"));
    if (!f.systemd) throw new Error("expected systemd");
    expect(f.units.timers[0]!.lastTrigger).toBe(Date.UTC(2026, 10, 25, 19, 31, 17) / 1000);
    expect(f.units.timers[0]!.lastStart).toBeUndefined();
  });

  it("no systemd, bad output, bad names", () => {
    expect(probe.parse({ stdout: "hlc-probe: no systemd\n", stderr: "", code: 0 })).toEqual({ systemd: false });
    expect(() => probe.parse({ stdout: "", stderr: "boom", code: 1 })).toThrow(ProbeParseError);
    expect(() => probe.parse({ ...cap("conformant"), stdout: cap("conformant").stdout.replace(/hlc-now: \d+\n/, "") })).toThrow(/clock line/);
    expect(() => probe.parse({ ...cap("conformant"), stdout: cap("conformant").stdout.replace("LoadState=loaded", "garbage") })).toThrow(/Property=value/);
    expect(() => timerRuns(["snapraid-sync.timer"]).parse(cap("conformant"))).toThrow(/expected timers/);
    expect(() => timerRuns(["a.service"])).toThrow(/bad timer name/);
    expect(() => timerRuns(["a.timer; reboot"])).toThrow(/bad timer name/);
    expect(() => timerRuns([])).toThrow();
    expect(probe.command).toContain("TZ=UTC systemctl show");
    expect(probe.name).toBe("snapraid-timers");
  });

  it("timestamps: only UTC, empty and n/a are never", () => {
    expect(parseUtcTimestamp("p", "Wed 2026-11-25 19:30:42 UTC")).toBe(1795635042);
    expect(parseUtcTimestamp("p", "")).toBeUndefined();
    expect(parseUtcTimestamp("p", "n/a")).toBeUndefined();
    expect(() => parseUtcTimestamp("p", "Wed 2026-11-25 20:30:42 CET")).toThrow(/not a UTC timestamp/);
  });
});

describe("durations of the schedule", () => {
  it("parses and formats", () => {
    expect(parseDuration("26h")).toBe(93600);
    expect(parseDuration("8d")).toBe(691200);
    expect(parseDuration("1d12h")).toBe(129600);
    expect(parseDuration("2w")).toBe(1209600);
    expect(parseDuration("26")).toBeUndefined();
    expect(parseDuration("1.5d")).toBeUndefined();
    expect(formatDuration(93600)).toBe("1d 2h");
    expect(formatDuration(3 * 86400)).toBe("3d");
    expect(formatDuration(90)).toBe("1m");
  });
});

describe("DATA-009 on the captures", () => {
  let spec: Declared;
  beforeAll(async () => {
    spec = declared.find((d) => d.meta.id === "DATA-009")!;
  });
  const node = {
    name: "vm102", role: "storage", layer: 1, services: [], ssh: {},
    storage: storageSection.normalize(storageDeclared.vm102 as never, "/"),
  } as unknown as NodeDecl;
  const facts = (o: ProbeOutput): NodeFacts => {
    let rec: FactRecord;
    const evidence = { probe: probe.name, command: probe.command, ...o };
    try {
      rec = { ok: true, value: probe.parse(o), evidence };
    } catch (e) {
      rec = { ok: false, error: (e as Error).message, evidence };
    }
    return { node: "vm102", reachable: true, roundTrips: 1, gatherMs: 1, facts: { [probe.name]: rec } };
  };
  const judge = (o: ProbeOutput, n: NodeDecl = node) => evaluate(spec.meta, spec.def, n, facts(o));
  const later = (o: ProbeOutput, sec: number) => ({ ...o, stdout: o.stdout.replace(/hlc-now: (\d+)/, (_, n) => `hlc-now: ${Number(n) + sec}`) });

  it("applies to a node with a declared schedule; a SnapRAID node without one is planned, never passed", () => {
    expect(spec.def.appliesTo(node, NO_SCENE)).toBe(true);
    const manual = { ...node, storage: { ...node.storage, snapraid: { ...node.storage!.snapraid!, schedule: undefined } } } as NodeDecl;
    expect(spec.def.appliesTo(manual, NO_SCENE)).toBe(false);
    expect(spec.def.planned!(manual, NO_SCENE)).toMatch(/^planned in §7/);
    expect(spec.def.planned!({ ...node, storage: undefined } as NodeDecl, NO_SCENE)).toBeUndefined();
  });

  it("conformant: passes", () => {
    expect(judge(cap("conformant")).status).toBe("passed");
  });

  it("scrub-timer-failed: names the failed run", () => {
    const v = judge(cap("scrub-timer-failed"));
    expect(v.status).toBe("failed");
    expect((v as { message: string }).message).toBe(
      "DATA-009 [vm102] SnapRAID sync and scrub run on schedule (§7, §2.1, §6)\n" +
        "  - last scrub run (snapraid-scrub.service): expected succeeded (Result=success, exit status 0); actual failed: Result=exit-code, exit status 1, started 2026-11-25 19:30:57 UTC; see `journalctl -u snapraid-scrub.service`",
    );
  });

  it("sync-timer-disabled: DATA-009 judges what the runs did, and the last run is recent and good (enabled/waiting is DATA-023's)", () => {
    expect(judge(cap("sync-timer-disabled")).status).toBe("passed");
  });

  it("a sync older than 26h fails with its age; the 8-day scrub bound is not yet reached", () => {
    const v = judge(later(cap("conformant"), 3 * 86400)) as { status: string; message: string };
    expect(v.status).toBe("failed");
    expect(v.message.split("\n")).toHaveLength(2);
    expect(v.message).toContain("sync timer snapraid-sync.timer (starts snapraid-sync.service): expected last run started at most 26h ago; actual 3d ago (2026-11-25 19:30:42 UTC); next run 2026-11-26 03:30:00 UTC");
    expect(judge(later(cap("conformant"), 25 * 3600)).status).toBe("passed");
  });

  it("a declared timer that does not exist fails as not scheduled", () => {
    const n = { ...node, storage: { ...node.storage, snapraid: { ...node.storage!.snapraid!, schedule: { sync: { timer: "snapraid-sync.timer", maxInterval: "26h", maxIntervalSec: 93600 }, scrub: { timer: "nosuch.timer", maxInterval: "8d", maxIntervalSec: 691200 } } } } } as NodeDecl;
    const p = snapraidTimersProbe(["snapraid-sync.timer", "nosuch.timer"]);
    const o = cap("missing-timer");
    const v = evaluate(spec.meta, spec.def, n, factsOf("vm102", [[p, o]])) as { status: string; message: string };
    expect(v.status).toBe("failed");
    expect(v.message).toContain("scrub timer nosuch.timer (starts nosuch.service): expected a loaded timer unit, enabled and waiting; actual not-found: no such timer on the node, so the scrub is not scheduled");
  });

  it("a node without systemd fails", () => {
    const v = judge({ stdout: "hlc-probe: no systemd\n", stderr: "", code: 0 }) as { status: string; message: string };
    expect(v.message).toContain("the node does not run systemd");
  });
});

describe("the schedule in the inventory", () => {
  const inv = (snapraid: string) =>
    parseInventory(`version: 1\nnodes:\n  - name: vm102\n    role: storage\n    layer: 1\n    ssh: { host: h, agent: true }\n    storage:\n      snapraid:\n${snapraid}`, "/srv/inv.yaml");
  const problems = (s: string) => inventoryProblems(() => inv(s));
  it("defaults the timer names and parses the intervals", () => {
    const s = inv("        schedule:\n          sync: { maxInterval: 26h }\n          scrub: { timer: weekly-scrub.timer, maxInterval: 8d }\n").nodes[0]!.storage!.snapraid!.schedule;
    expect(s).toEqual({
      sync: { timer: "snapraid-sync.timer", maxInterval: "26h", maxIntervalSec: 93600 },
      scrub: { timer: "weekly-scrub.timer", maxInterval: "8d", maxIntervalSec: 691200 },
    });
  });
  it("rejects a bad duration, a non-timer unit, an empty schedule and unknown keys", () => {
    expect(problems("        schedule: { sync: { maxInterval: 26 } }\n")).toMatch(/schedule.sync.maxInterval/);
    expect(problems("        schedule: { sync: { maxInterval: 1.5d } }\n")).toMatch(/schedule.sync.maxInterval/);
    expect(problems("        schedule: { sync: { timer: snapraid-sync.service, maxInterval: 26h } }\n")).toMatch(/schedule.sync.timer/);
    expect(problems("        schedule: {}\n")).toMatch(/schedule/);
    expect(problems("        schedule: { sync: { maxInterval: 26h, when: daily } }\n")).toMatch(/when/);
    expect(problems("        schedule: { sync: { timer: snapraid-sync.timer } }\n")).toMatch(/maxInterval/);
  });
});
