// §7 "Automated SnapRAID sync + scrub schedule", §2.3 "scheduled backup copy", "automated DB dumps",
// §2.4 off-site snapshots, §6 cadence. A freshness bound (the newest backup at most 26 h old, a
// sync at least every 26 h …) is only as good as the job behind it: a timer that is stopped,
// disabled, or due less often than the bound allows keeps nothing, and until now that showed only
// once the data was already stale (DATA-001/007/009/011/013 judge the age of what the job made).
// This invariant judges, for every declared bound of a node, the schedule that keeps it, BEFORE the
// data goes stale.
//
// The cadence is read as systemd computes it (man systemd.timer, man systemd.time):
// - OnCalendar= elapses are the real ones `systemd-analyze calendar --iterations=N` prints for the
//   timer's normalized spec (TimersCalendar), in the node's zone: DST nights, "Mon..Fri", "*-*-31"
//   are systemd's own answer, not an approximation. Several OnCalendar= of one timer elapse as one
//   union. The cadence is the largest gap between consecutive elapses in the first
//   CALENDAR_ITERATIONS (400) of them (a year and more of a daily timer; a calendar that thins out
//   only further away than that is not seen — the limit of this reading).
// - OnUnitActiveSec= fires that long after the service last started, so no gap exceeds it;
//   OnUnitInactiveSec= that long after it last stopped (the run's length adds: the last run's, from
//   ExecMainStart/ExitTimestamp). OnBootSec=, OnStartupSec=, OnActiveSec= fire once per boot or
//   start and repeat nothing (systemd.timer: "relative to when the machine was booted up" …).
//   With several triggers the timer fires at the earliest, so the cadence is the smallest of the
//   recurring ones.
// - RandomizedDelaySec= delays each elapse by a random, evenly distributed time between 0 and its
//   value; with AccuracySec= "the randomized delay is added, and then the result is possibly
//   further shifted to coalesce it with other timer events", AccuracySec= defaulting to 1min
//   (man systemd.timer, systemd/systemd man/systemd.timer.xml): both add to the worst gap. So a
//   daily timer keeps a 26 h bound, and does not keep a 24 h one.
// - Not modelled: "in case the unit to activate is already active at the time the timer elapses
//   it is not restarted" (man systemd.timer): a run longer than the cadence skips elapses; DATA-009
//   and the age checks (DATA-007/011/013) see what that leaves.
// - The next elapse (NextElapseUSecRealtime) further from now than the bound fails too: a timer
//   re-armed to a far date keeps nothing until then.
// Loaded, enabled (UnitFileState enabled|enabled-runtime: started at every boot), active (waiting
// or running: armed), its service loaded: the preconditions of any run at all.
//
// A bound with no declared job: a node that declares none of its bounds' jobs gets SKIPPED as
// planned (like DATA-009 without storage.snapraid.schedule, DATA-013 without backups.restic: the
// document plans automation the inventory has not declared yet). Once a node declares one job it
// has opted in: a bound there without its job FAILS, "no job declared keeps this bound" — a pass
// would claim a schedule nobody read, a skip would hide the jobs that were judged.
import { formatDuration } from "../../helpers/inventory/sections/storage.ts";
import type { NodeDecl } from "../../helpers/inventory/types.ts";
import { CALENDAR_ITERATIONS, timerSchedulesProbe, type TimerSchedule } from "../../helpers/probes/timer-schedule.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

/** One declared freshness bound of a node and the job that keeps it. */
export interface FreshnessBound {
  /** What goes stale, e.g. "Vaultwarden backup". */
  what: string;
  /** The inventory key that declares the (tightest) bound, with its value, e.g. "backups.vaultwarden.maxAgeHours 26". */
  declared: string;
  boundSec: number;
  /** The systemd timer that keeps it; absent = no job declared. */
  timer?: string;
  /** Where to declare the job when it is missing. */
  declareAt: string;
}

const tightest = (bounds: Array<{ sec: number; declared: string }>) => bounds.reduce((a, b) => (b.sec < a.sec ? b : a));

