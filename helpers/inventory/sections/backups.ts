// Section `backups`. STUB: owned by the work on that section; shape to be designed there.
import type { Section } from "./types.ts";

export interface BackupsDecl {
  [key: string]: unknown;
}

export const backupsSection: Section<Record<string, unknown>, BackupsDecl> = {
  key: "backups",
  schema: { type: "object", additionalProperties: false, properties: {}, description: "STUB section backups." },
  normalize: (raw) => ({ ...raw }),
};
