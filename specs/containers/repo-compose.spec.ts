// §7 "IaC-style documentation: compose files in repo (sanitized)": the repo's copy is documentation
// only while it describes what runs. Each declared compose copy, read on the node that keeps the
// checkout (a peer read when that is another node), is compared with the containers of its project
// on this node (helpers/probes/compose-file.ts for the rules of the Compose Specification it
// follows, ./compose-match.ts for what is compared).
import { keptOn } from "../../helpers/inventory/sections/repo-copies.ts";
import { composeFile, type ComposeFileFact } from "../../helpers/probes/compose-file.ts";
import { containers } from "../../helpers/probes/containers.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";
import { compareProject } from "./compose-match.ts";

export default invariant(
  {
    id: "CONT-003",
    title: "The repo's compose files match the containers that run",
    must:
      "For every compose file a node declares under `repoCopies.compose` (read on `repoCopies.keptOn`, the node that keeps the repo checkout), each service MUST run as a container (by its `container_name`, else by the labels com.docker.compose.project/service) with the file's image, restart policy, published ports, volumes (bind source and target, read-only, propagation when set) and environment variable NAMES (values are never read), and no container of the project may run that the file does not describe. Values holding an unresolved `${VAR}` are not compared (the result says which).",
    fix: (f, node) => `update the repo copy ${f.expected.match(/\(([^()]*)\)$/)?.[1] ?? node.repoCopies?.compose.map((c) => c.file).join(" or ") ?? "of the compose file"} on ${keptOn(node)} to what runs, or re-deploy from it on ${node.name}: docker compose -p <project> -f <the copy> up -d (${f.subject})`,
    section: "§7, §3.1",
    family: "containers",
    severity: "normal",
  },
  {
    appliesTo: (node) => (node.repoCopies?.compose.length ?? 0) > 0,
    reads: (node) => ({
      containers,
      ...(keptOn(node) === node.name ? Object.fromEntries(node.repoCopies!.compose.map((c, i) => [`compose${i}`, composeFile(c.file)])) : {}),
    }),
    peers: (node) => (keptOn(node) === node.name ? [] : node.repoCopies!.compose.map((c) => ({ node: keptOn(node), probe: composeFile(c.file) }))),
    check({ node, facts, peer }) {
      const decl = node.repoCopies!;
      const holder = keptOn(node);
      const findings: Finding[] = [];
      decl.compose.forEach((copy, i) => {
        const subject = `compose ${copy.project} ${copy.file} on ${holder}`;
        let fact: ComposeFileFact;
        if (holder === node.name) fact = (facts as Record<string, unknown>)[`compose${i}`] as ComposeFileFact;
        else {
          const p = peer(holder, composeFile(copy.file));
          if (!p.ok) {
            findings.push({ subject, expected: "the repo copy read on the node that keeps the checkout", actual: `not read: ${p.why}` });
            return;
          }
          fact = p.value;
        }
        if (!fact.exists) return void findings.push({ subject, expected: `the compose file kept in the repo checkout (${copy.file})`, actual: "it does not exist or cannot be read" });
        if (fact.error) return void findings.push({ subject, expected: `a compose file (${copy.file})`, actual: fact.error });
        const { findings: f, notes } = compareProject({ project: copy.project, fact }, facts.containers);
        // What was not compared (unresolved interpolation, profiles) goes with the copy's first failure.
        findings.push(...f.map((x, j) => (j === 0 && notes.length ? { ...x, actual: `${x.actual} [${notes.join("; ")}]` } : x)));
      });
      return findings;
    },
  },
);
