// §2.4 planned "Off-site backup for critical subsets" (and "full-site disasters (no off-site)" as
// the risk it answers): once the operator declares the restic repository off-site, restic must in
// fact reach it off the site: not a disk of the node, not a homelab node, not an address that only
// exists on the LAN. Judged on where the node's restic connects (helpers/probes/restic-location.ts).
import { resticLocation, siteAddress, type ResticLocation } from "../../helpers/probes/restic-location.ts";
import type { Inventory, NodeDecl } from "../../helpers/inventory/types.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";
import { RESTIC_PLANNED } from "../../helpers/spec/backup-text.ts";

/** Why the repository is on the site, or undefined when restic reaches it off the site (pure: unit-tested). */
export function onSite(loc: ResticLocation, inventory: Inventory): string | undefined {
  const t = loc.target;
  if (t.kind === "cloud") return undefined;
  if (t.kind === "configured") return `${t.backend}: takes its server from its own configuration, which the suite does not read: declare the repository by its host (sftp:, rest:, s3:) to have it judged`;
  const homelab = (h: string) => inventory.nodes.find((n) => n.name === h || n.ssh?.host === h);
  const host = t.kind === "host" ? t.host : loc.mountHost;
  if (t.kind === "path" && !host) return `a path on ${loc.mount?.source ?? "a local filesystem"} (${loc.mount?.fstype ?? "?"}, mounted at ${loc.mount?.target ?? "?"}): a disk of the node itself`;
  const node = homelab(host!);
  if (node) return `${host} is the homelab's own node ${node.name}`;
  if (siteAddress(host!)) return `${host} is ${siteAddress(host!)}`;
  if (loc.addresses.length === 0) return `the node cannot resolve ${host} (getent ahosts): restic cannot reach it either`;
  const local = loc.addresses.filter((a) => siteAddress(a) || inventory.nodes.some((n) => n.ssh?.host === a));
  if (local.length) return `${host} resolves to ${local.map((a) => `${a} (${siteAddress(a) ?? "a homelab node"})`).join(", ")} on the node`;
  return undefined;
}

export default invariant(
  {
    id: "DATA-031",
    title: "The off-site backup repository is off the site",
    must:
      "On every node that declares `backups.restic` with `offsite: true`, the repository MUST be reached off the site as restic reaches it from that node: not a path on a local filesystem of the node (`findmnt -T`; a network filesystem is judged by its server), not a node of the inventory, and its host MUST NOT resolve on the node (`getent ahosts`) to a loopback, private (RFC 1918, IPv6 ULA) or link-local address; a cloud backend (b2:, azure:, gs:) is off-site. Until `offsite` is declared it is skipped as planned (§2.4).",
    fix: (f, node) => `on ${node.name}: copy the repository off the site (restic copy --from-repo ${f.subject.replace(/^restic repository /, "")} --repo sftp:USER@OFFSITE-HOST:/path, or a cloud backend), point backups.restic.repository and the backup job at it`,
    section: "§2.4",
    family: "data",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.backups?.restic?.offsite === true,
    planned: (node) =>
      node.backups && !node.backups.restic
        ? RESTIC_PLANNED
        : node.backups?.restic && node.backups.restic.offsite !== true
          ? "planned in §2.4 (off-site backup): backups.restic is not declared off-site; declare backups.restic.offsite: true once its repository is off the site"
          : undefined,
    reads: (node) => ({ location: resticLocation(node.backups!.restic!.repository) }),
    check({ node, inventory, facts }): Finding[] {
      const why = onSite(facts.location, inventory);
      const repo = node.backups!.restic!.repository;
      return why ? [{ subject: `restic repository ${repo}`, expected: "reached off the site (§2.4 off-site backup)", actual: why }] : [];
    },
  },
);
