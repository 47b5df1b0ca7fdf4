// Section `backups` (§2.3 "Vaultwarden: scheduled backup copy", "Nextcloud: automated DB dumps",
// §2.4 planned "restic + append-only repo", §6 "Validate that backups can be restored"):
// - `vaultwarden`: where a node keeps its Vaultwarden backups, how old the newest may be, and
//   whether the newest is restore-tested. Each backup is a folder /<dir>/<YYYYMMDDTHHMMSSZ>/
//   holding db.sqlite3, rsa_key.pem and rsa_key.pub.pem (what vaultwarden-backup writes).
// - `nextcloud`: the folder of gzip'd mysqldump/mariadb-dump files of Nextcloud's database, how old
//   the newest may be, and whether it is restore-tested into a throwaway database.
// - `restic`: the off-site/immutable target (§2.4, planned): a restic repository, the password
//   file ON THE NODE (restic reads it; the suite never does), the maximum snapshot age.
// Who may read each of these files, as its reader opens it, is DATA-024's (`owner`: the user the
// Vaultwarden backup or the dump job runs as, who may own the backups; root only by default).
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { Inventory } from "../types.ts";
import { passwordSourceAlternatives, resolvePassword, type PasswordSource } from "./shares.ts";
import { timerSchema, type JobTimerDecl } from "./storage.ts";
import type { Section } from "./types.ts";

/** As normalize.ts expands key paths (not imported from there: it imports every section). */
function expandPath(path: string, baseDir: string): string {
  if (path === "~") return homedir();
  if (path.startsWith("~/")) return join(homedir(), path.slice(2));
  return resolve(baseDir, path);
}

export interface VaultwardenBackupDecl {
  /** Folder holding one sub-folder per backup, named by its UTC timestamp. */
  dir: string;
  /** The newest backup may be at most this old. */
  maxAgeHours: number;
  /** Restore-test the newest backup (a scratch copy; mutating, opt-in on live nodes). */
  restoreTest: boolean;
  /** The systemd timer that keeps maxAgeHours (DATA-023); absent = the job is not declared (planned). */
  schedule?: JobTimerDecl;
  /** The user the backup job runs as, who may own the backups (DATA-024); absent: root only. */
  owner?: string;
}

export interface NextcloudDumpDecl {
  /** Folder holding the dumps. */
  dir: string;
  /** Shell glob (find -name) of the dump files in it. */
  pattern: string;
  /** The newest dump may be at most this old (by mtime). */
  maxAgeHours: number;
  /** Restore the newest dump into a throwaway MariaDB on the machine running the suite (read-only on the node). */
  restoreTest: boolean;
  /** Tables the restored dump must hold. */
  expectTables: string[];
  /** The restored dump must hold at least this many tables. */
  minTables: number;
  /** No longer used (the restore runs on the runner); accepted so existing inventories stay valid. */
  defaultsFile?: string;
  /** The systemd timer that keeps maxAgeHours (DATA-023); absent = the job is not declared (planned). */
  schedule?: JobTimerDecl;
  /** The user the dump job runs as, who may own the dumps (DATA-024); absent: root only. */
  owner?: string;
}

export interface ResticDecl {
  /** Repository as restic's -r takes it: a path on the node, sftp:…, rest:…, s3:… */
  repository: string;
  /** File on the node holding the repository password, passed as --password-file. */
  passwordFile: string;
  /** The newest snapshot may be at most this old. */
  maxAgeHours: number;
  /** Only snapshots of this host count (restic --host). */
  host?: string;
  /** Only snapshots with this tag count (restic --tag). */
  tag?: string;
  /** This repository is §2.4's off-site copy: DATA-031 then judges that restic reaches it off the site. */
  offsite?: boolean;
  /** Run `restic check` (DATA-014). */
  check: boolean;
  /** The critical paths (§2.4 "vault exports, Nextcloud DB + config, documents") a fresh snapshot must hold (DATA-013). */
  covers?: string[];
  /** Where the suite can read the same password on its own machine, only to mask it in evidence. */
  maskPassword?: PasswordSource;
  /** The systemd timer whose job takes the snapshots (DATA-023); absent = the job is not declared (planned). */
  schedule?: JobTimerDecl;
}

export interface BackupsDecl {
  vaultwarden?: VaultwardenBackupDecl;
  nextcloud?: NextcloudDumpDecl;
  restic?: ResticDecl;
}

interface RawBackups {
  vaultwarden?: { dir?: string; maxAgeHours?: number; restoreTest?: boolean; schedule?: JobTimerDecl; owner?: string };
  nextcloud?: { dir?: string; pattern?: string; maxAgeHours?: number; restoreTest?: boolean; expectTables?: string[]; minTables?: number; defaultsFile?: string; schedule?: JobTimerDecl; owner?: string };
  restic?: { repository: string; passwordFile: string; maxAgeHours?: number; host?: string; tag?: string; check?: boolean; covers?: string[]; maskPassword?: { env?: string; file?: string }; schedule?: JobTimerDecl };
}

