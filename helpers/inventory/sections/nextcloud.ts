// Section `nextcloud` (§2.3 "User data lives on mounted storage (/mnt/nextcloud in LXC210)"): where
// Nextcloud's own configuration puts its data directory, and the network mount it must be on
// (DATA-030).
import type { Section } from "./types.ts";

export interface NextcloudDecl {
  /** Nextcloud's config.php; the `*.config.php` files beside it are read too, as Nextcloud does. */
  config: string;
  /** The declared network mount (a `mounts[].path` of this node) the data directory must live on. */
  dataMount: string;
}

const ABS = "^/[^\\s'\"`$\\\\]*$";

export const nextcloudSection: Section<Partial<NextcloudDecl> & { dataMount: string }, NextcloudDecl> = {
  key: "nextcloud",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["dataMount"],
    description: "Nextcloud on this node (§2.3): its `datadirectory`, read from config.php and the `*.config.php` files Nextcloud merges after it, must resolve onto the declared network mount (DATA-030).",
    properties: {
      config: { type: "string", pattern: ABS, patternErrorMessage: "an absolute path without spaces or quotes", description: "Path of Nextcloud's config.php (default /var/www/nextcloud/config/config.php)." },
      dataMount: { type: "string", pattern: ABS, patternErrorMessage: "an absolute path without spaces or quotes", description: "The network mount (as declared under `mounts`) that must hold the data directory, e.g. /mnt/nextcloud." },
    },
  },
  normalize: (raw) => ({ config: raw.config ?? "/var/www/nextcloud/config/config.php", dataMount: raw.dataMount }),
};

declare module "../types.ts" {
  interface NodeDecl {
    nextcloud?: NextcloudDecl;
  }
}
