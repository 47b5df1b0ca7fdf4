// Section `tailnet` (§5.2 "Admin and service segmentation is enforced through the overlay model
// (policy-driven)", §7 "ACL/policy documentation for overlay network"): the operator's Tailscale
// policy file, kept on this node (a repo checkout), judged offline (EXPOSE-008).
import type { Section } from "./types.ts";

export interface TailnetPolicyDecl {
  /** Path of the HuJSON policy file on this node. */
  file: string;
  /** Identities (users, groups, tags, autogroups) that may reach admin ports. */
  admins: string[];
  /** Admin ports: SSH and the Proxmox UI by default. */
  adminPorts: number[];
}

export interface TailnetDecl {
  policy: TailnetPolicyDecl;
}

type Raw = { policy: Omit<TailnetPolicyDecl, "adminPorts"> & { adminPorts?: number[] } };

export const tailnetSection: Section<Raw, TailnetDecl> = {
  key: "tailnet",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["policy"],
    description: "The Tailscale overlay (§5.2, §7): the operator's policy file, kept on this node, judged offline (EXPOSE-008).",
    properties: {
      policy: {
        type: "object",
        additionalProperties: false,
        required: ["file", "admins"],
        description: "The tailnet policy file (HuJSON) as kept in the operator's repo.",
        properties: {
          file: { type: "string", pattern: "^/[^\\s'\"`$\\\\]*$", patternErrorMessage: "an absolute path without spaces or quotes", description: "Path of the policy file on this node." },
          admins: { type: "array", minItems: 1, items: { type: "string", minLength: 1, description: "A user, group:…, tag:… or autogroup:… as the policy names it." }, description: "The only sources the policy may grant admin ports to." },
          adminPorts: { type: "array", minItems: 1, items: { type: "integer", minimum: 1, maximum: 65535, description: "A TCP port." }, description: "Admin ports (default [22, 8006]: SSH and the Proxmox UI)." },
        },
      },
    },
  },
  normalize: (raw) => ({ policy: { file: raw.policy.file, admins: [...raw.policy.admins], adminPorts: raw.policy.adminPorts ?? [22, 8006] } }),
};

declare module "../types.ts" {
  interface NodeDecl {
    tailnet?: TailnetDecl;
  }
}
