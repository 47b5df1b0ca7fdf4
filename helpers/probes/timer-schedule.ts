// What a systemd timer is due to do, read as systemd reads it: its triggers (`systemctl show -p
// TimersCalendar,TimersMonotonic`), its slack (AccuracyUSec, RandomizedDelayUSec), its next
// elapse, whether it is loaded, enabled and waiting, whether the service it starts exists, and for
// every calendar trigger the real elapses systemd computes (`systemd-analyze calendar
// --iterations=N`, in the node's own time zone, so a daily 02:30 that a DST night skips shows as
// the 47 h gap it is). Generic: any spec about a job that must run often enough can use it.
// Read-only: `systemctl show`, `systemd-analyze calendar`, `date`.
//
// systemd's output (systemd 252, Debian 12; captures: fixtures/captured/timers/schedule-*.txt):
// - TimersCalendar / TimersMonotonic are printed once PER TRIGGER, each line
//   `TimersCalendar={ OnCalendar=<normalized spec> ; next_elapse=<timestamp> }` and
//   `TimersMonotonic={ OnUnitActiveUSec=1d ; next_elapse=<timespan> }` (systemctl's
//   bus_print_property for the a(stt)/a(sst) arrays). A timer with two OnCalendar= has two lines.
// - timespans (AccuracyUSec=1min, RandomizedDelayUSec=2h, OnUnitActiveUSec=1d 12h) are
//   format_timespan's: groups of <number><unit>, unit y, month, w, d, h, min, s, ms, us, with
//   y = 365.25 d and month = 30.44 d (USEC_PER_YEAR, USEC_PER_MONTH of time-util.h); "infinity".
// - `systemd-analyze calendar` prints "Next elapse: <ts>" then "Iter. #N: <ts>", each followed by
//   "(in UTC): <ts>" when the node's zone is not UTC; "Next elapse: never" for a spec with no
//   future elapse; exit status 1 and "Failed to parse calendar specification" for a bad one.
import { NO_SYSTEMD_MARKER, type SystemdFact, type UnitProps } from "./systemd.ts";
import { parseUtcTimestamp } from "./timers.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

/** How many elapses of each calendar trigger are computed: a year and more of a daily timer (both DST changes), 7 years of a weekly one. */
export const CALENDAR_ITERATIONS = 400;

export const SCHEDULE_TIMER_PROPS = [
  "Id", "LoadState", "ActiveState", "SubState", "UnitFileState", "Unit",
  "TimersCalendar", "TimersMonotonic", "NextElapseUSecRealtime", "LastTriggerUSec", "AccuracyUSec", "RandomizedDelayUSec",
] as const;
export const SCHEDULE_SERVICE_PROPS = ["Id", "LoadState", "ExecMainStartTimestamp", "ExecMainExitTimestamp"] as const;

export interface CalendarTrigger {
  /** The normalized OnCalendar= spec as systemd shows it. */
  spec: string;
  /** Its next elapses (epoch s, ascending) as `systemd-analyze calendar` computes them; empty = never. */
  elapses: number[];
  /** systemd-analyze refused the spec: its message. */
  error?: string;
}

export interface MonotonicTrigger {
  /** OnUnitActiveUSec, OnUnitInactiveUSec, OnBootUSec, OnStartupUSec, OnActiveUSec. */
  kind: string;
  /** The interval in seconds. */
  sec: number;
}

export interface TimerSchedule {
  timer: string;
  timerProps: UnitProps;
  service: string;
  serviceProps: UnitProps;
  calendar: CalendarTrigger[];
  monotonic: MonotonicTrigger[];
  /** AccuracySec= (s): systemd may fire this much after the elapse. */
  accuracySec: number;
  /** RandomizedDelaySec= (s): each elapse is delayed by up to this much. */
  randomizedDelaySec: number;
  /** NextElapseUSecRealtime (epoch s). */
  nextElapse?: number;
  /** The service's last run: start and exit (epoch s), for OnUnitInactiveSec= (the run's length adds to the interval). */
  lastStart?: number;
  lastExit?: number;
}

