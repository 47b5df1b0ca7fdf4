// Section `mounts` (§3.2 consumers: systemd automount for SMB, §4.4 credentials files, §5.3 RO for
// consumers): the network mounts a consumer node takes from the storage node, which identity it
// logs in as, read-only or read-write, and where its credentials file is.
import { duplicates, isRecord, nodeRecords, suggestion, type At, type LineOf, type Rec } from "./rules.ts";
import type { Section } from "./types.ts";

export type MountAccess = "ro" | "rw";

export interface NetworkMountDecl {
  /** Mount point, e.g. /mnt/media. */
  path: string;
  /** SMB source as fstab writes it, e.g. //vm102/media. */
  source: string;
  /** Samba identity the credentials file names (username=). */
  identity: string;
  /** ro or rw at the mount layer. */
  access: MountAccess;
  /** Credentials file (root:root 0600, username=/password= lines). */
  credentials: string;
  /** Largest x-systemd.mount-timeout allowed, in seconds (default 30). */
  maxMountTimeoutSec: number;
  /** Owner the mount presents its files as (fstab uid=): a user name or a uid, resolved with the node's getent (IDENT-004). */
  uid?: string;
  /** Group the mount presents its files as (fstab gid=): a group name or a gid (IDENT-004). */
  gid?: string;
  /** Mode of files (fstab file_mode=), octal as written, e.g. "0640" (IDENT-004). */
  fileMode?: string;
  /** Mode of directories (fstab dir_mode=), octal, e.g. "0750" (IDENT-004). */
  dirMode?: string;
}

export type MountsDecl = NetworkMountDecl[];

export const DEFAULT_MAX_MOUNT_TIMEOUT_SEC = 30;

type RawMount = Omit<NetworkMountDecl, "maxMountTimeoutSec" | "uid" | "gid"> & { maxMountTimeoutSec?: number; uid?: string | number; gid?: string | number };
type Raw = RawMount[];

const owner = (what: string) => ({
  type: ["string", "integer"],
  pattern: "^([a-z_][a-z0-9_-]*[$]?|[0-9]+)$",
  patternErrorMessage: `a ${what} name or a ${what === "user" ? "uid" : "gid"} (an integer from 0 to 4294967294)`,
  minimum: 0,
  maximum: 4294967294,
});
// An unquoted 0750 is a number to YAML (1.2, as the loader reads it: decimal 750; 1.1: octal, 488),
// so a mode must be a string; typeErrorMessage says so when a number is given (validate.ts).
const mode = {
  type: "string",
  pattern: "^0?[0-7]{3}$",
  patternErrorMessage: "an octal mode such as \"0750\"",
  typeErrorMessage: 'a quoted string (write file modes as quoted strings, e.g. "0750": unquoted, YAML reads 0750 as the decimal number 750)',
};

const absPath = { type: "string", pattern: "^/[^\\s]*$", patternErrorMessage: "an absolute path without spaces" };

