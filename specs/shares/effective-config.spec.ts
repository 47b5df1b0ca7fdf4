// §5.3 least privilege (RW only where required, RO for consumers), §0 storage boundary: what smbd
// is configured to allow, read from `testparm -sv`, against the declaration. SHARE-001 proves the
// same live; this one names the parameter that is wrong.
import type { ShareDecl, SharesDecl } from "../../helpers/inventory/sections/shares.ts";
import { accounts, type Accounts } from "../../helpers/probes/accounts.ts";
import {
  configAccess,
  groupOf,
  hasShare,
  isYes,
  parseUserList,
  sambaConfig,
  shareParam,
  type SambaConfig,
} from "../../helpers/probes/samba-config.ts";
import { sambaShares, servedShares } from "../../helpers/probes/samba-shares.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

const ACCESS_WORDS = { ro: "read-only", rw: "read-write", none: "no access" } as const;

export default invariant(
  {
    id: "SHARE-002",
    title: "Effective Samba config matches the declaration",
    must:
      "For every declared share, Samba's effective configuration (`testparm -sv`) MUST match the inventory: the same path, `read only`, `force user` and `force group`; `valid users` naming the declared identities and no one else; `read list`, `write list`, `invalid users` and `admin users` giving every declared identity exactly its declared access (`ro`, `rw`, or none when it is not listed); `guest ok` off. smbd MUST NOT serve a share the inventory does not declare, from any source it reads: smb.conf and every file it `include`s, the registry (`net conf`), and usershares (`net usershare`, which `testparm` does not show); the finding names the source. A declared read-only share may be made read-only through `read list` instead of `read only = yes`, as long as no identity it admits can write.",
    fix: (f, node) => /usershare/.test(f.subject) ? `on ${node.name}: net usershare delete <name> (or declare the share in the inventory)` : /registry/.test(f.subject) ? `on ${node.name}: net conf delshare <name> (or declare the share in the inventory)` : /undeclared|not declared/.test(f.expected) ? `on ${node.name}: remove the [${share(f)}] section from smb.conf (or the include that brings it), or declare it; then smbcontrol smbd reload-config` : `on ${node.name}: in smb.conf, [${share(f)}] ${/^[a-z][a-z ]* = /.test(f.expected) ? f.expected : `${f.subject.replace(/^share \S+ ?/, "") || "the parameter"} = ${f.expected}`} (testparm -sv shows the effective value); then smbcontrol smbd reload-config`,
    section: "§0, §5.3",
    family: "shares",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.shares !== undefined,
    reads: () => ({ sambaConfig, accounts, sambaShares }),
    check(ctx) {
      const decl = ctx.node.shares!;
      const cfg = ctx.facts.sambaConfig;
      const acc = maybe(() => ctx.facts.accounts);
      const src = ctx.facts.sambaShares;
      const findings: Finding[] = [];
      const served = servedShares(cfg, src);
      for (const share of decl.exports) {
        // A declared share that only another source defines (a usershare): served, but with none of
        // the parameters the declaration needs (usershares carry a path, a comment and an ACL only).
        const other = !hasShare(cfg, share.name) ? served.find((x) => x.name.toLowerCase() === share.name.toLowerCase()) : undefined;
        if (other) {
          findings.push({ subject: `share ${share.name}`, expected: `defined in smb.conf (or an included file) with path = ${share.path}`, actual: `served from ${other.source}${other.path ? `, path = ${other.path}` : ""}: force user, valid users and the access lists cannot be set there` });
          continue;
        }
        findings.push(...checkShare(cfg, decl, share, acc));
      }
      // Every share smbd serves, from whichever source defines it (samba-shares.ts).
      const declaredName = (n: string) => decl.exports.some((d) => d.name.toLowerCase() === n.toLowerCase());
      for (const s of served.filter((x) => !declaredName(x.name))) {
        findings.push({
          subject: `share ${s.name}`,
          expected: "not exported (the inventory does not declare it)",
          actual: `exported${s.path ? `, path = ${s.path}` : ""}, defined in ${s.source}`,
        });
      }
      // A source smbd reads that could not be read: say so rather than pass on what was seen.
      if (src.usershares.error && Number(cfg.global["usershare max shares"] ?? "0") > 0) {
        findings.push({ subject: "usershares", expected: "readable with net usershare info --long", actual: src.usershares.error });
      }
      if (src.registry.error) findings.push({ subject: "registry shares", expected: "readable with net conf list", actual: src.registry.error });
      for (const f of src.files.filter((x) => !x.exists)) {
        findings.push({ subject: `include ${f.path}`, expected: "a readable file (its shares cannot be attributed otherwise)", actual: "missing or unreadable (a path with %-macros is expanded by smbd per client)" });
      }
      return findings;
    },
  },
);

