// Section `identities` (§5.3 "Consistent UID/GID handling across boundaries"): the unix accounts
// a node must have, each with its uid and primary gid. Declared on every node where the identity
// must exist; the rule across nodes is "same name, same uid/gid everywhere it is declared".
import type { Section } from "./types.ts";

export interface IdentityDecl {
  name: string;
  uid: number;
  /** Primary group id; the group of the same name must have it. */
  gid: number;
}

export type IdentitiesDecl = IdentityDecl[];

const ID = { type: "integer", minimum: 0, maximum: 4294967294 };

export const identitiesSection: Section<IdentityDecl[], IdentitiesDecl> = {
  key: "identities",
  schema: {
    type: "array",
    description: "Unix accounts this node must have (§5.3), e.g. [{name: media, uid: 1000, gid: 1000}]. The same name must carry the same uid/gid on every node that declares it.",
    items: {
      type: "object",
      additionalProperties: false,
      required: ["name", "uid", "gid"],
      description: "One identity: a user and its primary group of the same name.",
      properties: {
        name: { type: "string", pattern: "^[a-z_][a-z0-9_-]*$", description: "User name (and its primary group's name)." },
        uid: { ...ID, description: "The user's uid." },
        gid: { ...ID, description: "The user's primary gid, also the gid of the group named like the user." },
      },
    },
  },
  normalize: (raw) => raw.map((i) => ({ name: i.name, uid: i.uid, gid: i.gid })),
};

declare module "../types.ts" {
  interface NodeDecl {
    identities?: IdentitiesDecl;
  }
}
