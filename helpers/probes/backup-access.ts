// Who can read the backups and their secrets (DATA-024, issue 21 "a file is judged as its reader
// opens it"), for the `backups` section: every declared secret file and every backup file, as the
// program that reads it opens it (fileAccessScript of ./file-access.ts: stat -L of the file at the
// end of the links, readlink -f, each directory on the real path). Read-only: stat, readlink,
// find; no file's content is ever read.
//
// What is judged, and why (helpers/inventory/sections/backups.ts):
// - `restic.passwordFile`: restic opens it with --password-file (os.Open: follows links); whoever
//   reads it can decrypt every snapshot of the repository.
// - `nextcloud.defaultsFile`: the MariaDB client's --defaults-extra-file (a password= line), when
//   declared.
// - `vaultwarden.dir`, each timestamped backup folder in it and every entry of those folders but
//   rsa_key.pub.pem (public by nature): db.sqlite3 is the whole vault, rsa_key.pem signs every login
//   token (who holds it can forge sessions).
// - `nextcloud.dir` and every dump in it matching `pattern`: a dump holds every user's data and
//   password hash (oc_users).
// Not judged here: the restic repository (its content is encrypted with the password above), the
// tailnet policy file and snapraid.conf (not secrets: their content is what EXPOSE-008 and the
// SnapRAID specs judge), Nextcloud's live config.php (read by the web server's user, not root:
// another rule), and files the inventory does not name (e.g. TLS keys).
//
// Output, one block per path:
//   @@hlc-access <group> <path>        then the fileAccessScript lines for that path
//   @@hlc-access list <group> <dir>    the folder was listed (its entries follow as their own blocks)
//   @@hlc-access unlisted <group> <dir>  it could not be (the entries in it are unknown); then find's first error line
//   @@hlc-access end
import { VAULTWARDEN_BACKUP_FILES, type BackupsDecl } from "../inventory/sections/backups.ts";
import { shQuote } from "../transport/shell.ts";
import { fileAccessScript, parseFileAccess, type FileAccess } from "./file-access.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

export const BACKUP_ACCESS = "backup-access";
const MARK = "@@hlc-access";

/** What a path is, for the judge: which declaration named it. */
export type AccessGroup = "restic-password" | "mariadb-defaults" | "vaultwarden" | "nextcloud";

export interface AccessEntry extends FileAccess {
  /** Which declaration named it (not the file's group: that is FileAccess.group). */
  of: AccessGroup;
  /** The snippet's lines could not be read (no stat line, or both a stat line and `missing`). */
  error?: string;
}

export interface Listing {
  of: AccessGroup;
  dir: string;
  ok: boolean;
  why?: string;
}

export interface BackupAccess {
  /** Every path judged, by path, in the order the node printed them. */
  entries: Record<string, AccessEntry>;
  listings: Listing[];
}

/** The files of a Vaultwarden backup that are public by nature (not judged). */
export const PUBLIC_BACKUP_FILES = VAULTWARDEN_BACKUP_FILES.filter((f) => f.endsWith(".pub.pem"));

/** A Vaultwarden backup folder's name as find -name takes it (BACKUP_NAME in ./backups.ts). */
const STAMP = "[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z";