export interface TimerSchedules {
  now: number;
  timers: TimerSchedule[];
}

const UNIT_NAME = /^[A-Za-z0-9:_.\\@-]+$/;
const MARK = { timer: "hlc-timer: ", service: "hlc-service: ", calendar: "hlc-calendar: ", rc: "hlc-calendar-rc: ", now: "hlc-now: " } as const;

/** The schedules of these timers, under a fixed probe name (one per node). */
export function timerSchedulesProbe(timers: string[], name = "timer-schedules"): Probe<SystemdFact<TimerSchedules>> {
  const list = [...new Set(timers)];
  if (list.length === 0) throw new Error("timerSchedulesProbe: no timers given");
  for (const t of list) if (!UNIT_NAME.test(t) || !t.endsWith(".timer")) throw new Error(`timerSchedulesProbe: bad timer name ${JSON.stringify(t)}`);
  const quoted = list.map((t) => `'${t}'`).join(" ");
  // systemctl under TZ=UTC (timestamps parseable anywhere); systemd-analyze in the node's own zone
  // (the zone its timers elapse in), keeping only the elapse lines and their "(in UTC)" twins.
  const script =
    `for t in ${quoted}; do ` +
    `echo "${MARK.timer}$t"; ` +
    `TZ=UTC systemctl show --no-pager -p ${SCHEDULE_TIMER_PROPS.join(",")} -- "$t" || exit $?; ` +
    `s="$(systemctl show --no-pager --value -p Unit -- "$t")"; [ -n "$s" ] || s="\${t%.timer}.service"; ` +
    `echo "${MARK.service}$s"; ` +
    `TZ=UTC systemctl show --no-pager -p ${SCHEDULE_SERVICE_PROPS.join(",")} -- "$s" || exit $?; ` +
    `systemctl show --no-pager --value -p TimersCalendar -- "$t" | sed -n 's/^{ OnCalendar=\\(.*\\) ; next_elapse=.*}$/\\1/p' | ` +
    `while IFS= read -r c; do echo "${MARK.calendar}$c"; ` +
    `o="$(systemd-analyze calendar --iterations=${CALENDAR_ITERATIONS} -- "$c" 2>&1)"; r=$?; ` +
    `printf '%s\\n' "$o" | sed -n -e 's/^ *\\(Next elapse\\|Iter\\. #[0-9]*\\|(in UTC)\\): /\\1: /p' -e 's/^\\(Failed .*\\)$/error: \\1/p'; ` +
    `echo "${MARK.rc}$r"; done; ` +
    `done; echo "${MARK.now}$(date -u +%s)"`;
  return {
    name,
    command: `if [ -d /run/systemd/system ]; then ${script}; else echo '${NO_SYSTEMD_MARKER}'; fi`,
    parse: (o) => parseTimerSchedules(name, list, o),
    // Its own lane (helpers/facts/lanes.ts): several systemctl calls and a systemd-analyze of 400
    // elapses per timer; on a loaded machine (drift matrix at load 100 on 2 cores) it was the probe
    // running when vm102's quick batch hit its timeout, and every probe after it went unread.
    slow: true,
  };
}

const TIMESPAN_UNIT: Record<string, number> = { y: 31557600, month: 2629800, w: 604800, d: 86400, h: 3600, min: 60, s: 1, ms: 1e-3, us: 1e-6 };

