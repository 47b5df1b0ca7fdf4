// §0 "Storage boundary: strong segmentation at SMB layer (RW vs RO consumer identities)", §5.3
// "RW shares only where required: Nextcloud, Vaultwarden; RO shares for consumers: Jellyfin,
// Audiobookshelf, Calibre-Web". Judged on what smbclient could really do on the storage node.
import { describeSource, type ShareDecl, type SharesDecl } from "../../helpers/inventory/sections/shares.ts";
import { accounts, type Accounts } from "../../helpers/probes/accounts.ts";
import {
  DENIED,
  describeFailure,
  findNote,
  findStep,
  type AccessMatrix,
  type SmbStep,
} from "../../helpers/probes/samba-access.ts";
import { configAccess, hasShare, sambaConfig } from "../../helpers/probes/samba-config.ts";
import { sambaShares, servedShares } from "../../helpers/probes/samba-shares.ts";
import { accessPlan, sambaAccess } from "../../helpers/probes/samba-access.ts";
import { invariant, optional, type CheckContext, type Scene } from "../../helpers/spec/invariant.ts";
import type { NodeDecl } from "../../helpers/inventory/types.ts";
import type { Finding } from "../../helpers/spec/message.ts";

const EXPECTED = { ro: "read-only", rw: "read-write", none: "refused at the tree connect (not declared on this share)" } as const;

// The live matrix, Samba's effective config and every source of its shares; the accounts only
// sharpen a message (group members of `@group` lists), so they may be missing.
const readsOf = (node: NodeDecl, { options }: Scene) => ({ access: sambaAccess(accessPlan(node.shares!, options.nonce, options.writes)), sambaConfig, sambaShares, accounts: optional(accounts) });
type Ctx = CheckContext<ReturnType<typeof readsOf>>;

export default invariant(
  {
    id: "SHARE-001",
    title: "Each identity can do exactly what it is declared for on each share",
    must:
      "On every declared share, probed live with smbclient on the storage node: an identity declared `ro` MUST list and read, and MUST be refused (NT_STATUS_ACCESS_DENIED) when it creates a file, creates a folder, renames or deletes; an identity declared `rw` MUST list, read, and create, rename and delete a probe file of its own; every other declared identity MUST be refused at the tree connect. The write attempts (the `ro` identities' refused ones, and the `rw` identities' probe file, removed again) run on the lab, and on live nodes only with `--allow-writes`; without it no identity attempts any write, mkdir, rename or delete, and write access of `ro` and `rw` identities alike is judged from Samba's effective configuration (`testparm -s`: read only, write list, read list, valid/invalid/admin users; usershares from `net usershare`), and the evidence says so.",
    fix: (f, node) => /read-only/.test(f.expected) ? `on ${node.name}: in smb.conf, [${share(f)}] read list = ${identity(f)} and ${identity(f)} out of write list; then smbcontrol smbd reload-config` : /read-write/.test(f.expected) ? `on ${node.name}: in smb.conf, [${share(f)}] write list = ${identity(f)} (and valid users), and the share path writable by its force user; then smbcontrol smbd reload-config` : `on ${node.name}: in smb.conf, [${share(f)}] valid users = only the declared identities (not ${identity(f)}); then smbcontrol smbd reload-config`,
    section: "§0, §5.3",
    family: "shares",
    severity: "critical",
    mutates: true,
  },
  {
    appliesTo: (node) => (node.shares?.exports.length ?? 0) > 0,
    reads: readsOf,
    check(ctx) {
      const decl = ctx.node.shares!;
      const matrix = ctx.facts.access;
      const findings: Finding[] = [];
      for (const share of decl.exports) {
        const names = [...new Set([...share.rw, ...share.ro, ...decl.identities.map((i) => i.name)])];
        for (const identity of names) {
          const expect = share.rw.includes(identity) ? "rw" : share.ro.includes(identity) ? "ro" : "none";
          const actual = judge(ctx, decl, share, identity, expect, matrix);
          if (actual.length) findings.push({ subject: `share ${share.name}, identity ${identity}`, expected: EXPECTED[expect], actual: actual.join("; ") });
        }
      }
      return findings;
    },
  },
);