/** Every freshness bound the inventory declares on this node, with the job that keeps it. */
export function freshnessBounds(node: NodeDecl): FreshnessBound[] {
  const out: FreshnessBound[] = [];
  const sr = node.storage?.snapraid;
  if (sr) {
    // A sync keeps both its schedule's maxInterval and the array's sync age (DATA-001); a scrub its
    // maxInterval and, at the least, the scrub age (DATA-002: a scrub must run at all that often).
    for (const [job, ageDays, ageKey] of [["sync", sr.maxSyncAgeDays, "maxSyncAgeDays"], ["scrub", sr.maxScrubAgeDays, "maxScrubAgeDays"]] as const) {
      const decl = sr.schedule?.[job];
      const cands = [{ sec: ageDays * 86400, declared: `storage.snapraid.${ageKey} ${ageDays}` }];
      if (decl) cands.push({ sec: decl.maxIntervalSec, declared: `storage.snapraid.schedule.${job}.maxInterval ${decl.maxInterval}` });
      const t = tightest(cands);
      out.push({ what: `SnapRAID ${job}`, declared: t.declared, boundSec: t.sec, ...(decl ? { timer: decl.timer } : {}), declareAt: `storage.snapraid.schedule.${job}` });
    }
  }
  const b = node.backups;
  const backup = (what: string, key: string, d: { maxAgeHours: number; schedule?: { timer: string } } | undefined) => {
    if (d) out.push({ what, declared: `backups.${key}.maxAgeHours ${d.maxAgeHours}`, boundSec: d.maxAgeHours * 3600, ...(d.schedule ? { timer: d.schedule.timer } : {}), declareAt: `backups.${key}.schedule.timer` });
  };
  backup("Vaultwarden backup", "vaultwarden", b?.vaultwarden);
  backup("Nextcloud database dump", "nextcloud", b?.nextcloud);
  backup("restic snapshot", "restic", b?.restic);
  return out;
}

const at = (t: number) => new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, " UTC").replace("T", " ");

/** The recurring cadence of a timer: the worst time between two runs, and how it was reached. */
export interface Cadence {
  /** Largest gap between two elapses (s), before slack; undefined = no recurring trigger. */
  gapSec?: number;
  /** The gap plus RandomizedDelaySec and AccuracySec. */
  worstSec?: number;
  /** In words, for the message. */
  how: string;
  /** A calendar spec systemd could not compute. */
  errors: string[];
}

export function cadenceOf(s: TimerSchedule): Cadence {
  const errors = s.calendar.filter((c) => c.error !== undefined).map((c) => `OnCalendar=${c.spec}: ${c.error}`);
  const parts: Array<{ sec: number; how: string }> = [];
  // The union of the calendar triggers, up to where every trigger's computed window still reaches
  // (a trigger cut at N iterations says nothing about what it does after its last computed elapse).
  const full = s.calendar.filter((c) => c.elapses.length >= CALENDAR_ITERATIONS);
  const horizon = full.length ? Math.min(...full.map((c) => c.elapses[c.elapses.length - 1]!)) : Infinity;
  const union = [...new Set(s.calendar.flatMap((c) => c.elapses))].filter((e) => e <= horizon).sort((a, b) => a - b);
  if (union.length >= 2) {
    let gap = 0, from = union[0]!, to = union[1]!;
    for (let i = 1; i < union.length; i++) if (union[i]! - union[i - 1]! > gap) [gap, from, to] = [union[i]! - union[i - 1]!, union[i - 1]!, union[i]!];
    parts.push({ sec: gap, how: `${s.calendar.map((c) => `OnCalendar=${c.spec}`).join(", ")}: largest gap ${formatDuration(gap)} (${at(from)} → ${at(to)}, over the next ${union.length} elapses)` });
  }
  for (const m of s.monotonic) {
    if (m.kind === "OnUnitActiveUSec") parts.push({ sec: m.sec, how: `OnUnitActiveSec=${formatDuration(m.sec)}` });
    if (m.kind === "OnUnitInactiveUSec") {
      const run = s.lastStart !== undefined && s.lastExit !== undefined && s.lastExit >= s.lastStart ? s.lastExit - s.lastStart : 0;
      parts.push({ sec: m.sec + run, how: `OnUnitInactiveSec=${formatDuration(m.sec)} after the run ends (last run lasted ${formatDuration(run)})` });
    }
  }
  const once = s.monotonic.filter((m) => !["OnUnitActiveUSec", "OnUnitInactiveUSec"].includes(m.kind)).map((m) => `${m.kind.replace(/USec$/, "Sec")}=${formatDuration(m.sec)}`);
  if (parts.length === 0) {
    const single = s.calendar.filter((c) => c.elapses.length === 1).map((c) => `OnCalendar=${c.spec} elapses once more (${at(c.elapses[0]!)}), then never`);
    const never = s.calendar.filter((c) => c.elapses.length === 0 && c.error === undefined).map((c) => `OnCalendar=${c.spec} never elapses again`);
    return { how: [...single, ...never, ...(once.length ? [`${once.join(", ")} fire once per boot/start`] : []), "no recurring trigger"].join("; "), errors };
  }
  const best = parts.reduce((a, b) => (b.sec < a.sec ? b : a));
  const slack = s.randomizedDelaySec + s.accuracySec;
  const worst = best.sec + slack;
  const slackText = slack > 0 ? ` + ${[s.randomizedDelaySec ? `RandomizedDelaySec=${formatDuration(s.randomizedDelaySec)}` : "", s.accuracySec ? `AccuracySec=${formatDuration(s.accuracySec)}` : ""].filter(Boolean).join(" + ")}` : "";
  return { gapSec: best.sec, worstSec: worst, how: `${best.how}${slackText} = up to ${formatDuration(worst)} between two runs`, errors };
}

