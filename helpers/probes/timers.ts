// systemd timers and the service each one starts: is the timer there, enabled and waiting, when did
// its service last start, and how did that run end. Generic (no knowledge of what the service does),
// so any spec about a scheduled job can use it. Read-only: `systemctl show` and `date`.
//
// Timestamps: `systemctl show` prints them in the node's local time zone ("Wed 2026-11-25 03:30:04
// CET"), which a parser cannot turn into an instant without the zone's rules. The command runs
// systemctl with TZ=UTC, so every timestamp reads "… UTC" on any systemd version, and prints the
// node's clock (`date -u +%s`), so ages are judged against the node's own time.
// Captures: fixtures/captured/timers/.
import { NO_SYSTEMD_MARKER, type SystemdFact, type UnitProps } from "./systemd.ts";
import type { SnapraidDecl } from "../inventory/sections/storage.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

export const TIMER_PROPS = [
  "Id", "Names", "LoadState", "ActiveState", "SubState", "UnitFileState", "Unit",
  "LastTriggerUSec", "NextElapseUSecRealtime", "Persistent", "Result",
] as const;

export const TIMER_SERVICE_PROPS = [
  "Id", "Names", "LoadState", "ActiveState", "SubState", "Result", "ExecMainCode", "ExecMainStatus",
  "ExecMainStartTimestamp", "ExecMainExitTimestamp", "NRestarts",
] as const;

export interface TimerRun {
  /** The timer as asked for (e.g. snapraid-sync.timer). */
  timer: string;
  /** `systemctl show` of the timer (LoadState=not-found when it does not exist). */
  timerProps: UnitProps;
  /** The service the timer starts: its Unit=, else the timer's name with .service. */
  service: string;
  serviceProps: UnitProps;
  /** LastTriggerUSec (epoch s): when the timer last started the service (kept across reboots for Persistent= timers). */
  lastTrigger?: number;
  /** ExecMainStartTimestamp (epoch s): when the service's main process last started since boot, whoever started it. */
  lastStart?: number;
  /** ExecMainExitTimestamp (epoch s). */
  lastExit?: number;
  /** NextElapseUSecRealtime (epoch s): when the timer fires next. */
  nextElapse?: number;
}

export interface TimerRuns {
  /** The node's clock, epoch seconds. */
  now: number;
  timers: TimerRun[];
}

const UNIT_NAME = /^[A-Za-z0-9:_.\\@-]+$/;
const MARK = { timer: "hlc-timer: ", service: "hlc-service: ", now: "hlc-now: " } as const;

/**
 * The timers and their services. The probe name depends on the timers; a planner that wants a fixed
 * fact key overrides `name` (see snapraidTimersProbe below).
 */
export function timerRuns(timers: string[]): Probe<SystemdFact<TimerRuns>> {
  if (timers.length === 0) throw new Error("timerRuns: no timers given");
  for (const t of timers) if (!UNIT_NAME.test(t) || !t.endsWith(".timer")) throw new Error(`timerRuns: bad timer name ${JSON.stringify(t)}`);
  const name = `timer-runs:${timers.join(",")}`;
  const list = timers.map((t) => `'${t}'`).join(" ");
  // `--value -p Unit` prints just the service name (empty for a timer that does not exist).
  const script =
    `for t in ${list}; do ` +
    `echo "${MARK.timer}$t"; ` +
    `TZ=UTC systemctl show --no-pager -p ${TIMER_PROPS.join(",")} -- "$t" || exit $?; ` +
    `s="$(systemctl show --no-pager --value -p Unit -- "$t")"; [ -n "$s" ] || s="\${t%.timer}.service"; ` +
    `echo "${MARK.service}$s"; ` +
    `TZ=UTC systemctl show --no-pager -p ${TIMER_SERVICE_PROPS.join(",")} -- "$s" || exit $?; ` +
    `done; echo "${MARK.now}$(date -u +%s)"`;
  return {
    name,
    command: `if [ -d /run/systemd/system ]; then ${script}; else echo '${NO_SYSTEMD_MARKER}'; fi`,
    parse: (o) => parseTimerRuns(name, timers, o),
  };
}

