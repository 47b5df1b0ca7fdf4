// §3.2 "services mount RO where possible", §5.3 "RO shares for consumers: Jellyfin,
// Audiobookshelf, Calibre-Web": a read-only consumer is read-only twice, at the mount layer on the
// consumer and on the storage side for its identity.
import { declaredAccess } from "../../helpers/inventory/sections/shares.ts";
import { mountDefinition } from "../../helpers/probes/network-mounts.ts";
import { networkMountsProbe } from "../../helpers/probes/network-mounts.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

/** ro or rw as mount resolves them: the last of the two wins; neither means rw. */
function rwOf(options: string[]): "ro" | "rw" {
  const last = options.filter((o) => o === "ro" || o === "rw").at(-1);
  return last === "ro" ? "ro" : "rw";
}

export default invariant(
  {
    id: "SHARE-004",
    title: "Read-only consumers mount read-only with a read-only identity",
    must: "A network mount declared `ro` MUST say `ro` in its /etc/fstab line (or its explicit mount unit's `Options=`) and MUST be mounted `ro` (checked after a read of the mount point triggers the automount, as the node's services do), and its identity MUST be one the storage node's `shares` declaration lists as read-only on that share (never read-write) when that node is in the inventory.",
    fix: (f, node) => /identity/.test(f.subject) ? `on ${node.name}: in the /etc/fstab line of ${path(f)} name the read-only identity's credentials file (credentials=/etc/samba/credentials/<ro identity>) (wanted: ${f.expected}); then umount ${path(f)} && mount ${path(f)}` : `on ${node.name}: add ro to the options of the /etc/fstab line of ${path(f)}; then umount ${path(f)} && mount ${path(f)}`,
    section: "§3.2, §5.3",
    family: "shares",
    severity: "critical",
  },
  {
    appliesTo: (node) => (node.mounts ?? []).some((m) => m.access === "ro"),
    reads: (node) => ({ networkMounts: networkMountsProbe(node.mounts!) }),
    check({ node, inventory, facts }) {
      const nm = facts.networkMounts;
      const findings: Finding[] = [];
      for (const m of node.mounts!.filter((x) => x.access === "ro")) {
        const subject = `${m.path} (${m.source} as ${m.identity})`;
        const line = mountDefinition(nm, m.path);
        if (!line) findings.push({ subject: `${subject} /etc/fstab`, expected: "a line with ro", actual: "no /etc/fstab line and no mount unit file" });
        else if (rwOf(line.options) !== "ro") findings.push({ subject: `${subject} ${line.origin}`, expected: "ro", actual: `rw (options: ${line.options.join(",")})` });
        const live = nm.mounts.filter((x) => x.target === m.path && x.fstype !== "autofs").at(-1);
        if (!live) findings.push({ subject: `${subject} live mount`, expected: "mounted ro", actual: "not mounted after a read of the mount point (see BOOT-006 / `systemctl status` of its .mount unit)" });
        else if (rwOf(live.options) !== "ro") findings.push({ subject: `${subject} live mount`, expected: "ro", actual: `mounted rw (${live.fstype} ${live.options.join(",")})` });
        // The storage side: the node named by the source host, when it declares shares.
        const [, host, share] = /^\/\/([^/]+)\/([^/]+)$/.exec(m.source) ?? [];
        const storage = inventory.nodes.find((n) => n.name === host && n.shares);
        const exp = storage?.shares!.exports.find((s) => s.name === share);
        const access = exp && declaredAccess(exp, m.identity);
        if (exp && access !== "ro") {
          findings.push({
            subject: `${subject} identity`,
            expected: `an identity ${host}'s shares section lists read-only on ${share}`,
            actual: access === "rw" ? `${m.identity} is listed rw on ${host}:${share}` : `${m.identity} is not listed on ${host}:${share} (Samba refuses it)`,
          });
        }
      }
      return findings;
    },
  },
);

// Where a finding names it (the subject the check above writes), for the fix line.
const path = (f: Finding): string => /\/[^\s,;:()]+/.exec(f.subject)?.[0] ?? "<mount point>";
