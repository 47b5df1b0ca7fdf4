// Section `backups` (§2.3 "Vaultwarden: scheduled backup copy", §6 "Validate that backups can be
// restored"): where a node keeps its Vaultwarden backups, how old the newest may be, and whether
// the newest is restore-tested. Each backup is a folder /<dir>/<YYYYMMDDTHHMMSSZ>/ holding
// db.sqlite3, rsa_key.pem and rsa_key.pub.pem (what vaultwarden-backup writes).
import type { Section } from "./types.ts";

export interface VaultwardenBackupDecl {
  /** Folder holding one sub-folder per backup, named by its UTC timestamp. */
  dir: string;
  /** The newest backup may be at most this old. */
  maxAgeHours: number;
  /** Restore-test the newest backup (a scratch copy; mutating, opt-in on live nodes). */
  restoreTest: boolean;
}

export interface BackupsDecl {
  vaultwarden?: VaultwardenBackupDecl;
}

interface RawBackups {
  vaultwarden?: { dir?: string; maxAgeHours?: number; restoreTest?: boolean };
}

export const VAULTWARDEN_BACKUP_FILES = ["db.sqlite3", "rsa_key.pem", "rsa_key.pub.pem"] as const;
export const BACKUP_DEFAULTS: VaultwardenBackupDecl = { dir: "/var/backups/vaultwarden", maxAgeHours: 26, restoreTest: true };

export const backupsSection: Section<RawBackups, BackupsDecl> = {
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
          dir: { type: "string", pattern: "^/", description: "Folder holding the timestamped backup folders (default /var/backups/vaultwarden)." },
          maxAgeHours: { type: "number", exclusiveMinimum: 0, description: "Maximum age of the newest backup in hours (default 26: a nightly backup plus slack)." },
          restoreTest: {
            type: "boolean",
            description:
              "Restore-test the newest backup: copy it to a scratch folder, run PRAGMA integrity_check and parse both keys, then remove the copy (default true). It writes a scratch copy, so on live nodes it runs only with HLC_ALLOW_WRITE_PROBES=1.",
          },
        },
      },
    },
  },
  normalize: (raw) => (raw.vaultwarden ? { vaultwarden: { ...BACKUP_DEFAULTS, ...raw.vaultwarden } } : {}),
};
