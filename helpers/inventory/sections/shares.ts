// Section `shares` (§0 storage boundary, §5.3 least privilege): the Samba shares of the storage
// node, which identity may do what on each, who owns the files, and how the suite logs in as each
// identity to probe the access matrix live (SHARE-001).
//
// Passwords are never written in the inventory: an identity names where its password is on the
// machine running the suite (an environment variable or a file). They are read in the gather
// phase only, reach the node inside the probe script (never on smbclient's command line), and are
// redacted from every piece of evidence as known secrets (helpers/facts/run.ts).
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { Inventory } from "../types.ts";
import { duplicates, isRecord, nodeRecords, suggestion, type At, type LineOf } from "./rules.ts";
import type { Section } from "./types.ts";

/** As normalize.ts expands key paths (not imported from there: it imports every section). */
function expandPath(path: string, baseDir: string): string {
  if (path === "~") return homedir();
  if (path.startsWith("~/")) return join(homedir(), path.slice(2));
  return resolve(baseDir, path);
}

export type PasswordSource = { env: string } | { file: string };

export interface SmbIdentityDecl {
  /** Samba account name, as given to `smbclient -U`. */
  name: string;
  /** Where the suite reads its password (a file path is absolute after normalize). */
  password: PasswordSource;
}

export type ShareAccess = "ro" | "rw";

export interface ShareDecl {
  /** Share name, the [section] of smb.conf. */
  name: string;
  /** Directory the share exports. */
  path: string;
  /** `read only` of the share: true unless an identity writes (default). */
  readOnly: boolean;
  /** Identities that may read only. */
  ro: string[];
  /** Identities that may read and write. */
  rw: string[];
  /** `force user` / `force group`: every access happens as this owner (§5.3 consistent UID/GID). */
  forceUser?: string;
  forceGroup?: string;
  /** How many files and folders under `path` IDENT-003 samples for their owner (0: none). */
  ownerSample: number;
}

export interface SharesDecl {
  /** Host smbclient connects to on the storage node itself. */
  smbHost: string;
  identities: SmbIdentityDecl[];
  exports: ShareDecl[];
}

/** Access a share declares for an identity; undefined when it is not listed. */
export function declaredAccess(share: ShareDecl, identity: string): ShareAccess | undefined {
  if (share.rw.includes(identity)) return "rw";
  if (share.ro.includes(identity)) return "ro";
  return undefined;
}

const identityName = {
  type: "string",
  pattern: "^[^\\s%\"]+$",
  patternErrorMessage: "a Samba account name without spaces, '%' or '\"'",
  description: "A Samba account (an identity of shares.identities).",
};

export const DEFAULT_OWNER_SAMPLE = 1000;