/** A systemd timespan as format_timespan prints it ("1d 12h", "1min", "2.186221s", "0") → seconds; "infinity" → Infinity. */
export function parseTimespan(probe: string, text: string): number {
  const t = text.trim();
  if (t === "infinity") return Infinity;
  if (/^\d+$/.test(t)) return Number(t) / 1e6; // a bare number is microseconds (parse_time's default unit for *USec)
  let sec = 0;
  let rest = t;
  const group = /^(\d+(?:\.\d+)?)(y|month|w|d|h|min|s|ms|us)(?:\s+|$)/;
  while (rest !== "") {
    const m = group.exec(rest);
    if (!m) throw new ProbeParseError(probe, `not a systemd timespan: ${JSON.stringify(text)}`);
    sec += Number(m[1]) * TIMESPAN_UNIT[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return sec;
}

export function parseTimerSchedules(name: string, timers: string[], { stdout, stderr, code }: ProbeOutput): SystemdFact<TimerSchedules> {
  if (code === 0 && stdout.trim() === NO_SYSTEMD_MARKER) return { systemd: false };
  if (code !== 0) throw new ProbeParseError(name, `systemctl exited ${code}: ${stderr.trim()}`);
  type Cur = { timer: string; timerProps: UnitProps; calendarLines: string[]; monotonicLines: string[]; service?: string; serviceProps?: UnitProps; calendar: CalendarTrigger[] };
  const out: TimerSchedule[] = [];
  let now: number | undefined;
  let cur: Cur | undefined;
  let target: UnitProps | undefined;
  let cal: { trigger: CalendarTrigger; pending?: number; done: boolean } | undefined;
  const closeCal = () => {
    if (cal && !cal.done) throw new ProbeParseError(name, `calendar ${JSON.stringify(cal.trigger.spec)}: no exit status line`);
    cal = undefined;
  };
  const flush = () => {
    if (!cur) return;
    closeCal();
    if (cur.service === undefined || !cur.serviceProps) throw new ProbeParseError(name, `no service block after timer ${cur.timer}`);
    out.push(toSchedule(name, cur.timer, cur.timerProps, cur.calendarLines, cur.monotonicLines, cur.service, cur.serviceProps, cur.calendar));
    cur = undefined;
  };
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    if (line.startsWith(MARK.timer)) {
      flush();
      cur = { timer: line.slice(MARK.timer.length), timerProps: {}, calendarLines: [], monotonicLines: [], calendar: [] };
      target = cur.timerProps;
    } else if (line.startsWith(MARK.service)) {
      if (!cur || cur.service !== undefined) throw new ProbeParseError(name, `service line out of place: ${JSON.stringify(line)}`);
      cur.service = line.slice(MARK.service.length);
      cur.serviceProps = {};
      target = cur.serviceProps;
    } else if (line.startsWith(MARK.calendar)) {
      if (!cur?.serviceProps) throw new ProbeParseError(name, `calendar line out of place: ${JSON.stringify(line)}`);
      closeCal();
      const trigger: CalendarTrigger = { spec: line.slice(MARK.calendar.length), elapses: [] };
      cur.calendar.push(trigger);
      cal = { trigger, done: false };
      target = undefined;
    } else if (line.startsWith(MARK.rc)) {
      if (!cal || cal.done) throw new ProbeParseError(name, `exit status line out of place: ${JSON.stringify(line)}`);
      if (cal.pending !== undefined) cal.trigger.elapses.push(cal.pending);
      const rc = line.slice(MARK.rc.length);
      if (rc !== "0" && cal.trigger.error === undefined) cal.trigger.error = `systemd-analyze calendar exited ${rc}`;
      cal.done = true;
    } else if (line.startsWith(MARK.now)) {
      flush();
      const n = line.slice(MARK.now.length);
      if (!/^\d+$/.test(n)) throw new ProbeParseError(name, `node clock is not epoch seconds: ${JSON.stringify(line)}`);
      now = Number(n);
      target = undefined;
    } else if (cal && !cal.done) {
      // "Next elapse: <ts>" | "Iter. #N: <ts>" | "(in UTC): <ts>" (the UTC twin of the line before) | "error: Failed …"
      const m = /^(Next elapse|Iter\. #\d+|\(in UTC\)|error): (.*)$/.exec(line);
      if (!m) throw new ProbeParseError(name, `not an elapse line: ${JSON.stringify(line)}`);
      const [, what, value] = m as unknown as [string, string, string];
      if (what === "error") cal.trigger.error = value;
      else if (what === "(in UTC)") {
        if (cal.pending === undefined && cal.trigger.elapses.length === 0) throw new ProbeParseError(name, `"(in UTC)" with no elapse before it`);
        cal.pending = parseUtcTimestamp(name, value);
      } else if (value === "never") {
        if (cal.pending !== undefined) cal.trigger.elapses.push(cal.pending);
        cal.pending = undefined;
      } else {
        if (cal.pending !== undefined) cal.trigger.elapses.push(cal.pending);
        // In a zone other than UTC this local time is replaced by its "(in UTC)" twin on the next line.
        cal.pending = / UTC$/.test(value) ? parseUtcTimestamp(name, value) : NaN;
      }
    } else {
      const m = /^([A-Za-z0-9]+)=(.*)$/.exec(line);
      if (!m || !target || !cur) throw new ProbeParseError(name, `not a Property=value line: ${JSON.stringify(line)}`);
      // One line per trigger: keep them all.
      if (m[1] === "TimersCalendar" && target === cur.timerProps) cur.calendarLines.push(m[2]!);
      else if (m[1] === "TimersMonotonic" && target === cur.timerProps) cur.monotonicLines.push(m[2]!);
      else target[m[1]!] = m[2]!;
    }
  }
  if (now === undefined) throw new ProbeParseError(name, "output ends before the node's clock line (hlc-now)");
  // Each timer asked for once, in any order (a capture of the same timers asked in another order reads alike).
  const got = out.map((r) => r.timer).sort();
  if (got.join(",") !== [...timers].sort().join(",")) throw new ProbeParseError(name, `expected timers ${timers.join(", ")}, got ${got.join(", ") || "none"}`);
  for (const t of out) {
    for (const c of t.calendar) {
      if (c.elapses.some((e) => !Number.isFinite(e))) throw new ProbeParseError(name, `${t.timer}: an elapse of ${JSON.stringify(c.spec)} in local time without its "(in UTC)" line`);
    }
  }
  return { systemd: true, units: { now, timers: out } };
}

function toSchedule(
  name: string, timer: string, timerProps: UnitProps, calendarLines: string[], monotonicLines: string[],
  service: string, serviceProps: UnitProps, calendar: CalendarTrigger[],
): TimerSchedule {
  const specs = calendarLines.map((l) => {
    const m = /^\{ OnCalendar=(.*) ; next_elapse=.*\}$/.exec(l);
    if (!m) throw new ProbeParseError(name, `${timer}: not a TimersCalendar entry: ${JSON.stringify(l)}`);
    return m[1]!;
  });
  // The calendar blocks were asked for each TimersCalendar entry: the same specs, in order.
  if (specs.join("\n") !== calendar.map((c) => c.spec).join("\n")) {
    throw new ProbeParseError(name, `${timer}: calendar triggers ${JSON.stringify(specs)} but elapses computed for ${JSON.stringify(calendar.map((c) => c.spec))}`);
  }
  const monotonic = monotonicLines.map((l) => {
    const m = /^\{ (On[A-Za-z]+USec)=(.*) ; next_elapse=.*\}$/.exec(l);
    if (!m) throw new ProbeParseError(name, `${timer}: not a TimersMonotonic entry: ${JSON.stringify(l)}`);
    return { kind: m[1]!, sec: parseTimespan(name, m[2]!) };
  });
  const s: TimerSchedule = {
    timer, timerProps, service, serviceProps, calendar, monotonic,
    accuracySec: timerProps.AccuracyUSec ? parseTimespan(name, timerProps.AccuracyUSec) : 0,
    randomizedDelaySec: timerProps.RandomizedDelayUSec ? parseTimespan(name, timerProps.RandomizedDelayUSec) : 0,
  };
  const next = parseUtcTimestamp(name, timerProps.NextElapseUSecRealtime);
  if (next !== undefined) s.nextElapse = next;
  const start = parseUtcTimestamp(name, serviceProps.ExecMainStartTimestamp);
  if (start !== undefined) s.lastStart = start;
  const exit = parseUtcTimestamp(name, serviceProps.ExecMainExitTimestamp);
  if (exit !== undefined) s.lastExit = exit;
  return s;
}