export const VAULTWARDEN_BACKUP_FILES = ["db.sqlite3", "rsa_key.pem", "rsa_key.pub.pem"] as const;
export const BACKUP_DEFAULTS: VaultwardenBackupDecl = { dir: "/var/backups/vaultwarden", maxAgeHours: 26, restoreTest: true };
export const NEXTCLOUD_DUMP_DEFAULTS: NextcloudDumpDecl = {
  dir: "/var/backups/nextcloud",
  pattern: "*.sql.gz",
  maxAgeHours: 26,
  restoreTest: true,
  expectTables: ["oc_users"],
  minTables: 1,
};
export const RESTIC_DEFAULTS = { maxAgeHours: 26, check: true };

/** `schedule` of a backup: the systemd timer whose job keeps its maxAgeHours (DATA-023). */
const scheduleSchema = (what: string) => ({
  type: "object",
  additionalProperties: false,
  required: ["timer"],
  description:
    `The job that keeps this bound: the systemd timer that starts the ${what}, as storage.snapraid.schedule declares SnapRAID's (DATA-023: loaded, enabled, waiting, its service present, and due at least every maxAgeHours). Absent on every bound of a node: DATA-023 is skipped there as planned; absent on one bound of a node that declares another's: DATA-023 fails, naming it.`,
  properties: { timer: timerSchema(what) },
});

const backupOwnerSchema = (what: string) => ({
  type: "string",
  pattern: "^[A-Za-z_][A-Za-z0-9_.-]*[$]?$",
  patternErrorMessage: "a user name on the node, as stat prints it (e.g. vaultwarden)",
  description: `The user the ${what} job runs as (e.g. its service user), who may own the ${what}s and the folders below \`dir\` (DATA-024). Default: none, root only. Group and other bits are never allowed.`,
});

const passwordSourceSchema = {
  description:
    "Optional: where the suite can read the same repository password on the machine running it (`{ env: VARIABLE }` or `{ file: PATH }`), only so that it is masked in all evidence should it ever show. It is never sent to the node: restic reads `passwordFile` there.",
  ...passwordSourceAlternatives("HLC_RESTIC_PASSWORD"),
};

