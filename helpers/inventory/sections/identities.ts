// Section `identities`. STUB: owned by the work on that section; shape to be designed there.
import type { Section } from "./types.ts";

export interface IdentitiesDecl {
  [key: string]: unknown;
}

export const identitiesSection: Section<Record<string, unknown>, IdentitiesDecl> = {
  key: "identities",
  schema: { type: "object", additionalProperties: false, properties: {}, description: "STUB section identities." },
  normalize: (raw) => ({ ...raw }),
};
