// §7 "Automated SnapRAID sync + scrub schedule", §2.1 "Run `snapraid sync` … via schedule once
// implemented", "Run `snapraid scrub` on a defined cadence", §6 cadence. A schedule protects only if
// its timer fired recently and the job it started succeeded: a timer whose every run fails looks
// like automation and protects nothing. Whether the timer is enabled, waiting, and due often enough
// for the bound is DATA-023's (specs/data/freshness-schedule.spec.ts), for every bound alike.
import { formatDuration, type ScheduledJobDecl } from "../../helpers/inventory/sections/storage.ts";
import type { TimerRun } from "../../helpers/probes/timers.ts";
import { scheduleTimers, snapraidTimersProbe } from "../../helpers/probes/timers.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

const at = (t: number) => new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, " UTC").replace("T", " ");

/** What is wrong with one scheduled job (empty = fine). */
export function judgeJob(job: "sync" | "scrub", decl: ScheduledJobDecl, run: TimerRun | undefined, now: number): Finding[] {
  const t = decl.timer;
  if (!run) return [{ subject: `${job} timer ${t}`, expected: "inspected", actual: "missing from the probe's answer" }];
  const subject = `${job} timer ${t} (starts ${run.service})`;
  const tp = run.timerProps;
  const sp = run.serviceProps;
  if (tp.LoadState !== "loaded") {
    return [{ subject, expected: "a loaded timer unit, enabled and waiting", actual: `${tp.LoadState || "absent"}: no such timer on the node, so the ${job} is not scheduled` }];
  }
  // Enabled, active (waiting) and how often it is due are DATA-023's (one judgement for every
  // freshness bound of a node); this invariant judges what the runs did.
  const findings: Finding[] = [];
  if (sp.LoadState !== "loaded") {
    findings.push({ subject: `${job} service ${run.service}`, expected: "a loaded service unit", actual: `${sp.LoadState || "absent"}: the timer starts a service that does not exist` });
    return findings;
  }
  const last = Math.max(run.lastTrigger ?? -Infinity, run.lastStart ?? -Infinity);
  if (!Number.isFinite(last)) {
    findings.push({ subject, expected: `a run within the last ${decl.maxInterval}`, actual: `never ran (LastTriggerUSec and ExecMainStartTimestamp are empty)${run.nextElapse !== undefined ? `; next run ${at(run.nextElapse)}` : ""}` });
  } else if (now - last > decl.maxIntervalSec) {
    findings.push({
      subject,
      expected: `last run started at most ${decl.maxInterval} ago`,
      actual: `${formatDuration(now - last)} ago (${at(last)})${run.nextElapse !== undefined ? `; next run ${at(run.nextElapse)}` : "; no next run scheduled"}`,
    });
  }
  // A run in progress has no outcome yet; the one before it is not recorded by systemd.
  const running = sp.ActiveState === "active" || sp.ActiveState === "activating" || sp.ActiveState === "deactivating";
  if (!running && (sp.Result !== "success" || (sp.ExecMainStatus !== undefined && sp.ExecMainStatus !== "" && sp.ExecMainStatus !== "0"))) {
    const how = sp.ExecMainCode === "2" ? `killed by signal ${sp.ExecMainStatus}` : `exit status ${sp.ExecMainStatus}`;
    findings.push({
      subject: `last ${job} run (${run.service})`,
      expected: "succeeded (Result=success, exit status 0)",
      actual: `failed: Result=${sp.Result}, ${how}${run.lastStart !== undefined ? `, started ${at(run.lastStart)}` : ""}; see \`journalctl -u ${run.service}\``,
    });
  }
  return findings;
}

export default invariant(
  {
    id: "DATA-009",
    title: "SnapRAID sync and scrub run on schedule",
    must: "For each SnapRAID job the inventory schedules (`storage.snapraid.schedule.sync|scrub`), its systemd timer MUST exist and start a loaded service; the last run of its service MUST have started within the declared `maxInterval` (the later of the timer's LastTriggerUSec and the service's ExecMainStartTimestamp); and that run MUST have succeeded (Result=success, ExecMainStatus=0). That the timer is enabled, waiting and due often enough is DATA-023's.",
    fix: (f, node) => /timer/.test(f.subject) ? `on ${node.name}: systemctl enable --now ${f.subject.replace(/^.* timer /, "")}` : `on ${node.name}: journalctl -u ${f.subject.replace(/^.*service |^last .* run \(|\)$/g, "") || "<its service>"} -n 50 shows why; fix that, then: systemctl start ${f.subject.replace(/^.*service |^last .* run \(|\)$/g, "") || "<its service>"}`,
    section: "§7, §2.1, §6",
    family: "data",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.storage?.snapraid?.schedule !== undefined,
    planned: (node) =>
      node.storage?.snapraid && !node.storage.snapraid.schedule
        ? "planned in §7 (automated SnapRAID sync + scrub schedule): declare storage.snapraid.schedule (the sync/scrub timers and their max intervals) once they run from systemd timers"
        : undefined,
    reads: (node) => ({ timers: snapraidTimersProbe(scheduleTimers(node.storage!.snapraid!)) }),
    check({ node, facts }) {
      const snapraid = node.storage!.snapraid!;
      const f = facts.timers;
      if (!f.systemd) return [{ subject: "SnapRAID schedule", expected: "systemd timers", actual: "the node does not run systemd" }];
      const { now, timers } = f.units;
      const findings: Finding[] = [];
      for (const job of ["sync", "scrub"] as const) {
        const decl = snapraid.schedule![job];
        if (decl) findings.push(...judgeJob(job, decl, timers.find((r) => r.timer === decl.timer), now));
      }
      return findings;
    },
  },
);
