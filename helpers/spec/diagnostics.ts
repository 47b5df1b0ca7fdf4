// The playbook's diagnostics (operations.md §4.3-4.5): what an operator is told to look at when a
// mount, a unit or a container fails. An invariant's `diagnose` returns some of these; the gather
// phase runs them (read-only, bounded) on the failed node in one extra batched round trip, and
// the failed result carries their output as "diagnostics: <what>" attachments.
import type { DiagnosticRequest } from "../facts/types.ts";
import { mountUnit } from "../inventory/sections/mounts.ts";
import { shQuote } from "../transport/shell.ts";

export type Diagnostic = DiagnosticRequest;

/** Seconds any one diagnostic may take on the node (a hung CIFS mount must not hang the run). */
export const DIAGNOSTIC_TIMEOUT_SEC = 10;

const bounded = (command: string) => `timeout ${DIAGNOSTIC_TIMEOUT_SEC} ${command}`;

/** §4.4 "Inspect `findmnt -T <path>`": which filesystem a path is really on. */
export const findmntT = (path: string): Diagnostic => ({
  what: `findmnt -T ${path}`,
  command: bounded(`findmnt -T ${shQuote(path)}`),
});

/** §4.3/§4.4 "Inspect the systemd unit": its state, without its log lines (the journal has them). */
export const systemctlStatus = (unit: string): Diagnostic => ({
  what: `systemctl status ${unit}`,
  command: bounded(`systemctl status --no-pager --full --lines=0 ${shQuote(unit)}`),
});

/** §4.3/§4.4 "... and logs": the unit's last journal lines. */
export const journal = (unit: string, lines = 30): Diagnostic => ({
  what: `journalctl -u ${unit} -n ${lines}`,
  command: bounded(`journalctl -u ${shQuote(unit)} -n ${lines} --no-pager`),
});

/** §4.5 "Check container logs". */
export const dockerLogs = (container: string, lines = 50): Diagnostic => ({
  what: `docker logs --tail ${lines} ${container}`,
  command: bounded(`docker logs --tail ${lines} --timestamps ${shQuote(container)}`),
});

/**
 * §4.5 "`docker ps` shows restarts": how often and when the container last started and exited.
 * Only these fields: the full inspect output holds Config.Env, where secrets live.
 */
export const restartHistory = (container: string): Diagnostic => ({
  what: `restart history ${container}`,
  command: bounded(
    `docker inspect --format ${shQuote(
      "RestartCount={{.RestartCount}} RestartPolicy={{.HostConfig.RestartPolicy.Name}}\nStatus={{.State.Status}} Restarting={{.State.Restarting}} OOMKilled={{.State.OOMKilled}}\nStartedAt={{.State.StartedAt}}\nFinishedAt={{.State.FinishedAt}}\nExitCode={{.State.ExitCode}} Error={{.State.Error}}",
    )} ${shQuote(container)}`,
  ),
});

/** The containers the node does have, when a declared one is missing. */
export const dockerPsAll: Diagnostic = {
  what: "docker ps -a",
  command: bounded(`docker ps -a --format '{{.Names}}\t{{.Status}}\t{{.Image}}'`),
};

/** §4.3 "Check journal for fuse/mergerfs errors" (this boot). */
export const fuseJournal: Diagnostic = {
  what: "journalctl -b fuse|mergerfs",
  command: bounded(`journalctl -b -n 30 --no-pager -g 'fuse|mergerfs'`),
};

/** §4.3 "Ensure allow_other and user_allow_other are correct". */
export const fuseConf: Diagnostic = {
  what: "/etc/fuse.conf user_allow_other",
  command: `grep -n user_allow_other /etc/fuse.conf || echo 'no user_allow_other line in /etc/fuse.conf'`,
};

/** The mountpoint of a `.mount`/`.automount` unit name (systemd-escape -u -p), or undefined. */
export function unitPath(unit: string): string | undefined {
  const m = /^(.+)\.(mount|automount)$/.exec(unit);
  if (!m) return undefined;
  if (m[1] === "-") return "/";
  const segs = m[1]!.split("-").map((s) => Buffer.from(s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8"));
  return "/" + segs.join("/");
}

/** What the playbook says to look at for a mountpoint: findmnt, its (auto)mount units and their journal. */
export function mountDiagnostics(path: string, options: { automount?: boolean } = {}): Diagnostic[] {
  const units = options.automount ? [mountUnit(path, "automount"), mountUnit(path)] : [mountUnit(path)];
  return [findmntT(path), ...units.map(systemctlStatus), ...units.map((u) => journal(u))];
}

/** What the playbook says to look at for a unit: its status and journal, and findmnt for a mount unit. */
export function unitDiagnostics(unit: string): Diagnostic[] {
  const path = unitPath(unit);
  return [...(path ? [findmntT(path)] : []), systemctlStatus(unit), journal(unit)];
}

/** What the playbook says to look at for a container: its logs and restart history. */
export function containerDiagnostics(container: string): Diagnostic[] {
  return [restartHistory(container), dockerLogs(container)];
}

/** Drop repeated commands, keeping the first (specs list per finding; a node runs each once). */
export function unique(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => (seen.has(d.command) ? false : (seen.add(d.command), true)));
}
