// DATA-023 and its probe (timer-schedules) on REAL captured output of systemd 252 (`systemctl show`
// and `systemd-analyze calendar`, fixtures/captured/timers/schedule-*.txt): the parser, the cadence
// as systemd computes it, then the spec offline on one node that declares every bound (SnapRAID
// sync/scrub, Vaultwarden backup, Nextcloud dumps, restic snapshots) with the lab's declarations.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { backupsDeclared } from "../../../fixtures/lab/declared/backups.ts";
import { storageDeclared } from "../../../fixtures/lab/declared/storage.ts";
import type { FactRecord, NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import { backupsSection } from "../../../helpers/inventory/sections/backups.ts";
import { storageSection } from "../../../helpers/inventory/sections/storage.ts";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import { CALENDAR_ITERATIONS, parseTimespan, timerSchedulesProbe, type TimerSchedules } from "../../../helpers/probes/timer-schedule.ts";
import { ProbeParseError, type ProbeOutput } from "../../../helpers/probes/types.ts";
import { evaluate } from "../../../helpers/spec/evaluate.ts";
import { withFixes } from "../../../helpers/spec/message.ts";
import { cadenceOf, freshnessBounds, judgeBound, suggestCalendar } from "../../../specs/data/freshness-schedule.spec.ts";
import { declared, NO_SCENE, type Declared } from "../catalog-support.ts";
import { inventoryProblems } from "../support.ts";

const dir = new URL("../../../fixtures/captured/timers/", import.meta.url);
const cap = (name: string): ProbeOutput => ({ stdout: readFileSync(new URL(`${name}.txt`, dir), "utf8"), stderr: "", code: 0 });
const TIMERS = ["vaultwarden-backup.timer", "nextcloud-db-backup.timer", "snapraid-sync.timer", "snapraid-scrub.timer"];
const probe = timerSchedulesProbe(TIMERS, "freshness-timers");
const parsed = (name: string): TimerSchedules => {
  const f = probe.parse(cap(name));
  if (!f.systemd) throw new Error("expected systemd");
  return f.units;
};
const timer = (u: TimerSchedules, t: string) => u.timers.find((x) => x.timer === t)!;
const utc = (y: number, mo: number, d: number, h = 0, mi = 0) => Date.UTC(y, mo - 1, d, h, mi) / 1000;

describe("timer-schedules parser (systemd 252 captures)", () => {
  it("conformant: triggers, slack, next elapse and 400 computed elapses per calendar", () => {
    const u = parsed("schedule-conformant");
    expect(u.now).toBe(1796578335);
    expect(u.timers.map((t) => [t.timer, t.service])).toEqual(TIMERS.map((t) => [t, t.replace(/timer$/, "service")]));
    const vw = timer(u, "vaultwarden-backup.timer");
    expect(vw.timerProps).toMatchObject({ LoadState: "loaded", UnitFileState: "enabled", ActiveState: "active", SubState: "waiting" });
    expect(vw.monotonic).toEqual([{ kind: "OnStartupUSec", sec: 0 }]);
    expect(vw.calendar.map((c) => c.spec)).toEqual(["*-*-* 03:00:00"]);
    expect(vw.calendar[0]!.elapses).toHaveLength(CALENDAR_ITERATIONS);
    expect(vw.calendar[0]!.elapses.slice(0, 2)).toEqual([utc(2026, 12, 7, 3), utc(2026, 12, 8, 3)]);
    expect(vw.accuracySec).toBe(60);
    expect(vw.randomizedDelaySec).toBe(0);
    expect(vw.nextElapse).toBe(utc(2026, 12, 7, 3));
    expect(timer(u, "snapraid-scrub.timer").calendar[0]!.spec).toBe("Sun *-*-* 04:30:00");
  });

  it("two OnCalendar= of one timer, monotonic triggers, RandomizedDelaySec, a zone with DST (the (in UTC) lines)", () => {
    const u = parsed("schedule-monotonic-berlin");
    const sync = timer(u, "snapraid-sync.timer");
    expect(sync.calendar.map((c) => c.spec)).toEqual(["Mon..Fri *-*-* 12:00:00", "*-*-* 03:30:00"]);
    expect(sync.calendar[1]!.elapses[0]).toBe(utc(2026, 12, 7, 2, 30)); // 03:30 CET
    const scrub = timer(u, "snapraid-scrub.timer");
    expect(scrub.calendar).toEqual([]);
    expect(scrub.monotonic).toEqual([{ kind: "OnUnitActiveUSec", sec: 129600 }, { kind: "OnBootUSec", sec: 900 }]);
    expect(scrub.randomizedDelaySec).toBe(7200);
    const nc = timer(u, "nextcloud-db-backup.timer");
    // 02:30 does not exist in Berlin on 2027-03-28: systemd skips that day.
    const e = nc.calendar[0]!.elapses;
    const i = e.indexOf(utc(2027, 3, 27, 1, 30));
    expect(e[i + 1]).toBe(utc(2027, 3, 29, 0, 30));
  });

  it("a stopped timer: no next elapse, next_elapse=(null) in TimersCalendar", () => {
    const nc = timer(parsed("schedule-sparse-stopped"), "nextcloud-db-backup.timer");
    expect(nc.timerProps).toMatchObject({ UnitFileState: "disabled", ActiveState: "failed" });
    expect(nc.nextElapse).toBeUndefined();
  });

  it("timespans as format_timespan prints them", () => {
    expect(parseTimespan("p", "1min")).toBe(60);
    expect(parseTimespan("p", "1d 12h")).toBe(129600);
    expect(parseTimespan("p", "5min 2.186221s")).toBeCloseTo(302.186221);
    expect(parseTimespan("p", "0")).toBe(0);
    expect(parseTimespan("p", "1month")).toBe(2629800);
    expect(parseTimespan("p", "infinity")).toBe(Infinity);
    expect(() => parseTimespan("p", "soon")).toThrow(ProbeParseError);
  });

  it("refuses what it cannot read", () => {
    const o = cap("schedule-conformant");
    expect(probe.parse({ stdout: "hlc-probe: no systemd\n", stderr: "", code: 0 })).toEqual({ systemd: false });
    expect(() => probe.parse({ stdout: "", stderr: "boom", code: 1 })).toThrow(ProbeParseError);
    expect(() => probe.parse({ ...o, stdout: o.stdout.replace(/hlc-now: \d+\n/, "") })).toThrow(/clock line/);
    expect(() => probe.parse({ ...o, stdout: o.stdout.replace("Iter. #2: Tue 2026-12-08 03:00:00 UTC", "Iter. #2: Tue 2026-12-08 04:00:00 CET") })).toThrow(/in UTC/);
    expect(() => probe.parse({ ...o, stdout: o.stdout.replace("hlc-calendar: *-*-* 03:00:00", "hlc-calendar: *-*-* 04:00:00") })).toThrow(/calendar triggers/);
    expect(() => probe.parse({ ...o, stdout: o.stdout.replace(/hlc-calendar-rc: 0\n/, "") })).toThrow(/exit status/);
    expect(() => timerSchedulesProbe(["a.service"])).toThrow(/bad timer name/);
    expect(() => timerSchedulesProbe(["a.timer; reboot"])).toThrow(/bad timer name/);
  });
});

describe("the cadence, as systemd computes it", () => {
  it("daily + AccuracySec=1min: 24h 1m; weekly: 7d; a DST night: 47h; OnUnitActiveSec + RandomizedDelaySec; OnCalendar union", () => {
    const u = parsed("schedule-conformant");
    expect(cadenceOf(timer(u, "vaultwarden-backup.timer")).worstSec).toBe(86400 + 60);
    expect(cadenceOf(timer(u, "snapraid-scrub.timer")).worstSec).toBe(7 * 86400 + 60);
    const b = parsed("schedule-monotonic-berlin");
    expect(cadenceOf(timer(b, "nextcloud-db-backup.timer")).gapSec).toBe(47 * 3600);
    const scrub = cadenceOf(timer(b, "snapraid-scrub.timer"));
    expect(scrub.worstSec).toBe(129600 + 7200 + 60);
    expect(scrub.how).toContain("OnUnitActiveSec=1d 12h + RandomizedDelaySec=2h + AccuracySec=1m");
    // 03:30 daily and 12:00 on weekdays together, in Berlin: the largest gap is 03:30 → 03:30 over
    // the night the clocks go back (25 h, 2027-10-31), not the 24 h a naive reading gives.
    const sync = cadenceOf(timer(b, "snapraid-sync.timer"));
    expect(sync.gapSec).toBe(25 * 3600);
    expect(sync.how).toContain("OnCalendar=Mon..Fri *-*-* 12:00:00, OnCalendar=*-*-* 03:30:00: largest gap 1d 1h (2027-10-30 01:30:00 UTC → 2027-10-31 02:30:00 UTC");
    const m = cadenceOf(timer(parsed("schedule-sparse-stopped"), "vaultwarden-backup.timer"));
    expect(m.gapSec).toBe(31 * 86400);
  });

  it("suggests the sparsest calendar that keeps a bound", () => {
    expect(suggestCalendar(26 * 3600, 60)).toBe("daily");
    expect(suggestCalendar(24 * 3600, 60)).toBe("*-*-* 00/12:00:00");
    expect(suggestCalendar(8 * 86400, 60)).toBe("weekly");
  });
});

describe("DATA-023 on the captures", () => {
  let spec: Declared;
  beforeAll(() => {
    spec = declared.find((d) => d.meta.id === "DATA-023")!;
  });
  // One node holding every bound the lab declares (vm102's SnapRAID, lxc230's backups, lxc210's dumps).
  const lxc230 = backupsDeclared.lxc230 as Record<string, unknown>;
  const node = {
    name: "node1", role: "storage", layer: 1, services: [], ssh: {},
    storage: storageSection.normalize(storageDeclared.vm102 as never, "/"),
    backups: backupsSection.normalize({ ...lxc230, restic: { ...(lxc230.restic as object), maskPassword: undefined }, nextcloud: (backupsDeclared.lxc210 as Record<string, unknown>).nextcloud } as never, "/"),
  } as unknown as NodeDecl;
  const facts = (o: ProbeOutput, n: NodeDecl = node): NodeFacts => {
    const p = spec.def.reads(n, NO_SCENE).schedules as typeof probe;
    let rec: FactRecord;
    const evidence = { probe: p.name, command: p.command, ...o };
    try {
      rec = { ok: true, value: p.parse(o), evidence };
    } catch (e) {
      rec = { ok: false, error: (e as Error).message, evidence };
    }
    return { node: n.name, reachable: true, roundTrips: 1, gatherMs: 1, facts: { [p.name]: rec } };
  };
  const judge = (o: ProbeOutput, n: NodeDecl = node) => evaluate(spec.meta, spec.def, n, facts(o, n)) as { status: string; message?: string; reason?: string };

  it("every bound of the node, each with its tightest declared size and its timer", () => {
    expect(freshnessBounds(node).map((b) => [b.what, b.declared, b.timer])).toEqual([
      ["SnapRAID sync", "storage.snapraid.schedule.sync.maxInterval 26h", "snapraid-sync.timer"],
      ["SnapRAID scrub", "storage.snapraid.schedule.scrub.maxInterval 8d", "snapraid-scrub.timer"],
      ["Vaultwarden backup", "backups.vaultwarden.maxAgeHours 26", "vaultwarden-backup.timer"],
      ["Nextcloud database dump", "backups.nextcloud.maxAgeHours 26", "nextcloud-db-backup.timer"],
      ["restic snapshot", "backups.restic.maxAgeHours 26", "vaultwarden-backup.timer"],
    ]);
    // One probe, each timer asked once.
    expect((spec.def.reads(node, NO_SCENE).schedules as typeof probe).command.match(/'vaultwarden-backup\.timer'/g)).toHaveLength(1);
  });

  it("the lab's conformant vm102 and lxc230 (real lab images): pass", () => {
    const vm102 = { ...node, name: "vm102", backups: undefined } as unknown as NodeDecl;
    const lxc230 = { ...node, name: "lxc230", storage: undefined, backups: { vaultwarden: node.backups!.vaultwarden, restic: node.backups!.restic } } as unknown as NodeDecl;
    for (const [n, c] of [[vm102, "schedule-vm102-conformant"], [lxc230, "schedule-lxc230-conformant"]] as const) {
      const v = judge(cap(c), n);
      expect(v.message ?? "").toBe("");
      expect(v.status).toBe("passed");
    }
  });

  it("drifts on the real lab images: sync-timer-disabled on vm102, backup-timer-stopped on lxc230 (both bounds the timer keeps)", () => {
    const vm102 = { ...node, name: "vm102", backups: undefined } as unknown as NodeDecl;
    const lxc230 = { ...node, name: "lxc230", storage: undefined, backups: { vaultwarden: node.backups!.vaultwarden, restic: node.backups!.restic } } as unknown as NodeDecl;
    const sync = judge(cap("schedule-vm102-sync-timer-disabled"), vm102);
    expect(sync.message!.split("\n").slice(1)).toEqual([
      "  - SnapRAID sync (storage.snapraid.schedule.sync.maxInterval 26h), kept by snapraid-sync.timer: expected enabled (started at every boot); actual disabled: after the next reboot nothing keeps this bound",
      "  - SnapRAID sync (storage.snapraid.schedule.sync.maxInterval 26h), kept by snapraid-sync.timer: expected active (waiting); actual inactive/dead: the timer is stopped and will not fire",
    ]);
    const stopped = judge(cap("schedule-lxc230-backup-timer-stopped"), lxc230);
    expect(stopped.status).toBe("failed");
    expect(stopped.message!.split("\n").slice(1).map((l) => l.replace(/\(.*\), kept by/, "kept by"))).toEqual([
      "  - Vaultwarden backup kept by vaultwarden-backup.timer: expected enabled (started at every boot); actual disabled: after the next reboot nothing keeps this bound",
      "  - Vaultwarden backup kept by vaultwarden-backup.timer: expected active (waiting); actual inactive/dead: the timer is stopped and will not fire",
      "  - restic snapshot kept by vaultwarden-backup.timer: expected enabled (started at every boot); actual disabled: after the next reboot nothing keeps this bound",
      "  - restic snapshot kept by vaultwarden-backup.timer: expected active (waiting); actual inactive/dead: the timer is stopped and will not fire",
    ]);
  });

  it("dump-timer-monthly on the real lxc210 image: too sparse, and the next run too far away; nothing else", () => {
    const lxc210 = { ...node, name: "lxc210", storage: undefined, backups: { nextcloud: node.backups!.nextcloud } } as unknown as NodeDecl;
    const v = judge(cap("schedule-lxc210-dump-timer-monthly"), lxc210);
    expect(v.message!.split("\n").slice(1)).toEqual([
      "  - Nextcloud database dump (backups.nextcloud.maxAgeHours 26), kept by nextcloud-db-backup.timer: expected due at least every 1d 2h; actual OnCalendar=*-*-01 00:00:00: largest gap 31d (2027-01-01 00:00:00 UTC → 2027-02-01 00:00:00 UTC, over the next 400 elapses) + AccuracySec=1m = up to 31d between two runs; a schedule that keeps it: OnCalendar=daily",
      "  - Nextcloud database dump (backups.nextcloud.maxAgeHours 26), kept by nextcloud-db-backup.timer: expected next run within 1d 2h; actual next run 2027-01-01 00:00:00 UTC, 25d 5h from now; a schedule that keeps it: OnCalendar=daily",
    ]);
  });

  it("all four timers in one node (a capture container without the services' scripts): the cadences pass; the dump timer, whose service could not start, is failed", () => {
    const v = judge(cap("schedule-conformant"));
    expect(v.message!.split("\n").slice(1)).toEqual([
      "  - Nextcloud database dump (backups.nextcloud.maxAgeHours 26), kept by nextcloud-db-backup.timer: expected active (waiting); actual failed/failed: the timer is stopped and will not fire",
    ]);
  });

  it("a monthly timer for a 26 h bound, and a stopped, disabled one: each named with its cadence and its fix", () => {
    const v = judge(cap("schedule-sparse-stopped"));
    expect(v.status).toBe("failed");
    const lines = v.message!.split("\n");
    expect(lines[0]).toBe("DATA-023 [node1] Every freshness bound has a schedule that keeps it (§7, §2.3, §2.4, §6)");
    expect(v.message).toContain(
      "  - Vaultwarden backup (backups.vaultwarden.maxAgeHours 26), kept by vaultwarden-backup.timer: expected due at least every 1d 2h; actual OnCalendar=*-*-01 00:00:00: largest gap 31d (2027-01-01 00:00:00 UTC → 2027-02-01 00:00:00 UTC, over the next 400 elapses) + AccuracySec=1m = up to 31d between two runs; a schedule that keeps it: OnCalendar=daily",
    );
    expect(v.message).toContain("Vaultwarden backup (backups.vaultwarden.maxAgeHours 26), kept by vaultwarden-backup.timer: expected next run within 1d 2h; actual next run 2027-01-01 00:00:00 UTC, 25d 6h from now");
    expect(v.message).toContain("restic snapshot (backups.restic.maxAgeHours 26), kept by vaultwarden-backup.timer: expected due at least every 1d 2h");
    expect(v.message).toContain("Nextcloud database dump (backups.nextcloud.maxAgeHours 26), kept by nextcloud-db-backup.timer: expected enabled (started at every boot); actual disabled");
    expect(v.message).toContain("kept by nextcloud-db-backup.timer: expected active (waiting); actual failed/failed: the timer is stopped and will not fire");
    expect(v.message).not.toContain("SnapRAID");
    const meta = spec.meta;
    const findings = judgeBound(freshnessBounds(node)[2]!, timer(parsed("schedule-sparse-stopped"), "vaultwarden-backup.timer"), parsed("schedule-sparse-stopped").now);
    expect(withFixes(meta, node, findings)[0]!.fix).toBe(
      "on node1: systemctl edit vaultwarden-backup.timer → [Timer] / OnCalendar= / OnCalendar=daily (the empty OnCalendar= first clears the triggers the timer had: man systemd.timer); then systemctl daemon-reload && systemctl restart vaultwarden-backup.timer",
    );
    const stopped = judgeBound(freshnessBounds(node)[3]!, timer(parsed("schedule-sparse-stopped"), "nextcloud-db-backup.timer"), 0);
    expect(withFixes(meta, node, stopped).map((f) => f.fix)).toEqual(["on node1: systemctl enable --now nextcloud-db-backup.timer", "on node1: systemctl enable --now nextcloud-db-backup.timer"]);
  });

  it("the DST night: a daily 02:30 in Europe/Berlin does not keep a 26 h bound (47 h once a year); OnUnitActiveSec=1d 12h + 2h random delay keeps the scrub's 8d", () => {
    const v = judge(cap("schedule-monotonic-berlin"));
    expect(v.status).toBe("failed");
    expect(v.message).toContain("Nextcloud database dump (backups.nextcloud.maxAgeHours 26), kept by nextcloud-db-backup.timer: expected due at least every 1d 2h; actual OnCalendar=*-*-* 02:30:00: largest gap 1d 23h (2027-03-27 01:30:00 UTC → 2027-03-29 00:30:00 UTC");
    expect(v.message).toContain("kept by nextcloud-db-backup.timer: expected active (waiting); actual inactive/dead");
    expect(v.message).not.toContain("SnapRAID scrub");
    expect(v.message).not.toContain("SnapRAID sync");
  });

  it("a bound with no job: planned when the node declares none, failed once it declares one", () => {
    const none = { ...node, storage: { snapraid: { ...node.storage!.snapraid!, schedule: undefined } }, backups: { vaultwarden: { ...node.backups!.vaultwarden!, schedule: undefined } } } as unknown as NodeDecl;
    expect(spec.def.appliesTo(none, NO_SCENE)).toBe(false);
    expect(spec.def.planned!(none, NO_SCENE)).toMatch(/^planned in §7 .*SnapRAID sync, SnapRAID scrub, Vaultwarden backup.*declare storage\.snapraid\.schedule\.sync, storage\.snapraid\.schedule\.scrub, backups\.vaultwarden\.schedule\.timer/);
    expect(spec.def.planned!({ ...node, storage: undefined, backups: undefined } as NodeDecl, NO_SCENE)).toBeUndefined();
    const partial = { ...node, backups: { ...node.backups, nextcloud: { ...node.backups!.nextcloud!, schedule: undefined } } } as unknown as NodeDecl;
    expect(spec.def.appliesTo(partial, NO_SCENE)).toBe(true);
    const v = evaluate(spec.meta, spec.def, partial, facts(cap("schedule-conformant"))) as { status: string; message: string };
    expect(v.status).toBe("failed");
    expect(v.message.split("\n").slice(1).filter((l) => !l.includes("kept by nextcloud-db-backup.timer"))).toEqual([
      "  - Nextcloud database dump (backups.nextcloud.maxAgeHours 26): expected a declared job (systemd timer) that keeps this bound; actual no job declared keeps this bound: declare backups.nextcloud.schedule.timer",
    ]);
  });

  it("a node without systemd fails", () => {
    expect(judge({ stdout: "hlc-probe: no systemd\n", stderr: "", code: 0 }).message).toContain("the node does not run systemd");
  });
});

describe("backups.*.schedule in the inventory", () => {
  const inv = (backups: string) =>
    parseInventory(`version: 1\nnodes:\n  - name: lxc230\n    role: service\n    layer: 3\n    ssh: { host: h, agent: true }\n    backups:\n${backups}`, "/srv/inv.yaml");
  it("keeps the timer", () => {
    const b = inv("      vaultwarden: { schedule: { timer: vaultwarden-backup.timer } }\n      nextcloud: { schedule: { timer: nc.timer } }\n").nodes[0]!.backups!;
    expect(b.vaultwarden!.schedule).toEqual({ timer: "vaultwarden-backup.timer" });
    expect(b.nextcloud!.schedule).toEqual({ timer: "nc.timer" });
  });
  it("rejects a non-timer unit, a missing timer and unknown keys", () => {
    const problems = (s: string) => inventoryProblems(() => inv(s));
    expect(problems("      vaultwarden: { schedule: { timer: vaultwarden-backup.service } }\n")).toMatch(/schedule.timer/);
    expect(problems("      vaultwarden: { schedule: {} }\n")).toMatch(/timer/);
    expect(problems("      nextcloud: { schedule: { timer: a.timer, maxInterval: 26h } }\n")).toMatch(/maxInterval/);
  });
});
