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
import { configAccess, sambaConfig } from "../../helpers/probes/samba-config.ts";
import { accessPlan, sambaAccess } from "../../helpers/probes/samba-access.ts";
import { invariant, optional, type CheckContext, type Optional } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

const EXPECTED = { ro: "read-only", rw: "read-write", none: "refused at the tree connect (not declared on this share)" } as const;

export default invariant(
  {
    id: "SHARE-001",
    title: "Each identity can do exactly what it is declared for on each share",
    must:
      "On every declared share, probed live with smbclient on the storage node: an identity declared `ro` MUST list and read, and MUST be refused (NT_STATUS_ACCESS_DENIED) when it creates a file, creates a folder, renames or deletes; an identity declared `rw` MUST list, read, and create, rename and delete a probe file of its own; every other declared identity MUST be refused at the tree connect. The write probes of `rw` identities change the share (a uniquely named file, removed again): they run on the lab, and on live nodes only with HLC_ALLOW_WRITE_PROBES=1; without it `rw` access is judged from the effective config, and the evidence says so.",
    fix: (f, node) => /read-only/.test(f.expected) ? `on ${node.name}: in smb.conf, [${share(f)}] read list = ${identity(f)} and ${identity(f)} out of write list; then smbcontrol smbd reload-config` : /read-write/.test(f.expected) ? `on ${node.name}: in smb.conf, [${share(f)}] write list = ${identity(f)} (and valid users), and the share path writable by its force user; then smbcontrol smbd reload-config` : `on ${node.name}: in smb.conf, [${share(f)}] valid users = only the declared identities (not ${identity(f)}); then smbcontrol smbd reload-config`,
    section: "§0, §5.3",
    family: "shares",
    severity: "critical",
    mutates: true,
  },
  {
    appliesTo: (node) => (node.shares?.exports.length ?? 0) > 0,
    reads: (node, { options }) => ({ access: sambaAccess(accessPlan(node.shares!, options.nonce, options.writes)), sambaConfig, accounts: optional(accounts) }),
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
function judge(ctx: CheckContext<{ sambaConfig: typeof sambaConfig; accounts: Optional<Accounts> }>, decl: SharesDecl, share: ShareDecl, identity: string, expect: "ro" | "rw" | "none", m: AccessMatrix): string[] {
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
  if (read && !read.ok) out.push(`cannot read ${sample}: ${describeFailure(read, "get")}`);

  if (expect === "ro") {
    const dir = sample.includes("/") ? sample.slice(0, sample.lastIndexOf("/")) : "";
    const attempts: Array<[string, string]> = [
      ["put", "put"],
      ["mkdir", "mkdir"],
      ["rename", `rename of ${sample} (to its own name: nothing changed)`],
      ["delete", `rmdir of ${dir}`],
    ];
    for (const [step, what] of attempts) {
      const s = findStep(m, share.name, identity, step);
      if (!s || DENIED.has(s.status ?? "")) continue;
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
