// §4.5: containers run, healthy, and not in a restart loop.
import { containers } from "../../helpers/probes/containers.ts";
import { dockerPsAll, findmntT, restartHistory, dockerLogs, unique } from "../../helpers/spec/diagnostics.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import { declaredContainers } from "./declared.ts";
import type { Finding } from "../../helpers/spec/message.ts";

export default invariant(
  {
    id: "CONT-002",
    title: "Containers are running, healthy and not restart-looping",
    must: "Every declared container MUST be running, MUST NOT report `unhealthy` (and MUST have a healthcheck when declared with one; `starting` is tolerated), and its RestartCount MUST NOT exceed the declared maxRestarts (default 3).",
    fix: (f, node) => /no such container/.test(f.actual) ? `on ${node.name}: docker compose up -d ${name(f)} (in the folder of its compose file)` : /healthcheck/.test(f.expected) ? `on ${node.name}: give ${name(f)} a healthcheck: in its compose file (healthcheck: test: [...]), then docker compose up -d` : `on ${node.name}: docker logs --tail 50 ${name(f)} shows why it stops; fix that cause, then: docker restart ${name(f)}`,
    section: "§4.5",
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
        const subject = `container ${decl.name}`;
        if (!c) {
          findings.push({ subject, expected: "running", actual: "no such container" });
          continue;
        }
        if (!c.running) findings.push({ subject, expected: "running", actual: `${c.status || "not running"} (RestartCount ${c.restartCount})` });
        if (c.restartCount > decl.maxRestarts)
          findings.push({ subject, expected: `RestartCount ≤ ${decl.maxRestarts}`, actual: `RestartCount ${c.restartCount}: a restart loop (docker logs ${decl.name})` });
        if (decl.healthcheck && c.health === undefined) findings.push({ subject, expected: "a healthcheck", actual: "no healthcheck" });
        else if (decl.healthcheck && c.health === "unhealthy") findings.push({ subject, expected: "healthy", actual: "unhealthy" });
      }
      return findings;
    },
    // §4.5: "confirm mounts exist before debugging app-level issues" (findmnt -T of its declared
    // data paths), then the restart history and the container's logs.
    diagnose({ node }, findings) {
      return unique(
        (node.containers ?? [])
          .filter((c) => findings.length === 0 || findings.some((f) => f.subject === `container ${c.name}`))
          .flatMap((c) =>
            findings.some((f) => f.subject === `container ${c.name}` && f.actual === "no such container")
              ? [dockerPsAll]
              : [...c.dataPaths.map((dp) => findmntT(dp.mustBeMount)), restartHistory(c.name), dockerLogs(c.name)],
          ),
      );
    },
  },
);

// Where a finding names it (the subject the check above writes), for the fix line.
const name = (f: Finding): string => /^container (\S+)/.exec(f.subject)?.[1] ?? "<container>";
