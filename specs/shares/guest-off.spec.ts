// §0 "Storage boundary: strong segmentation at SMB layer": every access to the storage VM is by a
// named identity; no anonymous or guest access, in the config or in fact.
import { describeFailure } from "../../helpers/probes/samba-access.ts";
import { isYes, sambaConfig, shareParam } from "../../helpers/probes/samba-config.ts";
import { sambaShares, servedShares } from "../../helpers/probes/samba-shares.ts";
import { sambaGuest } from "../../helpers/probes/samba-access.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

const WHO: Record<string, string> = {
  anonymous: "anonymous login (smbclient -N)",
  "unknown-user": "login as an unknown user (map to guest would make it the guest)",
};

export default invariant(
  {
    id: "SHARE-003",
    title: "Guest access is off",
    must:
      "Guest access MUST be off on the storage node: `map to guest` MUST be `Never`, no share smbd serves (declared or not, usershares included: `guest_ok=y` with `usershare allow guests`) may be `guest ok`, and on every share an anonymous login (smbclient -N) and a login as an unknown user MUST be refused, probed live.",
    fix: (f, node) => /map to guest/.test(f.subject) ? `on ${node.name}: in smb.conf, [global] map to guest = Never; then smbcontrol smbd reload-config` : `on ${node.name}: in smb.conf, [${share(f)}] guest ok = no (and usershare allow guests = no in [global]); then smbcontrol smbd reload-config`,
    section: "§0, §5.3",
    family: "shares",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.shares !== undefined,
    reads: (node, { options }) => ({ sambaConfig, sambaShares, guest: sambaGuest(node.shares!.smbHost, options.nonce) }),
    check({ facts }) {
      const cfg = facts.sambaConfig;
      const findings: Finding[] = [];
      const mapToGuest = cfg.global["map to guest"] ?? "";
      if (mapToGuest.toLowerCase() !== "never") {
        findings.push({ subject: "[global] map to guest", expected: "Never (a failed login is refused, never turned into the guest)", actual: `map to guest = ${mapToGuest}` });
      }
      for (const s of cfg.shares) {
        if (isYes(shareParam(cfg, s.name, "guest ok"))) findings.push({ subject: `share ${s.name}`, expected: "guest ok = No", actual: "guest ok = Yes" });
      }
      // Usershares are not in testparm's view: their guest_ok comes from net usershare.
      for (const s of servedShares(cfg, facts.sambaShares).filter((x) => x.guestOk)) {
        findings.push({ subject: `share ${s.name}`, expected: "guest ok = No", actual: `guest_ok=y (${s.source}, usershare allow guests = Yes)` });
      }
      for (const step of facts.guest.steps) {
        const subject = `share ${step.share}, ${WHO[step.step] ?? step.step}`;
        if (step.ok) {
          findings.push({ subject, expected: "refused", actual: "connected and listed the share as the guest" });
        } else if (step.at === "operation") {
          findings.push({ subject, expected: "refused", actual: `connected to the share (${describeFailure(step, "ls")} after that)` });
        } else if (step.at !== "login" && step.at !== "tree connect") {
          findings.push({ subject, expected: "refused", actual: `cannot tell: ${describeFailure(step, "ls")}` });
        }
      }
      return findings;
    },
  },
);

// Where a finding names it (the subject the check above writes), for the fix line.
const share = (f: Finding): string => /share (\S+?),?(?:\s|$)/.exec(f.subject)?.[1] ?? "<share>";