export const mountsSection: Section<Raw, MountsDecl> = {
  problems: (nodes, at, lineOf) => mountsProblems(nodes, at, lineOf),
  key: "mounts",
  schema: {
    type: "array",
    description:
      "Network (SMB) mounts this consumer node takes from the storage node (§3.2: systemd automount, never blocking the boot; §4.4 credentials files; §5.3 RO where possible).",
    items: {
      type: "object",
      additionalProperties: false,
      required: ["path", "source", "identity", "access", "credentials"],
      description: "One network mount, as its /etc/fstab line should set it up.",
      properties: {
        path: { ...absPath, description: "Mount point, e.g. /mnt/media." },
        source: {
          type: "string",
          pattern: "^//[^\\s/]+/[^\\s/]+$",
          patternErrorMessage: "//HOST/SHARE, e.g. //vm102/media",
          description: "SMB source as the fstab line writes it, //HOST/SHARE; SHARE is cross-checked with the storage node's shares section.",
        },
        identity: {
          type: "string",
          pattern: "^[^\\s%\"]+$",
          patternErrorMessage: "a Samba account name without spaces, '%' or '\"'",
          description: "Samba identity the credentials file must name (username=), e.g. jellyfin.",
        },
        access: { type: "string", enum: ["ro", "rw"], description: "ro (read-only at the mount layer, RO identity) or rw." },
        credentials: { ...absPath, description: "Credentials file of the mount (root:root, mode 0600), e.g. /etc/samba/credentials/media.cred." },
        maxMountTimeoutSec: {
          type: "integer",
          minimum: 1,
          default: DEFAULT_MAX_MOUNT_TIMEOUT_SEC,
          description: "Largest x-systemd.mount-timeout the fstab line may set, in seconds (default 30); the line must set one.",
        },
        uid: {
          ...owner("user"),
          description:
            "The consuming service's user (§5.3): the fstab line must carry uid= naming it (name or number, compared through the node's getent) and the mounted share must present its files as that owner (IDENT-004). Omitted: not checked.",
        },
        gid: {
          ...owner("group"),
          description: "The consuming service's group: the fstab line must carry gid= naming it, and the mount must present files with that group (IDENT-004). Omitted: not checked.",
        },
        fileMode: { ...mode, description: "file_mode= the fstab line must carry (octal, compared as a number), and the mode files under the mount show (IDENT-004). Omitted: not checked." },
        dirMode: { ...mode, description: "dir_mode= the fstab line must carry (octal), and the mode of the mount's top directory (IDENT-004). Omitted: not checked." },
      },
    },
  },
  normalize: (raw) =>
    raw.map((m) => {
      const { uid, gid, ...rest } = m;
      return {
        ...rest,
        maxMountTimeoutSec: m.maxMountTimeoutSec ?? DEFAULT_MAX_MOUNT_TIMEOUT_SEC,
        ...(uid !== undefined ? { uid: String(uid) } : {}),
        ...(gid !== undefined ? { gid: String(gid) } : {}),
      };
    }),
};

/**
 * A mount point's unit name stem, as systemd names it (/mnt/media → mnt-media): systemd
 * src/basic/unit-name.c, unit_name_path_escape(): path_simplify() first (duplicate slashes and
 * `.` components dropped, so /mnt/./x is mnt-x), then do_escape(): `/` → `-`; every byte outside
 * [A-Za-z0-9:_.] → \xNN; a `.` is escaped only as the very FIRST character (/.dot → \x2edot,
 * but /mnt/.hidden → mnt-.hidden). Checked against systemd-escape -p of systemd 252
 * (tests/unit/probes/network-mounts.test.ts). A path with a `..` component is refused by systemd
 * (no unit exists for it) and the inventory refuses it (mountsProblems).
 */
export function escapePath(path: string): string {
  const parts = path.split("/").filter((seg) => seg !== "" && seg !== ".");
  if (parts.length === 0) return "-";
  return [...Buffer.from(parts.join("/"), "utf8")]
    .map((b, i) => {
      const c = String.fromCharCode(b);
      if (c === "/") return "-";
      if (/[A-Za-z0-9:_]/.test(c) || (c === "." && i > 0)) return c;
      return `\\x${b.toString(16).padStart(2, "0")}`;
    })
    .join("");
}

/** A mount point's `.mount` (or `.automount`) unit, as systemd names it: `/` is `-.mount`. */
export const mountUnit = (path: string, suffix: "mount" | "automount" = "mount"): string => `${escapePath(path)}.${suffix}`;

/** The storage node a mount source's host names: the one node declaring `shares` whose name,
 * ssh.host or reachability.addresses is that host; undefined when none or several (ambiguous). */
