// §5.1 Exposure rules: nothing listens that the operator did not declare. System listeners
// (sshd, node-exporter, the resolver stub) are declared like any service, not silently exempt.
import type { Finding } from "../../helpers/spec/message.ts";
import { listeningSockets } from "../../helpers/probes/sockets.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import { describeSocket } from "./describe-socket.ts";
import { declares } from "./match.ts";

export default invariant(
  {
    id: "EXPOSE-004",
    title: "No listener that the inventory does not declare",
    must: "Every listening TCP and UDP socket of a node MUST belong to a service declared for that node (by port and protocol, and bind address where declared). An undeclared listener is a surprise exposure, wherever it binds.",
    fix: (f, node) => `on ${node.name}: ss -lnup 'sport = :${port(f)}' names its process; stop it (systemctl disable --now <its unit or .socket>) or declare it under services: in the inventory`,
    section: "§5.1",
    family: "exposure",
    severity: "critical",
  },
  {
    appliesTo: () => true,
    reads: () => ({ listeningSockets }),
    check({ node, facts }) {
      return facts.listeningSockets
        .filter((s) => !node.services.some((svc) => declares(svc, s)))
        .map((s) => ({
          subject: `${s.proto}/${s.port}`,
          expected: "no listener that is not declared in the inventory",
          actual: `undeclared listener on ${describeSocket(s)}`,
        }));
    },
  },
);

// Where a finding names it (the subject the check above writes), for the fix line.
const port = (f: Finding): string => /(?:tcp|udp)\/(\d+)|port (\d+)|:(\d+)/.exec(`${f.subject} ${f.actual}`)?.slice(1).find(Boolean) ?? "<port>";
