// §3.1 layer 3: containers use `restart: unless-stopped`, so they come back after a reboot.
import { containers } from "../../helpers/probes/containers.ts";
import { dockerPsAll, restartHistory, unique } from "../../helpers/spec/diagnostics.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import { declaredContainers } from "./declared.ts";
import type { Finding } from "../../helpers/spec/message.ts";

export default invariant(
  {
    id: "CONT-001",
    title: "Containers have their declared restart policy",
    must: "Every declared container MUST exist and MUST have the restart policy the inventory declares (default `unless-stopped`), so it comes back after a reboot.",
    fix: (f, node) => `on ${node.name}: docker update --restart ${f.expected.replace(/^.*?(no|always|unless-stopped|on-failure(?::\d+)?)\b.*$/, "$1")} ${name(f)} (and restart: the same in its compose file, so a re-create keeps it)`,
    section: "§3.1",
    family: "containers",
    severity: "critical",
    playbook: "§4.5 Container failure / restart loops",
  },
  {
    appliesTo: (node) => (node.containers ?? []).length > 0,
    reads: () => ({ containers }),
    check({ node, facts }) {
      const found = facts.containers;
      const findings: Finding[] = [];
      for (const { decl, c } of declaredContainers(node, found)) {
        if (!c) findings.push({ subject: `container ${decl.name}`, expected: `restart policy ${decl.restart}`, actual: "no such container" });
        else if (c.restartPolicy !== decl.restart)
          findings.push({ subject: `container ${decl.name}`, expected: `restart policy ${decl.restart}`, actual: `restart policy ${c.restartPolicy}` });
      }
      return findings;
    },
    // §4.5: the restart history of each container with the wrong policy; `docker ps -a` when one is missing.
    diagnose: (_ctx, findings) =>
      unique(findings.map((f) => (f.actual === "no such container" ? dockerPsAll : restartHistory(f.subject.replace(/^container /, ""))))),
  },
);

// Where a finding names it (the subject the check above writes), for the fix line.
const name = (f: Finding): string => /^container (\S+)/.exec(f.subject)?.[1] ?? "<container>";
