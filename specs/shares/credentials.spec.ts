// §4.4 "credentials files", §5.3 least privilege: an SMB password on a consumer is readable by
// root only, and the file logs in as the identity the document assigns to the mount.
import { exampleNetworkMounts } from "../../helpers/facts/planners/mounts.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

invariant(
  {
    id: "SHARE-005",
    title: "SMB credentials files are root-only and name the declared identity",
    must: "The credentials file of every network mount MUST exist, be owned by root, have mode 0600 or stricter (no group or other bits), and its `username=` MUST be the declared identity. The suite reads only the owner, the mode and the `username=` line, never the password.",
    section: "§4.4, §5.3",
    family: "shares",
    severity: "critical",
  },
  {
    appliesTo: (node) => (node.mounts?.length ?? 0) > 0,
    probes: [exampleNetworkMounts],
    check({ node, fact }) {
      const nm = fact(exampleNetworkMounts);
      const findings: Finding[] = [];
      for (const m of node.mounts!) {
        const subject = `${m.credentials} (${m.path})`;
        const c = nm.credentials[m.credentials];
        if (!c || !c.exists) {
          findings.push({ subject, expected: "a credentials file", actual: "missing" });
          continue;
        }
        if (c.owner !== "root") findings.push({ subject: `${subject} owner`, expected: "root", actual: `${c.owner}:${c.group}` });
        const mode = parseInt(c.mode!, 8);
        if ((mode & 0o077) !== 0) findings.push({ subject: `${subject} mode`, expected: "0600 (no group/other bits)", actual: `0${(mode & 0o7777).toString(8).padStart(3, "0")}` });
        if (c.usernames.length !== 1 || c.usernames[0] !== m.identity) {
          findings.push({ subject: `${subject} username=`, expected: m.identity, actual: c.usernames.length === 0 ? "no username= line" : c.usernames.join(", ") });
        }
      }
      return findings;
    },
  },
);
