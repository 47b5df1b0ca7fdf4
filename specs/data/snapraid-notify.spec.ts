// §7 "Automated SnapRAID sync + scrub schedule (with logging + notifications)": a scheduled run
// that fails must tell someone; DATA-009 sees a failed last run only when the suite runs.
import { onFailureProbe, type NotifiedJob } from "../../helpers/probes/onfailure.ts";
import { scheduleTimers } from "../../helpers/probes/timers.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

/** The findings for the scheduled jobs (pure: unit-tested on captured systemctl output). */
export function judgeNotified(jobs: NotifiedJob[]): Finding[] {
  const out: Finding[] = [];
  for (const j of jobs) {
    const subject = `${j.service || "(no service)"} (started by ${j.timer})`;
    if (!j.service) {
      out.push({ subject, expected: "a timer that starts a service", actual: "the timer names no unit (not loaded?)" });
      continue;
    }
    if (j.onFailure.length === 0) {
      out.push({ subject, expected: "OnFailure= naming a notifier unit", actual: "no OnFailure=: a failed run is seen only by whoever looks (add OnFailure=notify@%n.service to the service or a drop-in)" });
      continue;
    }
    for (const h of j.onFailure.filter((x) => x.loadState !== "loaded")) {
      out.push({ subject, expected: `its OnFailure= unit ${h.unit} loaded`, actual: `${h.unit} is ${h.loadState || "unknown"}: the notification would never run` });
    }
  }
  return out;
}

export default invariant(
  {
    id: "DATA-022",
    title: "Scheduled SnapRAID runs notify when they fail",
    must:
      "Every service a declared SnapRAID timer (`storage.snapraid.schedule`) starts MUST name at least one OnFailure= unit, and every such unit MUST load (not not-found, not masked), so a failed sync or scrub notifies.",
    section: "§7, §2.1",
    family: "data",
    severity: "normal",
    fix: (f, node) => `on ${node.name}: systemctl edit ${f.subject.split(" ")[0]} and add [Unit] OnFailure=<notifier>@%n.service (a unit that mails or posts to your webhook); then systemctl daemon-reload`,
  },
  {
    appliesTo: (node) => node.storage?.snapraid !== undefined && scheduleTimers(node.storage.snapraid).length > 0,
    planned: (node) => (node.storage?.snapraid && !node.storage.snapraid.schedule ? "planned in §7 (automated sync + scrub schedule): declare storage.snapraid.schedule" : undefined),
    reads: (node) => ({ jobs: onFailureProbe(node) }),
    check({ node, facts }) {
      const f = facts.jobs;
      if (!f.systemd) return [{ subject: "systemd", expected: "the node's init (timers are declared)", actual: "not running as PID 1" }];
      return judgeNotified(f.units);
    },
  },
);