export function parseTimerRuns(name: string, timers: string[], { stdout, stderr, code }: ProbeOutput): SystemdFact<TimerRuns> {
  if (code === 0 && stdout.trim() === NO_SYSTEMD_MARKER) return { systemd: false };
  if (code !== 0) throw new ProbeParseError(name, `systemctl exited ${code}: ${stderr.trim()}`);
  const runs: TimerRun[] = [];
  let now: number | undefined;
  let cur: { timer: string; timerProps: UnitProps; service?: string; serviceProps?: UnitProps } | undefined;
  let target: UnitProps | undefined;
  const flush = () => {
    if (!cur) return;
    if (cur.service === undefined || !cur.serviceProps) throw new ProbeParseError(name, `no service block after timer ${cur.timer}`);
    runs.push(toRun(name, cur.timer, cur.timerProps, cur.service, cur.serviceProps));
    cur = undefined;
  };
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    if (line.startsWith(MARK.timer)) {
      flush();
      cur = { timer: line.slice(MARK.timer.length), timerProps: {} };
      target = cur.timerProps;
    } else if (line.startsWith(MARK.service)) {
      if (!cur || cur.service !== undefined) throw new ProbeParseError(name, `service line out of place: ${JSON.stringify(line)}`);
      cur.service = line.slice(MARK.service.length);
      cur.serviceProps = {};
      target = cur.serviceProps;
    } else if (line.startsWith(MARK.now)) {
      flush();
      const n = line.slice(MARK.now.length);
      if (!/^\d+$/.test(n)) throw new ProbeParseError(name, `node clock is not epoch seconds: ${JSON.stringify(line)}`);
      now = Number(n);
      target = undefined;
    } else {
      const m = /^([A-Za-z0-9]+)=(.*)$/.exec(line);
      if (!m || !target) throw new ProbeParseError(name, `not a Property=value line: ${JSON.stringify(line)}`);
      target[m[1]!] = m[2]!;
    }
  }
  if (now === undefined) throw new ProbeParseError(name, "output ends before the node's clock line (hlc-now)");
  const got = runs.map((r) => r.timer);
  if (got.join(",") !== timers.join(",")) throw new ProbeParseError(name, `expected timers ${timers.join(", ")}, got ${got.join(", ") || "none"}`);
  return { systemd: true, units: { now, timers: runs } };
}

function toRun(name: string, timer: string, timerProps: UnitProps, service: string, serviceProps: UnitProps): TimerRun {
  const run: TimerRun = { timer, timerProps, service, serviceProps };
  const set = (key: "lastTrigger" | "lastStart" | "lastExit" | "nextElapse", props: UnitProps, prop: string) => {
    const t = parseUtcTimestamp(name, props[prop]);
    if (t !== undefined) run[key] = t;
  };
  set("lastTrigger", timerProps, "LastTriggerUSec");
  set("nextElapse", timerProps, "NextElapseUSecRealtime");
  set("lastStart", serviceProps, "ExecMainStartTimestamp");
  set("lastExit", serviceProps, "ExecMainExitTimestamp");
  return run;
}

const UTC_STAMP = /^(?:[A-Z][a-z]{2} )?(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? UTC$/;

/**
 * A `systemctl show` timestamp printed under TZ=UTC ("Wed 2026-11-25 03:30:04 UTC") → epoch seconds.
 * Empty, "n/a" and absent mean "never" (undefined). Anything else is not ours to guess: it throws.
 */
export function parseUtcTimestamp(probe: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "" || value === "n/a" || value === "0") return undefined;
  const m = UTC_STAMP.exec(value);
  if (!m) throw new ProbeParseError(probe, `not a UTC timestamp: ${JSON.stringify(value)}`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
}

/** The declared SnapRAID sync/scrub timers, in that order. */
export function scheduleTimers(snapraid: SnapraidDecl): string[] {
  const s = snapraid.schedule;
  return s ? [s.sync?.timer, s.scrub?.timer].filter((t): t is string => t !== undefined) : [];
}

/** timerRuns of the SnapRAID timers under a fixed name (one per node). */
export function snapraidTimersProbe(timers: string[]): Probe<SystemdFact<TimerRuns>> {
  return { ...timerRuns([...new Set(timers)]), name: "snapraid-timers" };
}