const schema = {
  type: "object",
  additionalProperties: false,
  required: ["identities", "exports"],
  description:
    "Samba shares of this storage node and the identities allowed on them (§0 storage boundary, §5.3 least privilege: RW only where required, RO for consumers, no guest access).",
  properties: {
    smbHost: {
      type: "string",
      minLength: 1,
      pattern: "^[^\\s/]+$",
      patternErrorMessage: "a host name or address without spaces or '/'",
      description:
        "Address smbclient connects to when the access matrix is probed on the node itself (default localhost). Set the node's LAN address when smbd binds to it only (`bind interfaces only`).",
      default: "localhost",
    },
    identities: {
      type: "array",
      description:
        "Every Samba identity a share names, and where the suite finds its password to probe the share live (SHARE-001). Identities not listed on a share are probed too: they must be refused.",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "password"],
        description: "A Samba account the services use.",
        properties: {
          name: { ...identityName, description: "Samba account name, e.g. jellyfin." },
          password: {
            description:
              "Where the suite reads this identity's password on the machine running it; never the password itself: `{ env: VARIABLE }` or `{ file: PATH }`. It is sent to the node inside the probe script and redacted from all evidence.",
            ...passwordSourceAlternatives("HLC_SMB_PW_JELLYFIN"),
          },
        },
      },
    },
    exports: {
      type: "array",
      description: "Every share smbd exports on this node. A share in the effective config that is not declared here is drift (SHARE-002).",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "path"],
        description: "One share: where it points, who may read or write it, and whose files it holds.",
        properties: {
          name: {
            type: "string",
            pattern: "^[^\\[\\]\\t\\n/\\\\]+$",
            patternErrorMessage: "a share name without brackets, tabs, '/' or '\\'",
            description: "Share name, the [section] of smb.conf, e.g. media.",
          },
          path: {
            type: "string",
            pattern: "^/",
            patternErrorMessage: "an absolute path on the storage node, e.g. /mnt/mergerfs/media",
            description: "Directory the share exports (`path`), e.g. /mnt/mergerfs/media.",
          },
          readOnly: {
            type: "boolean",
            description: "The share's `read only`. Default: true unless `rw` names an identity.",
          },
          ro: {
            type: "array",
            items: identityName,
            uniqueItems: true,
            description: "Identities that may read but never write, delete or rename (§5.3 RO shares for consumers).",
            default: [],
          },
          rw: {
            type: "array",
            items: identityName,
            uniqueItems: true,
            description: "Identities that may read and write (§5.3 RW only where required).",
            default: [],
          },
          forceUser: {
            type: "string",
            minLength: 1,
            description: "`force user`: the owner every access is done as. Omitted: the share must not force a user.",
          },
          forceGroup: {
            type: "string",
            minLength: 1,
            description: "`force group`: the group every access is done as. Omitted: the share must not force a group.",
          },
          ownerSample: {
            type: "integer",
            minimum: 0,
            maximum: 1_000_000,
            description:
              "How many files and folders under path (the first that `find` lists) IDENT-003 checks are owned by forceUser:forceGroup. 0 turns the sample off.",
            default: DEFAULT_OWNER_SAMPLE,
          },
        },
      },
    },
  },
};

interface RawShares {
  smbHost?: string;
  identities: Array<{ name: string; password: { env?: string; file?: string } }>;
  exports: Array<{ name: string; path: string; readOnly?: boolean; ro?: string[]; rw?: string[]; forceUser?: string; forceGroup?: string; ownerSample?: number }>;
}

/**
 * `{ env: VARIABLE }` or `{ file: PATH }`: where the suite reads a secret on its own machine (an
 * identity's password here, a restic password for masking in backups.ts). Never the secret itself.
 */
export function passwordSourceAlternatives(envExample: string): { oneOf: object[] } {
  return {
    oneOf: [
      {
        type: "object",
        additionalProperties: false,
        required: ["env"],
        description: "The password is in an environment variable of the suite's process.",
        properties: {
          env: {
            type: "string",
            pattern: "^[A-Za-z_][A-Za-z0-9_]*$",
            patternErrorMessage: `an environment variable name, e.g. ${envExample}`,
            description: `Environment variable holding the password, e.g. ${envExample}.`,
          },
        },
      },
      {
        type: "object",
        additionalProperties: false,
        required: ["file"],
        description: "The password is in a file on the machine running the suite.",
        properties: {
          file: {
            type: "string",
            minLength: 1,
            description:
              "File holding the password (one trailing newline is ignored); `~` is the home directory, a relative path is relative to this inventory file. Keep it mode 0600.",
          },
        },
      },
    ],
  };
}

export const sharesSection: Section<RawShares, SharesDecl> = {
  problems: (nodes, at, lineOf) => sharesProblems(nodes, at, lineOf),
  secrets: (inventory, env) => shareSecrets(inventory, env),
  key: "shares",
  schema,
  normalize: (raw, baseDir) => ({
    smbHost: raw.smbHost ?? "localhost",
    identities: raw.identities.map((i) => ({
      name: i.name,
      password: i.password.env !== undefined ? { env: i.password.env } : { file: expandPath(i.password.file!, baseDir) },
    })),
    exports: raw.exports.map((s) => {
      const rw = s.rw ?? [];
      return {
        name: s.name,
        path: s.path,
        readOnly: s.readOnly ?? rw.length === 0,
        ro: s.ro ?? [],
        rw,
        ...(s.forceUser !== undefined ? { forceUser: s.forceUser } : {}),
        ...(s.forceGroup !== undefined ? { forceGroup: s.forceGroup } : {}),
        ownerSample: s.ownerSample ?? DEFAULT_OWNER_SAMPLE,
      };
    }),
  }),
};

