// Section `mounts`. STUB: owned by the work on that section; shape to be designed there.
import type { Section } from "./types.ts";

export interface MountsDecl {
  [key: string]: unknown;
}

export const mountsSection: Section<Record<string, unknown>, MountsDecl> = {
  key: "mounts",
  schema: { type: "object", additionalProperties: false, properties: {}, description: "STUB section mounts." },
  normalize: (raw) => ({ ...raw }),
};
