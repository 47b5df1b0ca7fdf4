// §4.4 "Validate UID/GID mapping expectations (especially unprivileged LXCs)", §5.3 "Consistent
// UID/GID handling across boundaries". An unprivileged LXC sees the host's files through its
// idmap: a container uid lands on the host as another uid (Proxmox's default: +100000), unless
// the map passes it through. Judged on the Proxmox host, from `pct config` and /etc/sub{u,g}id.
import type { GuestConfig, SubIdFile } from "../../helpers/probes/proxmox.ts";
import { subordinateIds } from "../../helpers/probes/proxmox.ts";
import {
  disallowedHostRanges,
  effectiveIdmap,
  idmapProblems,
  idName,
  rangeText,
  toHost,
  type EffectiveIdmap,
} from "../../helpers/probes/proxmox-idmap.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";
import { declaredGuests, guestReads, guestsWithConfigs, guestTitle } from "../boot/guests.ts";

const mapText = (map: EffectiveIdmap, raw: string) => (map.source === "default" ? `Proxmox's default map ${raw}` : `lxc.idmap: ${raw}`);

export default invariant(
  {
    id: "IDENT-002",
    title: "Unprivileged LXC idmaps map the declared identities as declared",
    must:
      "For every LXC declared on a Proxmox host: the container MUST be unprivileged as declared (default: unprivileged); its uid and gid maps MUST be well-formed, cover container ids 0-65535 and not overlap on either side; every declared identity MUST map to its declared host uid and gid (default: 100000 + id); and /etc/subuid and /etc/subgid on the host MUST allow root every host range the maps use.",
    fix: (f) => `on the Proxmox host: in /etc/pve/lxc/<vmid>.conf make the lxc.idmap lines give ${f.expected}, and let root use those host ids in /etc/subuid and /etc/subgid (root:<host id>:<count>); then pct reboot <vmid>`,
    section: "§4.4, §5.3",
    family: "identity",
    severity: "critical",
  },
  {
    appliesTo: (node, { inventory }) => node.role === "hypervisor" && declaredGuests(node, inventory).some((g) => g.type === "lxc"),
    reads: (node, scene) => ({ ...guestReads(node, scene), subordinateIds }),
    check(ctx) {
      const findings: Finding[] = [];
      const subids = ctx.facts.subordinateIds;
      for (const { guest, config } of guestsWithConfigs(ctx, findings, "lxc")) {
        const title = guestTitle(guest);
        if (config.unprivileged !== guest.unprivileged) {
          findings.push({
            subject: title,
            expected: guest.unprivileged ? "unprivileged: 1" : "a privileged container (unprivileged: 0)",
            actual: guest.unprivileged
              ? `${config.options.unprivileged === undefined ? "no unprivileged line (Proxmox's default: privileged)" : `unprivileged: ${config.options.unprivileged}`}: root in the container is root on the host`
              : "unprivileged: 1",
          });
        }
        for (const bad of config.idmapErrors) {
          findings.push({ subject: `${title} lxc.idmap`, expected: "`u|g CT-ID HOST-ID COUNT`", actual: `lxc.idmap: ${bad}: Proxmox refuses to start the container` });
        }
        const map = effectiveIdmap(config);
        if (map.source === "explicit") {
          for (const kind of ["u", "g"] as const) {
            for (const problem of idmapProblems(map.entries, kind)) {
              findings.push({
                subject: `${guest.name} ${idName(kind)} map`,
                expected: `lxc.idmap ${kind} ranges that map container ${idName(kind)}s 0-65535 once each`,
                actual: `${problem}: the container does not start`,
              });
            }
          }
        }
        findings.push(...identityFindings(guest.name, guest.identities, map, config));
        if (map.source !== "none") {
          findings.push(...subidFindings(guest.name, map, "u", subids.subuid, "/etc/subuid"));
          findings.push(...subidFindings(guest.name, map, "g", subids.subgid, "/etc/subgid"));
        }
      }
      return findings;
    },
  },
);

function identityFindings(
  name: string,
  identities: ReadonlyArray<{ name: string; uid: number; gid: number; hostUid: number; hostGid: number }>,
  map: EffectiveIdmap,
  config: GuestConfig,
): Finding[] {
  const findings: Finding[] = [];
  for (const ident of identities) {
    for (const [kind, id, want] of [["u", ident.uid, ident.hostUid], ["g", ident.gid, ident.hostGid]] as const) {
      const got = toHost(map, kind, id);
      if (got && got.host === want) continue;
      const what = idName(kind);
      const subject = `${name} ${what} ${id} (${ident.name})`;
      const expected = `host ${what} ${want}`;
      if (!got) {
        findings.push({
          subject,
          expected,
          actual: `not mapped by any lxc.idmap ${kind} range: inside ${name} the host's files show as nobody, and it can neither own nor write them`,
        });
        continue;
      }
      const via = got.via ? ` (${mapText(map, got.via.raw)})` : config.unprivileged ? "" : " (privileged: container ids are host ids)";
      // The chain in one line: container id → host id, against the storage that expects another.
      const binds = bindMounts(config);
      const storage = binds.length ? `its bind mount${binds.length > 1 ? "s" : ""} ${binds.join(", ")} expect${binds.length > 1 ? "" : "s"} ${want}` : `host-side storage expects ${want}`;
      findings.push({
        subject,
        expected,
        actual: `${ident.name} (${name}) ${what} ${id} → host ${got.host}${via}, but ${storage}: its writes land as ${got.host}, an unknown owner, and files owned by ${want} are not its own`,
      });
    }
  }
  return findings;
}

/** The CT's bind mounts (mpN: HOST-PATH,mp=CT-PATH), as "host:/mnt/pve/x → /mnt/x". */
function bindMounts(config: GuestConfig): string[] {
  return Object.entries(config.options)
    .filter(([k, v]) => /^mp\d+$/.test(k) && v.startsWith("/"))
    .map(([, v]) => {
      const [host, ...rest] = v.split(",");
      const mp = rest.find((o) => o.startsWith("mp="))?.slice(3);
      return `${host}${mp ? ` → ${mp}` : ""}`;
    });
}

function subidFindings(name: string, map: EffectiveIdmap, kind: "u" | "g", file: SubIdFile, path: string): Finding[] {
  return disallowedHostRanges(map.entries, kind, file).map(({ entry, missing }) => {
    const root = file.ranges.filter((r) => r.owner === "root" || r.owner === "0");
    const has = !file.exists ? `${path} does not exist` : root.length ? `${path} allows root ${root.map((r) => rangeText([r.start, r.start + r.count])).join(", ")}` : `${path} has no range for root`;
    return {
      subject: `${name} ${mapText(map, entry.raw)}`,
      expected: `${path} to allow root host ${idName(kind)}s ${rangeText([entry.host, entry.host + entry.count])}`,
      actual: `${has}; ${missing.map(rangeText).join(", ")} not allowed: the container does not start`,
    };
  });
}