export type PasswordResult = { ok: true; value: string } | { ok: false; why: string };

/** Where a password comes from, for messages (never the password). */
export function describeSource(src: PasswordSource): string {
  return "env" in src ? `environment variable ${src.env}` : `file ${src.file}`;
}

/** Read an identity's password from its source, on the machine running the suite. */
export function resolvePassword(src: PasswordSource, env: NodeJS.ProcessEnv = process.env): PasswordResult {
  let value: string;
  if ("env" in src) {
    const v = env[src.env];
    if (v === undefined || v === "") return { ok: false, why: `${describeSource(src)} is not set` };
    value = v;
  } else {
    try {
      value = readFileSync(src.file, "utf8").replace(/\r?\n$/, "");
    } catch (e) {
      return { ok: false, why: `cannot read ${describeSource(src)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
    }
    if (value === "") return { ok: false, why: `${describeSource(src)} is empty` };
  }
  if (/[\r\n\0]/.test(value)) return { ok: false, why: `the password from ${describeSource(src)} spans several lines (not supported)` };
  return { ok: true, value };
}

/** Every password the inventory points to that can be read: the run's known secrets. */
export function shareSecrets(inventory: Inventory, env: NodeJS.ProcessEnv = process.env): string[] {
  const out = new Set<string>();
  for (const node of inventory.nodes) {
    for (const id of node.shares?.identities ?? []) {
      const pw = resolvePassword(id.password, env);
      if (pw.ok) out.add(pw.value);
    }
  }
  return [...out];
}

/**
 * Within a node's shares: identity and share names are unique (Samba's share names regardless of
 * case), and every identity a share lists under ro or rw is one of shares.identities ("every Samba
 * identity a share names"), since that is where the suite finds its password to probe the share
 * (SHARE-001). A node that lists no identities at all declares the access matrix without any
 * password to probe it with; SHARE-001 then reports each as not probed, and no name is checked here.
 * (An identity under both ro and rw means rw, as declaredAccess reads it; SHARE-004 judges that.)
 */
export function sharesProblems(nodes: readonly unknown[], at: At, lineOf: LineOf): void {
  nodeRecords(nodes).forEach((n, i) => {
    const sh = n.shares;
    if (!isRecord(sh)) return;
    const here = ["nodes", i, "shares"];
    const named = (item: unknown, fold = false) =>
      isRecord(item) && typeof item.name === "string" ? { key: fold ? item.name.toLowerCase() : item.name, shown: JSON.stringify(item.name) } : undefined;
    duplicates(sh.identities, [...here, "identities"], "name", (x) => named(x), "within the node's shares", at, lineOf);
    duplicates(sh.exports, [...here, "exports"], "name", (x) => named(x, true), "within the node's shares (Samba share names ignore case)", at, lineOf);
    if (!Array.isArray(sh.exports) || !Array.isArray(sh.identities)) return;
    const ids = sh.identities.flatMap((x) => (isRecord(x) && typeof x.name === "string" ? [x.name] : []));
    sh.exports.forEach((e, j) => {
      if (!isRecord(e)) return;
      for (const access of ["ro", "rw"] as const) {
        const list = e[access];
        if (!Array.isArray(list)) continue;
        list.forEach((name, k) => {
          if (typeof name === "string" && !ids.includes(name)) {
            at([...here, "exports", j, access, k], `must name an identity of shares.identities (where the suite finds its password), got ${JSON.stringify(name)}, ${suggestion(name, ids, "identities")}`);
          }
        });
      }
    });
  });
}

declare module "../types.ts" {
  interface NodeDecl {
    shares?: SharesDecl;
  }
}
