// §5.3 "Consistent UID/GID handling across boundaries to avoid permission drift": whoever connects,
// a share's files are created as its declared owner (`force user` / `force group`), and the files
// already there belong to that owner.
import { type OwnerSample } from "../../helpers/probes/samba-owners.ts";
import { sambaConfig, shareParam, hasShare } from "../../helpers/probes/samba-config.ts";
import { ownersProbe } from "../../helpers/probes/samba-owners.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";
import { consumersOf } from "./resolve.ts";

export default invariant(
  {
    id: "IDENT-003",
    title: "Each share forces the declared owner",
    must:
      "Every share that declares an owner MUST force it in Samba's effective config (`force user` = forceUser, `force group` = forceGroup), and the files and folders under its path MUST be owned by that user and group (checked on a sample: the first `ownerSample` entries `find` lists; the first offenders are named).",
    fix: (f, node) => /owned|owner|files/i.test(f.expected + f.actual) && !/force/.test(f.expected) ? `on ${node.name}: chown -R <forceUser>:<forceGroup> <share path> (wanted: ${f.expected})` : `on ${node.name}: in smb.conf, [${share(f)}] force user = <forceUser> and force group = <forceGroup> (wanted: ${f.expected}); then smbcontrol smbd reload-config`,
    section: "§5.3",
    family: "identity",
    severity: "critical",
  },
  {
    appliesTo: (node) => (node.shares?.exports ?? []).some((s) => s.forceUser !== undefined || s.forceGroup !== undefined),
    reads: (node) => ({ sambaConfig, owners: ownersProbe(node.shares!) }),
    check({ node, inventory, facts }) {
      const cfg = facts.sambaConfig;
      const samples = facts.owners;
      const findings: Finding[] = [];
      for (const share of node.shares!.exports.filter((s) => s.forceUser !== undefined || s.forceGroup !== undefined)) {
        const subject = `share ${share.name}`;
        const owner = `${share.forceUser ?? "(any)"}:${share.forceGroup ?? "(any)"}`;
        if (!hasShare(cfg, share.name)) {
          findings.push({ subject, expected: `force user/group = ${owner}`, actual: "the share is not in the effective config" });
          continue;
        }
        for (const [key, want] of [["force user", share.forceUser], ["force group", share.forceGroup]] as const) {
          const got = shareParam(cfg, share.name, key) ?? "";
          if (want !== undefined && got !== want) {
            // The chain, when the inventory names who writes through this share from where.
            const writers = share.rw.flatMap((id) => consumersOf(share.name, id, inventory.nodes).map((n) => `${id} (${n})`));
            const chain = got && writers.length ? `: writes by ${writers.join(", ")} land as ${got}, not ${want}` : "";
            findings.push({ subject, expected: `${key} = ${want} (the share's declared owner)`, actual: got ? `${key} = ${got}${chain}` : `no ${key}: files are created as whoever connects` });
          }
        }
        const sample = samples.find((s) => s.share === share.name);
        if (share.ownerSample === 0 || !sample) continue;
        const where = `${subject}, files under ${share.path}`;
        if (sample.missing) findings.push({ subject: where, expected: `a directory owned by ${owner}`, actual: "the path does not exist on the node" });
        else if (sample.offenders > 0) findings.push({ subject: where, expected: `owned by ${owner}`, actual: describeOffenders(sample) });
      }
      return findings;
    },
  },
);

function describeOffenders(s: OwnerSample): string {
  const named = s.first.map((o) => `${o.path} (${o.owner}:${o.group})`).join(", ");
  const more = s.offenders - s.first.length;
  return `${s.offenders} of ${s.sampled} sampled entries are not: ${named}${more > 0 ? ` and ${more} more` : ""}`;
}

// Where a finding names it (the subject the check above writes), for the fix line.
const share = (f: Finding): string => /share (\S+?),?(?:\s|$)/.exec(f.subject)?.[1] ?? "<share>";
