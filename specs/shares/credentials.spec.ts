// §4.4 "credentials files", §5.3 least privilege: an SMB password on a consumer is readable by
// root only, and the file logs in as the identity the document assigns to the mount.
import { mountDefinition, type CredentialsFile } from "../../helpers/probes/network-mounts.ts";
import { networkMountsProbe } from "../../helpers/probes/network-mounts.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

export default invariant(
  {
    id: "SHARE-005",
    title: "SMB credentials files are root-only and name the declared identity",
    must: "The credentials file of every network mount — the one its /etc/fstab line or its mount unit names with `credentials=`, which MUST be the one the inventory declares — MUST exist, be owned by root, have mode 0600 or stricter (no group or other bits), and its `username=` MUST be the declared identity. No password may be written in the fstab line or the unit itself (`password=`, `username=user%password`: both files are world-readable). The suite reads only the owner, the mode and the `username=` line, never the password (an inline one is masked on the node).",
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
        if (def?.inlineUser !== undefined && def.inlineUser !== m.identity) {
          findings.push({ subject: `${m.path} ${def.origin} username=`, expected: m.identity, actual: def.inlineUser });
        }
        if (def && def.credentials === undefined) {
          if (!def.inlinePassword) findings.push({ subject: `${m.path} ${def.origin}`, expected: `credentials=${m.credentials}`, actual: "no credentials= option" });
          continue;
        }
        const used = def?.credentials ?? m.credentials;
        if (used !== m.credentials) {
          findings.push({ subject: `${m.path} ${def!.origin} credentials=`, expected: `${m.credentials} (as declared)`, actual: used });
        }
        findings.push(...judgeFile(`${used} (${m.path})`, nm.credentials[used], m.identity));
      }
      return findings;
    },
  },
);

function judgeFile(subject: string, c: CredentialsFile | undefined, identity: string): Finding[] {
  if (!c || !c.exists) return [{ subject, expected: "a credentials file", actual: "missing" }];
  const findings: Finding[] = [];
  if (c.owner !== "root") findings.push({ subject: `${subject} owner`, expected: "root", actual: `${c.owner}:${c.group}` });
  const mode = parseInt(c.mode!, 8);
  if ((mode & 0o077) !== 0) findings.push({ subject: `${subject} mode`, expected: "0600 (no group/other bits)", actual: `0${(mode & 0o7777).toString(8).padStart(3, "0")}` });
  if (c.usernames.length !== 1 || c.usernames[0] !== identity) {
    findings.push({ subject: `${subject} username=`, expected: identity, actual: c.usernames.length === 0 ? "no username= line" : c.usernames.join(", ") });
  }
  return findings;
}

// Where a finding names it (the subject the check above writes), for the fix line.
const path = (f: Finding): string => /\/[^\s,;:()]+/.exec(f.subject)?.[0] ?? "<mount point>";