function storageNodeOf(host: string, recs: readonly Rec[]): { node: Rec; index: number } | undefined {
  const h = host.toLowerCase();
  const matches = recs.flatMap((n, index) => {
    if (!isRecord(n.shares)) return [];
    const names = [n.name, isRecord(n.ssh) ? n.ssh.host : undefined, ...(isRecord(n.reachability) && Array.isArray(n.reachability.addresses) ? n.reachability.addresses : [])];
    return names.some((x) => typeof x === "string" && x.toLowerCase() === h) ? [{ node: n, index }] : [];
  });
  return matches.length === 1 ? matches[0] : undefined;
}

/**
 * A node's mount points are unique, and a mount of a share of a storage node this inventory
 * declares (its `shares`) names a share that node exports and an identity it knows: its
 * `shares.exports` lists every share smbd serves (SHARE-002) and `shares.identities` every
 * identity a share names, so an honest inventory never mounts anything else. (Whether the
 * identity is listed ro or rw on that share is judged by SHARE-004.)
 */
export function mountsProblems(nodes: readonly unknown[], at: At, lineOf: LineOf): void {
  const recs = nodeRecords(nodes);
  recs.forEach((n, i) => {
    if (!Array.isArray(n.mounts)) return;
    const here = ["nodes", i, "mounts"];
    duplicates(
      n.mounts,
      here,
      "path",
      (m) => (isRecord(m) && typeof m.path === "string" ? { key: m.path.replace(/\/+$/, "") || "/", shown: JSON.stringify(m.path) } : undefined),
      "within the node (one mount per mount point)",
      at,
      lineOf,
    );
    n.mounts.forEach((m, j) => {
      // systemd names no unit for a mount point with a `..` component (unit_name_path_escape
      // refuses a path that is not normalized; the fstab generator skips the line): nothing could
      // ever mount there, and no unit of that name exists to judge.
      if (isRecord(m) && typeof m.path === "string" && m.path.split("/").includes("..")) {
        at([...here, j, "path"], `must not contain a '..' component (systemd makes no mount unit for it), got ${JSON.stringify(m.path)}`);
      }
      if (!isRecord(m) || typeof m.source !== "string") return;
      const [, host, share] = /^\/\/([^\s/]+)\/([^\s/]+)$/.exec(m.source) ?? [];
      if (!host || !share) return;
      const storage = storageNodeOf(host, recs);
      if (!storage) return;
      const shares = storage.node.shares as Rec;
      const who = String(storage.node.name);
      const exported = Array.isArray(shares.exports) ? shares.exports.flatMap((e) => (isRecord(e) && typeof e.name === "string" ? [e.name] : [])) : [];
      // Samba share names are case-insensitive.
      if (Array.isArray(shares.exports) && !exported.some((e) => e.toLowerCase() === share.toLowerCase())) {
        at([...here, j, "source"], `must name a share ${who} exports (its shares.exports, line ${lineOf(["nodes", storage.index, "shares", "exports"])}), got ${JSON.stringify(share)}, ${suggestion(share, exported, "its shares")}`);
      }
      const ids = Array.isArray(shares.identities) ? shares.identities.flatMap((x) => (isRecord(x) && typeof x.name === "string" ? [x.name] : [])) : [];
      // No identities at all: nothing to check against (see sharesProblems).
      if (Array.isArray(shares.identities) && typeof m.identity === "string" && !ids.some((x) => x.toLowerCase() === (m.identity as string).toLowerCase())) {
        at([...here, j, "identity"], `must be an identity ${who} declares (its shares.identities, line ${lineOf(["nodes", storage.index, "shares", "identities"])}), got ${JSON.stringify(m.identity)}, ${suggestion(m.identity, ids, "its identities")}`);
      }
    });
  });
}

/** Mounts that declare how their files must be presented (uid, gid, modes). */
export const presentedMounts = (decl: MountsDecl | undefined): MountsDecl =>
  (decl ?? []).filter((m) => m.uid !== undefined || m.gid !== undefined || m.fileMode !== undefined || m.dirMode !== undefined);

declare module "../types.ts" {
  interface NodeDecl {
    mounts?: MountsDecl;
  }
}
