// §4.4 "credentials files", §5.3 least privilege: an SMB password on a consumer is readable by
// root only, and the file logs in as the identity the document assigns to the mount.
import { judgeSecretFile } from "../../helpers/probes/file-access.ts";
import { effectiveCifsUser, mountDefinition, networkMountsProbe, userLinesOf, type CredentialsFile } from "../../helpers/probes/network-mounts.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

export default invariant(
  {
    id: "SHARE-005",
    title: "SMB credentials files are root-only and name the declared identity",
    must: "The credentials file of every network mount — the one its /etc/fstab line or its mount unit names with `credentials=`, which MUST be the one the inventory declares — MUST exist and, as mount.cifs opens it (through any symlink), be a regular file owned by root with mode 0600 or stricter (no group or other bits), every directory on its real path owned by root and writable by root only; the user mount.cifs logs in as (its credentials parser: any key starting with `user` in any case, the last one wins; `user=` options in order) MUST be the declared identity, and so MUST the `username=` of the live cifs mount where the mount table shows it. No password may be written in the fstab line or the unit itself (`password=`, `username=user%password`: both files are world-readable). The suite reads only the owner, the mode and the `username=` line, never the password (an inline one is masked on the node).",
    fix: (f, node) => /mode|owner/.test(f.subject) ? `on ${node.name}: chown root:root ${path(f)} && chmod 600 ${path(f)}` : /username/.test(f.subject) ? `on ${node.name}: in ${path(f)} write the line username=${f.expected.replace(/^\W*(\S+?)\W*$/, "$1")} (one user line only)` : `on ${node.name}: move the password out of the /etc/fstab line (or unit) into a root-only credentials file (username=, password= lines; chmod 600) named by credentials=<file> (wanted: ${f.expected})`,
    section: "§4.4, §5.3",
    family: "shares",
    severity: "critical",
  },
  {
    appliesTo: (node) => (node.mounts?.length ?? 0) > 0,
    reads: (node) => ({ networkMounts: networkMountsProbe(node.mounts!) }),
    check({ node, facts }) {
      const nm = facts.networkMounts;
      const findings: Finding[] = [];
      for (const m of node.mounts!) {
        // The file the mount really uses: the one its definition names (fstab line or unit).
        const def = mountDefinition(nm, m.path);
        if (def?.inlinePassword) {
          findings.push({ subject: `${m.path} ${def.origin}`, expected: `credentials=${m.credentials} (a root-only file)`, actual: `a password written inline (${def.options.filter((o) => /^(password2?|pass|user(name)?)=/.test(o)).join(",")}): ${def.origin} is readable by every local user` });
        }
        if (def && def.credentials === undefined) {
          if (!def.inlinePassword) findings.push({ subject: `${m.path} ${def.origin}`, expected: `credentials=${m.credentials}`, actual: "no credentials= option" });
        } else {
          const used = def?.credentials ?? m.credentials;
          if (used !== m.credentials) {
            findings.push({ subject: `${m.path} ${def!.origin} credentials=`, expected: `${m.credentials} (as declared)`, actual: used });
          }
          findings.push(...judgeFile(`${used} (${m.path})`, nm.credentials[used]));
        }
        // The user mount.cifs logs in as: the definition's options in order, the credentials file
        // read as mount.cifs reads it (helpers/probes/network-mounts.ts, effectiveCifsUser).
        if (def) {
          const eff = effectiveCifsUser(def, nm.credentials);
          const c = def.credentials !== undefined ? nm.credentials[def.credentials] : undefined;
          if (eff.guest) findings.push({ subject: `${m.path} ${def.origin} guest`, expected: `a login as ${m.identity}`, actual: "the guest option: mount.cifs logs in with no user" });
          else if (eff.user === undefined) {
            if (!c || c.exists) findings.push({ subject: `${m.path} user`, expected: m.identity, actual: `no user line: ${eff.from}` });
          } else if (eff.user !== m.identity) {
            findings.push({ subject: `${m.path} user mount.cifs logs in as`, expected: m.identity, actual: `${JSON.stringify(eff.user)}, from ${eff.from}` });
          }
          const lines = c ? userLinesOf(c) : [];
          if (lines.length > 1) {
            findings.push({ subject: `${def.credentials} (${m.path}) user lines`, expected: "one user line", actual: `${lines.length}: ${lines.map((u) => JSON.stringify(`${u.key}=${u.value}`)).join(", ")} (mount.cifs takes the last)` });
          }
          // The live mount shows the user in effect (the kernel's cifs options: `username=`);
          // FUSE stand-ins (the lab's smbfuse) do not show it, and then only the definition is judged.
          for (const live of nm.mounts.filter((x) => CIFS.has(x.fstype))) {
            const u = live.optionMap.username;
            if (typeof u === "string" && u !== m.identity) {
              findings.push({ subject: `${m.path} live mount (${live.source}, ${live.fstype})`, expected: `username=${m.identity}`, actual: `username=${u}: the mounted share is logged in as ${u}${eff.user !== undefined && eff.user !== u ? `, while the definition now says ${JSON.stringify(eff.user)} (${eff.from}): the file changed since it was mounted` : ""}` });
            }
          }
        }
      }
      return findings;
    },
  },
);

const CIFS = new Set(["cifs", "smb3"]);

function judgeFile(subject: string, c: CredentialsFile | undefined): Finding[] {
  // As mount.cifs opens it: through links, with the directories on its path (judgeSecretFile).
  return judgeSecretFile(subject, c);
}

// Where a finding names it (the subject the check above writes), for the fix line.
const path = (f: Finding): string => /\/[^\s,;:()]+/.exec(f.subject)?.[0] ?? "<mount point>";