/** Probe for the node's `backups` declaration; undefined when it names no file to judge. */
export function backupAccess(decl: BackupsDecl): Probe<BackupAccess> {
  const one = (group: AccessGroup, v: string) => `echo "${MARK} ${group} $${v}"; ${fileAccessScript(v)}`;
  // Lists the entries of "$1-var" matching -name, each judged as its own block; the listing's
  // failure (a folder the SSH user cannot read) is printed, never taken for an empty folder.
  const each = (group: AccessGroup, dirVar: string, name: string, entryVar: string, body: string) =>
    `if [ -d "$${dirVar}" ]; then ` +
    `if fe=$(find "$${dirVar}/" -mindepth 1 -maxdepth 1 -name ${shQuote(name)} 2>&1 >/dev/null) && [ -z "$fe" ]; then ` +
    `echo "${MARK} list ${group} $${dirVar}"; ` +
    `find "$${dirVar}/" -mindepth 1 -maxdepth 1 -name ${shQuote(name)} | LC_ALL=C sort | while IFS= read -r ${entryVar}; do ${entryVar}="$${dirVar}/\${${entryVar}##*/}"; ${body}; done; ` +
    `else echo "${MARK} unlisted ${group} $${dirVar}"; printf '%s\\n' "$fe" | head -n 1; fi; fi`;
  const parts: string[] = [];
  if (decl.restic) parts.push(`p=${shQuote(decl.restic.passwordFile)}; ${one("restic-password", "p")}`);
  if (decl.nextcloud?.defaultsFile) parts.push(`p=${shQuote(decl.nextcloud.defaultsFile)}; ${one("mariadb-defaults", "p")}`);
  if (decl.vaultwarden) {
    const skip = PUBLIC_BACKUP_FILES.map((f) => `[ "\${f##*/}" = ${shQuote(f)} ] && continue; `).join("");
    parts.push(
      `w=${shQuote(decl.vaultwarden.dir.replace(/\/+$/, "") || "/")}; ${one("vaultwarden", "w")}; ` +
        each("vaultwarden", "w", STAMP, "b", `${one("vaultwarden", "b")}; ${each("vaultwarden", "b", "*", "f", `${skip}${one("vaultwarden", "f")}`)}`),
    );
  }
  if (decl.nextcloud) {
    parts.push(`n=${shQuote(decl.nextcloud.dir.replace(/\/+$/, "") || "/")}; ${one("nextcloud", "n")}; ${each("nextcloud", "n", decl.nextcloud.pattern, "f", one("nextcloud", "f"))}`);
  }
  return {
    name: BACKUP_ACCESS,
    command: [...parts, `echo '${MARK} end'`].join("; "),
    parse: (o) => parseBackupAccess(o),
  };
}

export function parseBackupAccess({ stdout, stderr, code }: ProbeOutput): BackupAccess {
  if (code !== 0) throw new ProbeParseError(BACKUP_ACCESS, `exited ${code}: ${stderr.trim()}`);
  const blocks: { head: string; body: string[] }[] = [];
  for (const line of stdout.split("\n")) {
    if (line.startsWith(MARK + " ")) blocks.push({ head: line.slice(MARK.length + 1), body: [] });
    else if (blocks.length > 0) blocks.at(-1)!.body.push(line);
    else if (line.trim() !== "") throw new ProbeParseError(BACKUP_ACCESS, `output before the first block: ${JSON.stringify(line)}`);
  }
  if (blocks.at(-1)?.head !== "end") throw new ProbeParseError(BACKUP_ACCESS, "output is truncated (no end marker)");
  const out: BackupAccess = { entries: {}, listings: [] };
  for (const b of blocks.slice(0, -1)) {
    let m: RegExpExecArray | null;
    if ((m = /^list (\S+) (\/.*)$/.exec(b.head))) out.listings.push({ of: group(m[1]!), dir: m[2]!, ok: true });
    else if ((m = /^unlisted (\S+) (\/.*)$/.exec(b.head))) out.listings.push({ of: group(m[1]!), dir: m[2]!, ok: false, why: b.body.find((l) => l.trim() !== "") ?? "find failed" });
    else if ((m = /^(\S+) (\/.*)$/.exec(b.head))) {
      const { access, rest, error } = parseFileAccess(m[2]!, b.body.filter((l) => l !== ""));
      const err = error ?? (rest.length ? `unexpected lines: ${rest.map((l) => JSON.stringify(l)).join(", ")}` : undefined);
      out.entries[m[2]!] = { ...access, of: group(m[1]!), ...(err ? { error: err } : {}) };
    } else throw new ProbeParseError(BACKUP_ACCESS, `unknown block ${JSON.stringify(b.head)}`);
  }
  return out;
}

const GROUPS: AccessGroup[] = ["restic-password", "mariadb-defaults", "vaultwarden", "nextcloud"];
function group(s: string): AccessGroup {
  if (!(GROUPS as string[]).includes(s)) throw new ProbeParseError(BACKUP_ACCESS, `unknown group ${JSON.stringify(s)}`);
  return s as AccessGroup;
}
