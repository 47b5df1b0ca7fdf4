// Section `containers`. STUB: owned by the work on that section; shape to be designed there.
import type { Section } from "./types.ts";

export interface ContainersDecl {
  [key: string]: unknown;
}

export const containersSection: Section<Record<string, unknown>, ContainersDecl> = {
  key: "containers",
  schema: { type: "object", additionalProperties: false, properties: {}, description: "STUB section containers." },
  normalize: (raw) => ({ ...raw }),
};