/** Calendar specs to suggest, sparsest first, with their worst gap before slack. */
const SUGGEST: Array<[string, number]> = [["weekly", 7 * 86400], ["daily", 86400], ["*-*-* 00/12:00:00", 43200], ["hourly", 3600], ["*:0/15", 900]];

export function suggestCalendar(boundSec: number, slackSec: number): string {
  const fit = SUGGEST.find(([, gap]) => gap + slackSec <= boundSec);
  return fit ? fit[0] : "*:0/5";
}

const SUGGESTION = "a schedule that keeps it: ";

/** What is wrong with the schedule that keeps one bound (empty = it keeps it). */
export function judgeBound(b: FreshnessBound, s: TimerSchedule | undefined, now: number): Finding[] {
  if (!b.timer) {
    return [{ subject: `${b.what} (${b.declared})`, expected: "a declared job (systemd timer) that keeps this bound", actual: `no job declared keeps this bound: declare ${b.declareAt}` }];
  }
  const subject = `${b.what} (${b.declared}), kept by ${b.timer}`;
  if (!s) return [{ subject, expected: "inspected", actual: "missing from the probe's answer" }];
  const tp = s.timerProps;
  if (tp.LoadState !== "loaded") return [{ subject, expected: "a loaded timer unit, enabled and waiting", actual: `${tp.LoadState || "absent"}: no such timer on the node, so nothing keeps this bound` }];
  const findings: Finding[] = [];
  if (tp.UnitFileState !== "enabled" && tp.UnitFileState !== "enabled-runtime") {
    findings.push({ subject, expected: "enabled (started at every boot)", actual: `${tp.UnitFileState || "unknown"}: after the next reboot nothing keeps this bound` });
  }
  if (tp.ActiveState !== "active" || (tp.SubState !== "waiting" && tp.SubState !== "running")) {
    findings.push({ subject, expected: "active (waiting)", actual: `${tp.ActiveState}/${tp.SubState}: the timer is stopped and will not fire` });
  }
  if (s.serviceProps.LoadState !== "loaded") {
    findings.push({ subject, expected: `its service ${s.service} loaded`, actual: `${s.serviceProps.LoadState || "absent"}: the timer starts a service that does not exist` });
  }
  const c = cadenceOf(s);
  const suggestion = `${SUGGESTION}OnCalendar=${suggestCalendar(b.boundSec, s.randomizedDelaySec + s.accuracySec)}`;
  for (const e of c.errors) findings.push({ subject, expected: "every OnCalendar= computable", actual: `${e}; ${suggestion}` });
  if (c.worstSec === undefined) {
    findings.push({ subject, expected: `due at least every ${formatDuration(b.boundSec)}`, actual: `${c.how}; ${suggestion}` });
  } else if (c.worstSec > b.boundSec) {
    findings.push({ subject, expected: `due at least every ${formatDuration(b.boundSec)}`, actual: `${c.how}; ${suggestion}` });
  }
  if (s.nextElapse !== undefined && s.nextElapse - now > b.boundSec) {
    findings.push({ subject, expected: `next run within ${formatDuration(b.boundSec)}`, actual: `next run ${at(s.nextElapse)}, ${formatDuration(s.nextElapse - now)} from now; ${suggestion}` });
  }
  return findings;
}