export const backupsSection: Section<RawBackups, BackupsDecl> = {
  secrets: (inventory, env) => backupSecrets(inventory, env),
  key: "backups",
  schema: {
    type: "object",
    additionalProperties: false,
    description: "Backups kept on this node (§2.3, §6): checked for freshness and restore-tested.",
    properties: {
      vaultwarden: {
        type: "object",
        additionalProperties: false,
        description: "Vaultwarden's scheduled backup copies: one folder per backup, named <YYYYMMDDTHHMMSSZ> (UTC), each holding db.sqlite3, rsa_key.pem and rsa_key.pub.pem.",
        properties: {
          dir: { type: "string", pattern: "^/", patternErrorMessage: "an absolute path on the node (starting with /)", description: "Folder holding the timestamped backup folders (default /var/backups/vaultwarden)." },
          maxAgeHours: { type: "number", exclusiveMinimum: 0, description: "Maximum age of the newest backup in hours (default 26: a nightly backup plus slack)." },
          restoreTest: {
            type: "boolean",
            description:
              "Restore-test the newest backup in place, without writing anything (default true): its db.sqlite3 opened read-only and immutable for PRAGMA integrity_check, both keys parsed by openssl. Runs on every run, live nodes included.",
          },
          schedule: scheduleSchema("backup (e.g. vaultwarden-backup.timer)"),
          owner: backupOwnerSchema("backup"),
        },
      },
      nextcloud: {
        type: "object",
        additionalProperties: false,
        description:
          "Nextcloud's database dumps (§2.3): gzip'd mysqldump/mariadb-dump files of the database of one database (no --databases/--all-databases: such a dump names the live database and is never restore-tested).",
        properties: {
          dir: { type: "string", pattern: "^/", patternErrorMessage: "an absolute path on the node (starting with /)", description: "Folder holding the dumps (default /var/backups/nextcloud)." },
          pattern: { type: "string", minLength: 1, description: "Shell glob of the dump files in that folder, as `find -name` takes it (default *.sql.gz). The newest by mtime is checked." },
          maxAgeHours: { type: "number", exclusiveMinimum: 0, description: "Maximum age of the newest dump in hours, by its mtime (default 26: a nightly dump plus slack)." },
          restoreTest: {
            type: "boolean",
            description:
              "Restore-test the newest dump (default true): stream it read-only from the node (`cat`, over its SSH connection) into a throwaway MariaDB container on the machine running the suite, import it into a scratch database there and list its tables; the container is removed at the end of the run. Nothing is written on the node, so it runs on live nodes too; without a container engine on the runner the test is skipped with that reason.",
          },
          expectTables: {
            type: "array",
            items: { type: "string", pattern: "^[A-Za-z0-9_$]+$", description: "A table name, e.g. oc_users." },
            description: "Tables the restored dump must hold (default [oc_users]).",
          },
          minTables: { type: "integer", minimum: 1, description: "The restored dump must hold at least this many tables (default 1; a full Nextcloud has about a hundred)." },
          defaultsFile: {
            type: "string",
            pattern: "^/",
            patternErrorMessage: "an absolute path on the node (starting with /)",
            description:
              "No longer used to log in (the restore test imports into a throwaway MariaDB on the machine running the suite). Accepted so that inventories that set it stay valid; when set, DATA-024 judges who may read it (it holds a MariaDB password).",
          },
          schedule: scheduleSchema("dump (e.g. nextcloud-db-backup.timer)"),
          owner: backupOwnerSchema("dump"),
        },
      },
      restic: {
        type: "object",
        additionalProperties: false,
        required: ["repository", "passwordFile"],
        description:
          "The off-site/immutable backup target (§2.4, planned: restic + append-only repository). Read only: `restic snapshots` and `restic check` with --no-lock --no-cache, run on this node.",
        properties: {
          repository: { type: "string", minLength: 1, description: "The repository as `restic -r` takes it: a path on the node (/srv/restic), sftp:host:/path, rest:https://host/repo, s3:…" },
          passwordFile: { type: "string", pattern: "^/.*[^/]$", patternErrorMessage: "the absolute path of a file on the node (starting with /, not ending in /), e.g. /etc/restic/password", description: "File ON THE NODE holding the repository password, passed as --password-file; restic reads it, the suite never does. The SSH user must be able to read it." },
          maxAgeHours: { type: "number", exclusiveMinimum: 0, description: "Maximum age of the newest snapshot in hours (default 26)." },
          host: { type: "string", minLength: 1, description: "Only snapshots of this host count (restic --host), e.g. when several nodes share the repository." },
          tag: { type: "string", minLength: 1, description: "Only snapshots with this tag count (restic --tag)." },
          check: { type: "boolean", description: "Run `restic check` (structure, not --read-data) and require it to pass (default true)." },
          offsite: { type: "boolean", description: "This repository is the off-site copy §2.4 plans: DATA-031 then requires that restic reaches it off the site (not a local disk of the node, not a homelab node, not a loopback, private or link-local address as the node resolves it). Absent or false: DATA-031 is skipped as planned." },
          covers: {
            type: "array",
            minItems: 1,
            items: { type: "string", pattern: "^/.*$", patternErrorMessage: "an absolute path on the node", description: "A path on the node that a snapshot must hold." },
            description: "The critical paths of §2.4 (vault export, Nextcloud database dump and config, documents): each must be held (itself or a folder above it) by a snapshot no older than maxAgeHours (DATA-013). Default: only the newest snapshot's age is judged.",
          },
          maskPassword: passwordSourceSchema,
          schedule: scheduleSchema("snapshot job (the timer of the service that runs `restic backup`)"),
        },
      },
    },
  },
  normalize: (raw, baseDir) => ({
    ...(raw.vaultwarden ? { vaultwarden: { ...BACKUP_DEFAULTS, ...raw.vaultwarden } } : {}),
    ...(raw.nextcloud ? { nextcloud: { ...NEXTCLOUD_DUMP_DEFAULTS, ...raw.nextcloud } } : {}),
    ...(raw.restic
      ? {
          restic: {
            ...RESTIC_DEFAULTS,
            ...(({ maskPassword: _mask, ...rest }) => rest)(raw.restic),
            ...(raw.restic.maskPassword
              ? { maskPassword: raw.restic.maskPassword.env !== undefined ? { env: raw.restic.maskPassword.env } : { file: expandPath(raw.restic.maskPassword.file!, baseDir) } }
              : {}),
          },
        }
      : {}),
  }),
};

/** The restic passwords the inventory lets the suite read (maskPassword): masked in all evidence. */
export function backupSecrets(inventory: Inventory, env: NodeJS.ProcessEnv = process.env): string[] {
  const out = new Set<string>();
  for (const node of inventory.nodes) {
    const src = node.backups?.restic?.maskPassword;
    if (!src) continue;
    const pw = resolvePassword(src, env);
    if (pw.ok) out.add(pw.value);
  }
  return [...out];
}

declare module "../types.ts" {
  interface NodeDecl {
    backups?: BackupsDecl;
  }
}
