// §2.3 "Vaultwarden: scheduled backup copy", "Nextcloud: automated DB dumps", §2.4 restic, §5.3
// least privilege: a backup holds the service's whole data, and its secrets (the restic password,
// the vault's signing key, every Nextcloud user's password hash) as well; whoever may read one
// reads them all. Judged as the reader opens each file (issue 21): through every symlink, the file
// really read and every directory on its real path (helpers/probes/file-access.ts,
// judgeSecretFile); what the node did not let the suite read fails, never passes.
//
// One invariant for the whole `backups` section, beside DATA-007..014 (which judge that the
// backups exist, are fresh and restore): "who can read the backups" is one question with one
// answer per node, one drift breaks it whatever the backup is, and its fix is the same chmod/chown.
import type { BackupsDecl } from "../../helpers/inventory/sections/backups.ts";
import { backupAccess, type AccessEntry, type AccessGroup, type BackupAccess } from "../../helpers/probes/backup-access.ts";
import { judgeSecretFile, type SecretRule } from "../../helpers/probes/file-access.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

const LABEL: Record<AccessGroup, string> = {
  "restic-password": "restic password file",
  "mariadb-defaults": "MariaDB defaults file",
  vaultwarden: "Vaultwarden backup",
  nextcloud: "Nextcloud dump",
};

export default invariant(
  {
    id: "DATA-024",
    title: "Backups and their secrets are readable by root only, as their reader opens them",
    must:
      "On every node that declares `backups`, each of these MUST exist and, as its reader opens it (through every symlink: the file at the end of the links, never the link's own bits), be owned by root (or the declared `owner`, the user the backup job runs as) with no group or other bits on a file (0600 or stricter) and no group or other write on a folder: the restic `passwordFile`, the Nextcloud `defaultsFile`, the Vaultwarden backup `dir`, every timestamped backup folder in it and every file of those but rsa_key.pub.pem, the Nextcloud dump `dir` and every dump matching `pattern` in it. Every directory on the real path of each MUST be owned by root and writable by root only (below the backup `dir`: by root or the declared `owner`), except a sticky directory (/tmp) whose entry on the path belongs to root or the owner. A dangling link is a missing file; a file or folder the suite could not read fails.",
    fix: (f, node) => fixFor(f, node.name),
    section: "§2.3, §2.4, §5.3",
    family: "data",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.backups !== undefined && (node.backups.restic !== undefined || node.backups.vaultwarden !== undefined || node.backups.nextcloud !== undefined),
    reads: (node) => ({ access: backupAccess(node.backups!) }),
    check({ node, facts }) {
      return judgeBackups(node.backups!, facts.access);
    },
  },
);

/** Findings for a node's `backups` on the backup-access fact. */
function judgeBackups(decl: BackupsDecl, a: BackupAccess): Finding[] {
  const findings: Finding[] = [];
  const owners: Partial<Record<AccessGroup, string[]>> = { vaultwarden: decl.vaultwarden?.owner ? [decl.vaultwarden.owner] : [], nextcloud: decl.nextcloud?.owner ? [decl.nextcloud.owner] : [] };
  // The declared paths: each must have been read.
  const roots: { group: AccessGroup; path: string; dir: boolean }[] = [
    ...(decl.restic ? [{ group: "restic-password" as const, path: decl.restic.passwordFile, dir: false }] : []),
    ...(decl.nextcloud?.defaultsFile ? [{ group: "mariadb-defaults" as const, path: decl.nextcloud.defaultsFile, dir: false }] : []),
    ...(decl.vaultwarden ? [{ group: "vaultwarden" as const, path: trim(decl.vaultwarden.dir), dir: true }] : []),
    ...(decl.nextcloud ? [{ group: "nextcloud" as const, path: trim(decl.nextcloud.dir), dir: true }] : []),
  ];
  const ownedBelow: Partial<Record<AccessGroup, string>> = {};
  for (const r of roots) {
    const e = a.entries[r.path];
    const subject = `${r.dir ? `${LABEL[r.group]} folder` : LABEL[r.group]} ${r.path}`;
    if (!e || e.error) {
      findings.push({ subject, expected: "read by the probe (owner, mode, real path)", actual: `not read: ${e?.error ?? "the node printed nothing for it"}` });
      continue;
    }
    if (r.dir) ownedBelow[r.group] = e.real ?? r.path;
    findings.push(...judgeSecretFile(subject, e, rule(r.group, r.dir, owners, ownedBelow)));
    // A folder that exists must have been listed: its backups are unknown otherwise.
    if (r.dir && e.exists && e.kind === "directory") findings.push(...listed(a, r.group, r.path, subject));
  }
  // Everything found in the backup folders: each backup folder (listed too), each file.
  const rootPaths = new Set(roots.map((r) => r.path));
  for (const [path, e] of Object.entries(a.entries)) {
    if (rootPaths.has(path) || (e.of !== "vaultwarden" && e.of !== "nextcloud")) continue;
    const isDir = e.kind === "directory";
    const subject = `${LABEL[e.of]}${isDir ? " folder" : ""} ${path}`;
    if (e.error) {
      findings.push({ subject, expected: "read by the probe (owner, mode, real path)", actual: `not read: ${e.error}` });
      continue;
    }
    findings.push(...judgeSecretFile(subject, e, rule(e.of, isDir, owners, ownedBelow)));
    if (isDir && e.of === "vaultwarden" && !path.includes("/", trim(decl.vaultwarden!.dir).length + 1)) findings.push(...listed(a, e.of, path, subject));
  }
  return findings;
}

const trim = (p: string) => p.replace(/\/+$/, "") || "/";

function rule(group: AccessGroup, dir: boolean, owners: Partial<Record<AccessGroup, string[]>>, ownedBelow: Partial<Record<AccessGroup, string>>): SecretRule {
  const below = ownedBelow[group];
  return { owner: owners[group] ?? [], kind: dir ? "directory" : "file", ...(below !== undefined ? { ownedBelow: below } : {}) };
}

function listed(a: BackupAccess, group: AccessGroup, dir: string, subject: string): Finding[] {
  const l = a.listings.find((x) => x.of === group && x.dir === dir);
  if (l?.ok) return [];
  return [{ subject: `${subject} listing`, expected: "its entries listed (each is judged)", actual: l ? `could not be listed: ${l.why}` : "not listed by the probe" }];
}

// The path a finding names (a directory on the path when it is about one), for the fix line.
function fixFor(f: Finding, node: string): string {
  const dir = / directory (\/\S*)$/.exec(f.subject)?.[1];
  const path = dir ?? /\/\S*/.exec(f.subject)?.[0] ?? "<path>";
  if (dir) return `on ${node}: chown root:root ${dir} && chmod go-w ${dir} (or move the file to a folder only root writes)`;
  if (/ listing$|not read/.test(`${f.subject} ${f.actual}`)) return `on ${node}: let the SSH user (root) read ${path}, then run again`;
  if (/missing/.test(f.actual)) return `on ${node}: put the file back at ${path} (a symlink must lead to an existing file), owned by root, mode 0600`;
  if (/ owner$/.test(f.subject)) return `on ${node}: chown ${f.expected.split(" or ").at(-1)} ${path} (the file the symlink leads to, if any: chown follows it)`;
  if (/ mode$/.test(f.subject)) return /folder/.test(f.subject) ? `on ${node}: chmod go-w ${path}` : `on ${node}: chmod 600 ${path} (chmod follows a symlink to the file really read)`;
  return `on ${node}: make ${path} a regular file owned by root, mode 0600 (wanted: ${f.expected})`;
}
