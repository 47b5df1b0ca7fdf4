// §3.1 layer 3: a container's data path is the network mount, not a local directory that happens
// to sit where the mount should be.
import { containers, resolveOnNode } from "../../helpers/probes/containers.ts";
import { mounts } from "../../helpers/probes/mounts.ts";
import { dockerLogs, mountDiagnostics, unique } from "../../helpers/spec/diagnostics.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import { declaredContainers } from "./declared.ts";
import type { Finding } from "../../helpers/spec/message.ts";

const PROPAGATES = new Set(["rslave", "rshared", "slave", "shared"]);

export default invariant(
  {
    id: "BOOT-005",
    title: "Container data paths are the declared network mounts",
    must: "A declared container data path MUST resolve, through the container's binds, onto the declared node mountpoint (e.g. the /mnt/media automount), and that mountpoint MUST be in the node's mount table; a bind of a parent directory MUST propagate mounts (rslave/rshared) so the share shows inside.",
    fix: (f, node) => `on ${node.name}, in the container's compose file bind the declared mount point with mount propagation, e.g. volumes: - <mount point>:<container path>:rslave (wanted: ${f.expected}); then: docker compose up -d`,
    section: "§3.1",
    family: "boot",
    severity: "critical",
    playbook: "§4.4 CIFS mount failure in a service LXC/VM",
  },
  {
    appliesTo: (node) => (node.containers ?? []).some((c) => c.dataPaths.length > 0),
    reads: () => ({ containers, mounts }),
    check({ node, facts }) {
      const found = facts.containers;
      const table = facts.mounts;
      const findings: Finding[] = [];
      for (const { decl, c } of declaredContainers(node, found)) {
        for (const dp of decl.dataPaths) {
          const subject = `container ${decl.name} ${dp.container}`;
          const expected = `bound from the node's mount ${dp.mustBeMount}`;
          if (!c) {
            findings.push({ subject, expected, actual: "no such container" });
            continue;
          }
          const r = resolveOnNode(c, dp.container);
          if (!r) {
            findings.push({ subject, expected, actual: "not bound from the node (the container's own filesystem)" });
            continue;
          }
          const onMount = r.nodePath === dp.mustBeMount || r.nodePath.startsWith(dp.mustBeMount + "/");
          const viaParent = dp.mustBeMount.startsWith(r.mount.source.replace(/\/+$/, "") + "/");
          if (!onMount) {
            findings.push({ subject, expected, actual: `bound from ${r.nodePath} (${r.mount.source}:${r.mount.destination}), not under ${dp.mustBeMount}` });
          } else if (viaParent && !PROPAGATES.has(r.mount.propagation)) {
            findings.push({ subject, expected, actual: `bound from ${r.mount.source} with propagation ${r.mount.propagation || "none"}: the share mounted later does not show inside` });
          } else if (!table.some((m) => m.target === dp.mustBeMount)) {
            findings.push({ subject, expected, actual: `${dp.mustBeMount} is not a mount on the node (a local directory)` });
          }
        }
      }
      return findings;
    },
    // §4.4/§4.5 "confirm mounts exist before debugging app-level issues": the mountpoint (and its
    // automount when it is a declared network mount), then what the container says.
    diagnose({ node }, findings) {
      return unique(
        (node.containers ?? []).flatMap((c) =>
          c.dataPaths
            .filter((dp) => findings.length === 0 || findings.some((f) => f.subject === `container ${c.name} ${dp.container}`))
            .flatMap((dp) => [...mountDiagnostics(dp.mustBeMount, { automount: (node.mounts ?? []).some((m) => m.path === dp.mustBeMount) }), dockerLogs(c.name)]),
        ),
      );
    },
  },
);
