// §1 Exposure model ("Grafana: 127.0.0.1:3000", …): the port is Grafana's only if Grafana holds it.
// A stopped service whose port another program took over (a debug server, a leftover container)
// passes every bind check while serving something else. Judged from the owner `ss -ltnup` prints
// for the socket (users:(("name",pid=…))).
import { listeningSockets, type ListeningSocket } from "../../helpers/probes/sockets.ts";
import type { NodeDecl } from "../../helpers/inventory/types.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";
import { declares, portLabel } from "./match.ts";

export default invariant(
  {
    id: "EXPOSE-006",
    title: "Each declared port is served by the declared process",
    must: "For every service declared with a `process`, something MUST listen on its port, and every process owning those sockets (as `ss -ltnup` shows it) MUST be that process. A socket whose owner ss cannot show does not pass: the probe needs root with the right to read other users' /proc/PID/fd (CAP_SYS_PTRACE in a container).",
    fix: (f, node) => `on ${node.name}: ss -ltnup 'sport = :${port(f)}' names the process that holds the port; stop it (systemctl disable --now <its unit>) and start the declared one, or correct the inventory's process`,
    section: "§1, §5.1",
    family: "exposure",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.services.some((s) => s.process !== undefined),
    reads: () => ({ listeningSockets }),
    check: ({ node, facts }) => judgeOwners(node, facts.listeningSockets),
  },
);

/** The findings for `node` from its socket table (exported for offline tests). */
export function judgeOwners(node: NodeDecl, sockets: ListeningSocket[]): Finding[] {
  const findings: Finding[] = [];
  for (const svc of node.services) {
    if (svc.process === undefined) continue;
    const subject = `${svc.name} ${portLabel(svc)}`;
    const expected = `served by ${svc.process}`;
    const mine = sockets.filter((s) => declares(svc, s));
    if (mine.length === 0) {
      findings.push({ subject, expected, actual: `nothing listens on ${portLabel(svc)}` });
      continue;
    }
    const unknown = mine.filter((s) => s.processes.length === 0);
    if (unknown.length) {
      findings.push({
        subject,
        expected,
        actual: `cannot tell which process owns ${unknown.map(where).join(", ")}: ss shows no owner; run the probes as root (ssh user root, or sudo: true) with read access to other users' /proc/PID/fd (CAP_SYS_PTRACE in a container)`,
      });
    }
    const wrong = mine.flatMap((s) => s.processes.filter((p) => p.name !== svc.process).map((p) => ({ s, p })));
    if (wrong.length) {
      const who = [...new Map(wrong.map(({ s, p }) => [`${p.name}/${p.pid}/${s.address}`, `${p.name} (pid ${p.pid}) on ${where(s)}`])).values()];
      findings.push({ subject, expected, actual: `served by ${who.join(", ")}` });
    }
  }
  return findings;
}

const where = (s: ListeningSocket) => `${s.wildcard && s.dualStack ? "*" : s.family === 6 ? `[${s.address}]` : s.address}:${s.port}`;

// Where a finding names it (the subject the check above writes), for the fix line.
const port = (f: Finding): string => /(?:tcp|udp)\/(\d+)|port (\d+)|:(\d+)/.exec(`${f.subject} ${f.actual}`)?.slice(1).find(Boolean) ?? "<port>";
