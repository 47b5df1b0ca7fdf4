// §5.1: media services are LAN-bound by choice, internal ones on loopback — and a Docker publish
// on all interfaces (`-p 8096:8096`) bypasses the host firewall through Docker's DNAT rules.
import { containers, publishHonoursScope } from "../../helpers/probes/containers.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import { declaredContainers } from "../containers/declared.ts";
import type { Finding } from "../../helpers/spec/message.ts";

const WANT = { loopback: "published on 127.0.0.1 or ::1", lan: "published on a specific LAN address", tailnet: "published on a tailnet address" } as const;

export default invariant(
  {
    id: "EXPOSE-003",
    title: "Docker-published ports honour their declared scope",
    must: "Every host port a declared container publishes MUST be bound to an address of its declared scope (loopback: 127.0.0.1/::1; lan: a specific LAN address; tailnet: a tailnet address). An empty HostIp or a wildcard (all interfaces) MUST NOT be used; undeclared published ports are violations too.",
    fix: (f, node) => /undeclared/.test(f.expected) ? `on ${node.name}: remove the ports: entry of ${name(f)} from its compose file (or declare it in the inventory), then docker compose up -d` : `on ${node.name}: in the compose file of ${name(f)} publish on the scope's address, e.g. ports: - "127.0.0.1:<host port>:<container port>" (wanted: ${f.expected}); then docker compose up -d`,
    section: "§5.1",
    family: "exposure",
    severity: "critical",
  },
  {
    appliesTo: (node) => (node.containers ?? []).some((c) => c.publish.length > 0),
    reads: () => ({ containers }),
    check({ node, facts }) {
      const found = facts.containers;
      const findings: Finding[] = [];
      for (const { decl, c } of declaredContainers(node, found)) {
        if (!c) continue; // CONT-001/CONT-002 report a missing container
        for (const p of c.ports) {
          const subject = `container ${decl.name} port ${p.hostPort} (${p.containerPort})`;
          const where = p.hostIp === "" ? "all interfaces (empty HostIp)" : p.hostIp;
          const d = decl.publish.find((x) => x.port === p.hostPort);
          if (!d) findings.push({ subject, expected: "not published (undeclared)", actual: `published on ${where}` });
          else if (!publishHonoursScope(p.hostIp, d.scope)) findings.push({ subject, expected: `${WANT[d.scope]} (scope ${d.scope})`, actual: `published on ${where}` });
        }
      }
      return findings;
    },
  },
);

// Where a finding names it (the subject the check above writes), for the fix line.
const name = (f: Finding): string => /^container (\S+)/.exec(f.subject)?.[1] ?? "<container>";
