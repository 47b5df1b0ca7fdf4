// Whether a scheduled job reports its failure (DATA-022; §7 "Automated SnapRAID sync + scrub
// schedule (with logging + notifications)"): for each declared timer, the service it starts
// (the timer's Unit=), that service's OnFailure= units (systemd.unit(5): "units that are
// activated when this unit enters the 'failed' state"), and whether each of those loads.
// `systemctl show` values: OnFailure= is a space-separated list of unit names, empty when none.
import { shQuote } from "../transport/shell.ts";
import { NO_SYSTEMD_MARKER, type SystemdFact } from "./systemd.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";
import type { NodeDecl } from "../inventory/types.ts";
import { scheduleTimers } from "./timers.ts";

export interface NotifiedJob {
  timer: string;
  /** The service the timer starts (its Unit=). */
  service: string;
  onFailure: Array<{ unit: string; loadState: string; fragmentPath: string }>;
}

const NAME = "snapraid-onfailure";
const MARK = "@@hlc-onfailure";

export function onFailure(timers: string[]): Probe<SystemdFact<NotifiedJob[]>> {
  for (const t of timers) if (!/^[A-Za-z0-9:_.\\@-]+\.timer$/.test(t)) throw new Error(`onFailure: bad timer name ${JSON.stringify(t)}`);
  const each = timers
    .map(
      (t) =>
        `s=$(systemctl show --no-pager -p Unit --value -- ${shQuote(t)}); echo "${MARK} job ${t} $s"; ` +
        `for x in $(systemctl show --no-pager -p OnFailure --value -- "$s"); do echo "${MARK} handler $x $(systemctl show --no-pager -p LoadState --value -- "$x") $(systemctl show --no-pager -p FragmentPath --value -- "$x")"; done`,
    )
    .join("; ");
  return {
    name: NAME,
    command: `if [ -d /run/systemd/system ]; then ${each}; else echo '${NO_SYSTEMD_MARKER}'; fi`,
    parse: (o) => {
      const f = parseOnFailure(o);
      // Every asked timer answers with its job line: an answer without one is not an answer.
      const missing = f.systemd ? timers.filter((t) => !f.units.some((j) => j.timer === t)) : [];
      if (missing.length) throw new ProbeParseError(NAME, `no answer for ${missing.join(", ")}`);
      return f;
    },
  };
}

export function parseOnFailure({ stdout, stderr, code }: ProbeOutput): SystemdFact<NotifiedJob[]> {
  if (code !== 0) throw new ProbeParseError(NAME, `exited ${code}: ${stderr.trim()}`);
  if (stdout.trim() === NO_SYSTEMD_MARKER) return { systemd: false };
  const jobs: NotifiedJob[] = [];
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    let m = /^@@hlc-onfailure job (\S+) ?(\S*)$/.exec(line);
    if (m) {
      jobs.push({ timer: m[1]!, service: m[2]!, onFailure: [] });
      continue;
    }
    m = /^@@hlc-onfailure handler (\S+) (\S*) ?(.*)$/.exec(line);
    if (m && jobs.length) {
      jobs[jobs.length - 1]!.onFailure.push({ unit: m[1]!, loadState: m[2]!, fragmentPath: m[3]! });
      continue;
    }
    throw new ProbeParseError(NAME, `unexpected line: ${JSON.stringify(line)}`);
  }
  return { systemd: true, units: jobs };
}

/** DATA-022's probe: the declared SnapRAID timers' services and their OnFailure= handlers. */
export function onFailureProbe(node: NodeDecl): Probe<SystemdFact<NotifiedJob[]>> {
  return onFailure(scheduleTimers(node.storage!.snapraid!));
}