/** What is wrong with one (share, identity); empty when it behaves as declared. */
function judge(ctx: Ctx, decl: SharesDecl, share: ShareDecl, identity: string, expect: "ro" | "rw" | "none", m: AccessMatrix): string[] {
  const skipped = findNote(m, share.name, identity, "all", "skipped");
  if (skipped !== undefined) return [`not probed: ${skipped}`];
  const list = findStep(m, share.name, identity, "list");
  if (!list) return ["not probed (no result: the probe stopped early)"];
  const source = decl.identities.find((i) => i.name === identity)?.password;
  const loginHint = (s: SmbStep) => (s.at === "login" && source ? ` — check the password in ${describeSource(source)}` : "");

  if (expect === "none") {
    if (list.ok) return ["connected and listed the share"];
    if (list.at === "tree connect" && DENIED.has(list.status!)) return [];
    return [`cannot tell: ${describeFailure(list, "ls")}${loginHint(list)}`];
  }
  if (!list.ok) return [`cannot list the share: ${describeFailure(list, "ls")}${loginHint(list)}`];

  const out: string[] = [];
  const sample = findNote(m, share.name, "-", "share", "sample") ?? "";
  const read = findStep(m, share.name, identity, "read");
  // A step that was never tried is not judged, and never compliant (issue 21, point 10): it says so.
  const untried = (step: string, what: string) => `${what}: not tried (${findNote(m, share.name, identity, step, "skipped") ?? "no result: the probe stopped early"}), so not judged`;
  if (!read) out.push(`${untried("read", "read")}: cannot tell whether ${identity} may read`);
  else if (!read.ok) out.push(`cannot read ${sample}: ${describeFailure(read, "get")}`);

  if (expect === "ro") {
    // Without write probes (a live run that did not opt in) nothing that could write was attempted:
    // the identity's write access is judged from Samba's effective configuration.
    const off = findNote(m, share.name, identity, "write", "skipped");
    if (off !== undefined) {
      const v = effectiveAccess(ctx, share.name, identity);
      if (v.access === "rw") out.push(`the effective config lets ${identity} write (${v.because}); ${off}`);
      return out;
    }
    const dir = sample.includes("/") ? sample.slice(0, sample.lastIndexOf("/")) : "";
    const attempts: Array<[string, string]> = [
      ["put", "put"],
      ["mkdir", "mkdir"],
      ["rename", `rename of ${sample} (to its own name: nothing changed)`],
      ["delete", `rmdir of ${dir}`],
    ];
    for (const [step, what] of attempts) {
      const s = findStep(m, share.name, identity, step);
      if (!s) {
        out.push(`${untried(step, what)}: cannot tell whether ${identity} may ${step === "delete" ? "delete" : "write"}`);
        continue;
      }
      if (DENIED.has(s.status ?? "")) continue;
      if (s.ok || (step === "delete" && s.status === "NT_STATUS_DIRECTORY_NOT_EMPTY")) {
        out.push(allowed(step, what, s));
      } else {
        out.push(`${describeFailure(s, what)}, not a denial: cannot tell whether ${identity} may ${step === "delete" ? "delete" : "write"}`);
      }
    }
    return out;
  }

  // rw
  const skippedWrites = findNote(m, share.name, identity, "write", "skipped");
  if (skippedWrites !== undefined) {
    const cfg = maybe(() => ctx.facts.sambaConfig);
    if (!cfg) return [...out, `${skippedWrites}; and the effective config could not be read`];
    const v = configAccess(cfg, share.name, identity, ctx.facts.accounts);
    if (v.access !== "rw") out.push(`the effective config gives ${v.access === "ro" ? "read-only" : "no"} access (${v.because}); ${skippedWrites}`);
    return out;
  }
  for (const [step, what, key, want] of [
    ["put", "put of a probe file", "created", "yes"],
    ["rename", "rename of the probe file", "created", "yes"],
    ["delete", "del of the probe file", "gone", "yes"],
  ] as const) {
    const s = findStep(m, share.name, identity, step);
    if (!s) return [...out, `${what}: no result (the probe stopped early)`];
    if (!s.ok) return [...out, describeFailure(s, what)];
    if (s.notes[key] !== want) return [...out, `${what} reported success but the file system does not show it (${key}: ${s.notes[key] ?? "unknown"})`];
  }
  if (findNote(m, share.name, identity, "write", "left") === "yes") out.push(`probe file left behind under ${share.path}: could not be removed`);
  return out;
}

/**
 * What Samba's effective configuration gives an identity on a share: the share's parameters as
 * testparm shows them (read only, write list, read list, valid/invalid/admin users: configAccess),
 * or, for a share only a usershare defines (testparm does not show those), its ACL as `net usershare`
 * keeps it: entries `name:R` (read), `name:F` (full: write), `name:D` (deny), `Everyone` for all
 * (net(8), "usershare add ... acl"). Both facts are declared, so an unreadable one fails the check.
 */
function effectiveAccess(ctx: Ctx, share: string, identity: string): { access: "ro" | "rw" | "none"; because: string } {
  const cfg = ctx.facts.sambaConfig;
  const src = ctx.facts.sambaShares;
  if (!hasShare(cfg, share)) {
    const u = servedShares(cfg, src).find((x) => x.name.toLowerCase() === share.toLowerCase() && x.source.startsWith("a usershare"));
    const us = u && src.usershares.shares.find((x) => x.name.toLowerCase() === share.toLowerCase());
    if (us) {
      const entries = us.acl.split(",").map((e) => e.trim()).filter(Boolean).map((e) => {
        const at = e.lastIndexOf(":");
        return { who: e.slice(0, at).replace(/^.*\\/, "").toLowerCase(), right: e.slice(at + 1).toUpperCase() };
      });
      const mine = entries.filter((e) => e.who === identity.toLowerCase() || e.who === "everyone");
      if (mine.some((e) => e.right === "D")) return { access: "none", because: `usershare acl ${us.acl} denies it` };
      if (mine.some((e) => e.right === "F")) return { access: "rw", because: `usershare acl ${us.acl} gives full control` };
      return { access: mine.length ? "ro" : "none", because: `usershare acl ${us.acl}` };
    }
  }
  return configAccess(cfg, share, identity, ctx.facts.accounts);
}

/** How an allowed write attempt of a read-only identity reads. */
function allowed(step: string, what: string, s: SmbStep): string {
  if (step === "put" || step === "mkdir") {
    const thing = step === "put" ? "probe file" : "probe folder";
    const removed = s.notes.created === "yes" ? (s.notes.removed === "yes" ? `${thing} created and removed` : `${thing} created and could NOT be removed`) : `smbclient reported success, no ${thing} found`;
    return `${what} succeeded (${removed})`;
  }
  if (step === "delete") return `${what} was allowed (refused only because the folder is not empty: ${s.status})`;
  return `${what} succeeded`;
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
const identity = (f: Finding): string => /identity (\S+)/.exec(f.subject)?.[1] ?? "<identity>";