function checkShare(cfg: SambaConfig, decl: SharesDecl, share: ShareDecl, acc: Accounts | undefined): Finding[] {
  const subject = `share ${share.name}`;
  if (!hasShare(cfg, share.name)) return [{ subject, expected: `exported with path = ${share.path}`, actual: "not in the effective config" }];
  const out: Finding[] = [];
  const param = (key: string) => shareParam(cfg, share.name, key) ?? "";
  const same = (key: string, want: string, got = param(key)) => {
    if (got !== want) out.push({ subject, expected: `${key} = ${want || "(unset)"}`, actual: `${key} = ${got || "(unset)"}` });
  };
  same("path", stripSlash(share.path), stripSlash(param("path")));
  // Read-only is judged by effect: `read only = yes`, or `read only = no` with every identity the
  // share admits kept read-only by `read list` (the per-identity check below proves each).
  const ro = isYes(param("read only"));
  if (share.readOnly && !ro && parseUserList(param("valid users")).length === 0) {
    out.push({ subject, expected: "read only = Yes", actual: "read only = No, and valid users is empty: every account may write" });
  } else if (!share.readOnly && ro && share.rw.length === 0) {
    out.push({ subject, expected: "read only = No", actual: "read only = Yes" });
  }
  same("force user", share.forceUser ?? "");
  same("force group", share.forceGroup ?? "");
  if (isYes(param("guest ok"))) out.push({ subject, expected: "guest ok = No", actual: "guest ok = Yes" });

  // Who may connect at all: valid users names the declared identities, and no one else.
  const declared = new Set([...share.ro, ...share.rw]);
  const valid = parseUserList(param("valid users"));
  if (valid.length === 0) {
    out.push({ subject, expected: `valid users = ${[...declared].join(" ")}`, actual: "valid users is empty: every Samba account may connect" });
  } else {
    const extra: string[] = [];
    for (const item of valid.map((v) => v.replace(/%S/g, share.name))) {
      const group = groupOf(item);
      if (group === undefined) {
        if (!declared.has(item)) extra.push(item);
        continue;
      }
      const members = groupMembers(acc, group);
      if (!members) extra.push(`${item} (group; its members cannot be read)`);
      else if (members.some((m) => !declared.has(m))) extra.push(`${item} (group: ${members.filter((m) => !declared.has(m)).join(", ")})`);
    }
    if (extra.length) out.push({ subject, expected: `valid users = ${[...declared].join(" ")}`, actual: `valid users = ${valid.join(" ")}: also admits ${extra.join(", ")}` });
  }
  const admins = parseUserList(param("admin users"));
  if (admins.length) out.push({ subject, expected: "admin users unset", actual: `admin users = ${admins.join(" ")} (full access as root)` });

  // What each declared identity is given, listed on this share or not.
  for (const id of decl.identities.map((i) => i.name)) {
    const want = share.rw.includes(id) ? "rw" : share.ro.includes(id) ? "ro" : "none";
    const got = configAccess(cfg, share.name, id, acc);
    if (got.access !== want) {
      out.push({ subject: `${subject}, identity ${id}`, expected: ACCESS_WORDS[want], actual: `${ACCESS_WORDS[got.access]} (${got.because})` });
    }
  }
  return out;
}

const stripSlash = (p: string) => (p.length > 1 ? p.replace(/\/+$/, "") : p);

/** Users in a group: supplementary members and those whose primary group it is. */
function groupMembers(acc: Accounts | undefined, group: string): string[] | undefined {
  const g = acc?.groups.find((x) => x.name === group);
  if (!acc || !g) return undefined;
  return [...new Set([...g.members, ...acc.users.filter((u) => u.gid === g.gid).map((u) => u.name)])];
}

/** A fact that helps but is not required here: undefined when it could not be read. */
function maybe<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

// Where a finding names it (the subject the check above writes), for the fix line.
const share = (f: Finding): string => /share (\S+?),?(?:\s|$)/.exec(f.subject)?.[1] ?? "<share>";
