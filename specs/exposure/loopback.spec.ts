// §1 Exposure model, §5.1 Exposure rules: "Internal services bind to loopback where possible."
import { isLoopback, listeningSockets } from "../../helpers/probes/sockets.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";
import { describeSocket } from "./describe-socket.ts";
import { declares, portLabel } from "./match.ts";

export default invariant(
  {
    id: "EXPOSE-001",
    title: "Internal services bind to loopback only",
    must: "A service declared with scope `loopback` MUST listen only on 127.0.0.0/8 or ::1. A wildcard (0.0.0.0, [::], *) or any other address is a violation; a dual-stack wildcard is never loopback.",
    fix: (f, node) => `on ${node.name}: set ${f.subject.split(" ")[0]}'s listen address to 127.0.0.1 (port ${port(f)}) in its configuration, restart it, and check: ss -ltnp 'sport = :${port(f)}'`,
    section: "§1, §5.1",
    family: "exposure",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.services.some((s) => s.scope === "loopback"),
    reads: () => ({ listeningSockets }),
    check({ node, facts }) {
      const sockets = facts.listeningSockets;
      const findings: Finding[] = [];
      for (const svc of node.services.filter((s) => s.scope === "loopback")) {
        const exposed = sockets.filter((s) => declares(svc, s) && !isLoopback(s.address));
        if (exposed.length === 0) continue;
        findings.push({
          subject: `${svc.name} ${portLabel(svc)}`,
          expected: "listening on loopback only (127.0.0.0/8, ::1)",
          actual: `listening on ${exposed.map(describeSocket).join(", ")}`,
        });
      }
      return findings;
    },
  },
);

// Where a finding names it (the subject the check above writes), for the fix line.
const port = (f: Finding): string => /(?:tcp|udp)\/(\d+)|port (\d+)|:(\d+)/.exec(`${f.subject} ${f.actual}`)?.slice(1).find(Boolean) ?? "<port>";
