// Section `storage` (§2 data protection): SnapRAID and MergerFS on the storage
// node. STUB: owned by the data-protection work; shape to be designed there.
import type { Section } from "./types.ts";

export interface StorageDecl {
  [key: string]: unknown;
}

export const storageSection: Section<Record<string, unknown>, StorageDecl> = {
  key: "storage",
  schema: { type: "object", additionalProperties: false, properties: {}, description: "SnapRAID and MergerFS as declared on the storage node." },
  normalize: (raw) => ({ ...raw }),
};
