// §5.3 "Consistent UID/GID handling across boundaries", issue #7 (items 2 and 5): the proof of the
// chain is a real write. The SHARE-001 probe puts a uniquely named file through smbd as each
// read-write identity; the storage node then stats it (`stat -c %u:%g`) before it is removed. The
// owner it shows is what every other consumer of the share (and the storage node itself) sees:
// it must be the share's declared owner, whatever `force user`/`force group`, the account
// database, directory set-gid bits or the pool underneath make of it.
import type { ShareDecl } from "../../helpers/inventory/sections/shares.ts";
import { accounts, type Accounts } from "../../helpers/probes/accounts.ts";
import { findStep, type AccessMatrix } from "../../helpers/probes/samba-access.ts";
import { accessPlan, sambaAccess } from "../../helpers/probes/samba-access.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";
import { consumersOf, describeOwner, resolveId } from "./resolve.ts";

const owned = (s: ShareDecl) => (s.forceUser !== undefined || s.forceGroup !== undefined) && s.rw.length > 0;

export default invariant(
  {
    id: "IDENT-006",
    title: "A real write through the share lands owned by the share's declared owner",
    must:
      "For every share that declares an owner (forceUser/forceGroup) and read-write identities: a file each read-write identity creates through smbd (the SHARE-001 write probe, a uniquely named file removed again) MUST be owned on the storage node by the declared owner's uid and gid (names resolved with the storage node's getent). Mutating: runs on the lab, and on live nodes only with `--allow-writes`. A write that is refused is SHARE-001's finding, not this one's.",
    fix: (f, node) => `on ${node.name}: in smb.conf, [${share(f)}] force user = <forceUser> and force group = <forceGroup> (wanted: ${f.expected}); then smbcontrol smbd reload-config`,
    section: "§5.3",
    family: "identity",
    severity: "critical",
    mutates: true,
  },
  {
    appliesTo: (node, { options }) => (node.shares?.exports ?? []).some(owned) && options.writes.allowed,
    planned: (node) =>
      (node.shares?.exports ?? []).some(owned)
        ? "write probes are off (run with --allow-writes on live nodes): the owner of a real write cannot be seen; IDENT-003 checks force user/group from the config"
        : undefined,
    reads: (node, { options }) => ({ access: sambaAccess(accessPlan(node.shares!, options.nonce, options.writes)), accounts }),
    check(ctx) {
      const m = ctx.facts.access;
      const acc = ctx.facts.accounts;
      return ctx.node.shares!.exports.filter(owned).flatMap((s) => writeOwnerFindings(ctx.node.name, s, m, acc, (share, id) => consumersOf(share, id, ctx.inventory.nodes)));
    },
  },
);

/** One finding per read-write identity whose probe file landed with another owner. */
export function writeOwnerFindings(node: string, share: ShareDecl, m: AccessMatrix, acc: Accounts, consumers: (share: string, identity: string) => string[]): Finding[] {
  const wantUid = share.forceUser === undefined ? undefined : resolveId(acc, "user", share.forceUser);
  const wantGid = share.forceGroup === undefined ? undefined : resolveId(acc, "group", share.forceGroup);
  const declared = `${share.forceUser ?? "(any)"}:${share.forceGroup ?? "(any)"}`;
  const findings: Finding[] = [];
  for (const identity of share.rw) {
    const put = findStep(m, share.name, identity, "put");
    const owner = put?.notes.owner;
    // No file landed (write refused, skipped, or the probe stopped): nothing to judge here.
    if (!put || !put.ok || !owner) continue;
    const o = /^(\d+):(\d+)$/.exec(owner);
    const subject = `share ${share.name}, identity ${identity}`;
    if (!o) {
      findings.push({ subject, expected: `a probe file owned by ${declared}`, actual: `unreadable owner ${JSON.stringify(owner)}` });
      continue;
    }
    const [uid, gid] = [Number(o[1]), Number(o[2])];
    const expected = `owned by ${declared}${wantUid !== undefined || wantGid !== undefined ? ` (${wantUid ?? "*"}:${wantGid ?? "*"})` : ""}, the share's declared owner`;
    const unresolved = [share.forceUser !== undefined && wantUid === undefined ? `user ${share.forceUser}` : "", share.forceGroup !== undefined && wantGid === undefined ? `group ${share.forceGroup}` : ""].filter(Boolean);
    if (unresolved.length) {
      findings.push({ subject, expected, actual: `${unresolved.join(" and ")} does not exist on ${node} (getent); a write lands as ${describeOwner(acc, uid, gid)}` });
      continue;
    }
    if ((wantUid === undefined || uid === wantUid) && (wantGid === undefined || gid === wantGid)) continue;
    const who = consumers(share.name, identity);
    const writer = who.length ? `${identity} (${who.join(", ")})` : identity;
    findings.push({
      subject,
      expected,
      actual: `${writer} writes to share \`${share.name}\` as identity ${identity} → server owner ${describeOwner(acc, uid, gid)}, expected ${declared} ${wantUid ?? "*"}:${wantGid ?? "*"}: files other consumers read will have the wrong owner`,
    });
  }
  return findings;
}

// Where a finding names it (the subject the check above writes), for the fix line.
const share = (f: Finding): string => /share (\S+?),?(?:\s|$)/.exec(f.subject)?.[1] ?? "<share>";
