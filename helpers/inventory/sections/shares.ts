// Section `shares` (§5.3 least privilege): Samba shares and their identities on the storage
// node. STUB: owned by the shares work; shape to be designed there.
import type { Section } from "./types.ts";

export interface SharesDecl {
  [key: string]: unknown;
}

export const sharesSection: Section<Record<string, unknown>, SharesDecl> = {
  key: "shares",
  schema: { type: "object", additionalProperties: false, properties: {}, description: "Samba shares and the identities allowed on them." },
  normalize: (raw) => ({ ...raw }),
};