export default invariant(
  {
    id: "DATA-023",
    title: "Every freshness bound has a schedule that keeps it",
    must:
      "For every freshness bound a node declares (SnapRAID sync and scrub: `storage.snapraid.schedule.*.maxInterval`, `maxSyncAgeDays`, `maxScrubAgeDays`; `backups.vaultwarden|nextcloud|restic.maxAgeHours`), the systemd timer declared to keep it (`storage.snapraid.schedule.*.timer`, `backups.*.schedule.timer`) MUST be loaded, enabled, active (waiting) and start a loaded service; its recurring triggers as systemd computes them (the largest gap between the next elapses of its OnCalendar= by `systemd-analyze calendar`, or its OnUnitActiveSec=/OnUnitInactiveSec=) plus RandomizedDelaySec= and AccuracySec= MUST NOT exceed the bound, and its next elapse MUST be within the bound from now. On a node that declares the job of at least one bound, a bound with no declared job fails; a node that declares none is skipped as planned.",
    fix: (f, node) => {
      const timer = /kept by (\S+\.timer)$/.exec(f.subject)?.[1];
      if (/^no job declared/.test(f.actual)) return `declare the job in the inventory: ${f.actual.replace(/^.*declare /, "")} (the systemd timer that keeps it on ${node.name})`;
      if (!timer) return `on ${node.name}: systemctl enable --now <timer>; a timer due too rarely for its bound: systemctl edit <timer> → [Timer] / OnCalendar= / OnCalendar=<a schedule at most the bound apart, e.g. daily for 26h>`;
      const line = f.actual.includes(SUGGESTION) ? f.actual.slice(f.actual.indexOf(SUGGESTION) + SUGGESTION.length) : undefined;
      if (line) return `on ${node.name}: systemctl edit ${timer} → [Timer] / OnCalendar= / ${line} (the empty OnCalendar= first clears the triggers the timer had: man systemd.timer); then systemctl daemon-reload && systemctl restart ${timer}`;
      if (/service/.test(f.expected)) return `on ${node.name}: systemctl cat ${timer} — its Unit= (or ${timer.replace(/\.timer$/, ".service")}) must exist; install it, then systemctl daemon-reload`;
      return `on ${node.name}: systemctl enable --now ${timer}`;
    },
    section: "§7, §2.3, §2.4, §6",
    family: "data",
    severity: "critical",
  },
  {
    appliesTo: (node) => freshnessBounds(node).some((b) => b.timer !== undefined),
    planned: (node) => {
      const bounds = freshnessBounds(node);
      return bounds.length > 0 && bounds.every((b) => b.timer === undefined)
        ? `planned in §7 (automated schedules): no job declared keeps this node's freshness bounds (${bounds.map((b) => b.what).join(", ")}); declare ${bounds.map((b) => b.declareAt).join(", ")} once they run from systemd timers`
        : undefined;
    },
    reads: (node) => ({ schedules: timerSchedulesProbe(freshnessBounds(node).flatMap((b) => (b.timer ? [b.timer] : [])), "freshness-timers") }),
    check({ node, facts }) {
      const f = facts.schedules;
      if (!f.systemd) return [{ subject: "freshness schedules", expected: "systemd timers", actual: "the node does not run systemd" }];
      const { now, timers } = f.units;
      return freshnessBounds(node).flatMap((b) => judgeBound(b, timers.find((t) => t.timer === b.timer), now));
    },
  },
);
