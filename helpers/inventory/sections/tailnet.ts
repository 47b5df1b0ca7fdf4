// Section `tailnet` (§5.2 "Identity-based overlay network for remote access … Admin and service
// segmentation is enforced through the overlay model (policy-driven)", §7 "ACL/policy
// documentation for overlay network"): the operator's Tailscale policy file, kept on this node (a
// repo checkout), judged offline (EXPOSE-008); and this node's own membership of the tailnet as
// tailscaled reports it (EXPOSE-010). Either may be declared without the other.
import type { Section } from "./types.ts";

export interface TailnetPolicyDecl {
  /** Path of the HuJSON policy file on this node. */
  file: string;
  /** Identities (users, groups, tags, autogroups) that may reach admin ports. */
  admins: string[];
  /** Admin ports: SSH and the Proxmox UI by default. */
  adminPorts: number[];
}

/** This node as a member of the tailnet (EXPOSE-010). */
export interface TailscaleNodeDecl {
  /** The ACL tags the node must carry, exactly (Self.Tags); [] = none (a user-owned node). */
  tags: string[];
  /** "disabled": key expiry switched off for this node; a number: the key must not expire within that many days. */
  keyExpiry: "disabled" | number;
  /** HostPort entries ("name.tailnet.ts.net:443") for which Funnel (public exposure) is accepted; [] = none. */
  funnel: string[];
  /** MagicDNS names this node serves TLS for (§5.2 "Tailscale DNS/certs"); [] = none judged. */
  certs: TailnetCertDecl[];
  /** A served certificate must stay valid for at least this many more days (default 14). */
  certMinDays: number;
}

/** A TLS service of this node under its MagicDNS name, e.g. { name: "nc.tail1234.ts.net", port: 443 }. */
export interface TailnetCertDecl {
  name: string;
  port: number;
}

export interface TailnetDecl {
  policy?: TailnetPolicyDecl;
  tailscale?: TailscaleNodeDecl;
}

type Raw = {
  policy?: Omit<TailnetPolicyDecl, "adminPorts"> & { adminPorts?: number[] };
  tailscale?: { tags?: string[]; keyExpiry: "disabled" | number; funnel?: string[]; certs?: Array<{ name: string; port?: number }>; certMinDays?: number };
};

export const tailnetSection: Section<Raw, TailnetDecl> = {
  key: "tailnet",
  schema: {
    type: "object",
    additionalProperties: false,
    minProperties: 1,
    description: "The Tailscale overlay (§5.2, §7): the operator's policy file kept on this node, judged offline (EXPOSE-008), and/or this node's own tailscaled state (EXPOSE-010).",
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
      tailscale: {
        type: "object",
        additionalProperties: false,
        required: ["keyExpiry"],
        description: "This node runs tailscaled and is a member of the tailnet (EXPOSE-010): logged in and running, tagged as declared, its node key not about to expire, no Funnel unless listed.",
        properties: {
          tags: { type: "array", uniqueItems: true, items: { type: "string", pattern: "^tag:[A-Za-z0-9-]+$", patternErrorMessage: "an ACL tag, e.g. tag:server", description: "An ACL tag, e.g. tag:server." }, description: "The tags the node must carry, exactly (default [] : none)." },
          keyExpiry: {
            oneOf: [
              { type: "string", enum: ["disabled"], description: "Key expiry is disabled for this node (admin console: Disable key expiry)." },
              { type: "integer", minimum: 1, maximum: 3650, description: "The node key must not expire within this many days." },
            ],
            description: "\"disabled\", or the number of days the node key must still be valid for.",
          },
          funnel: { type: "array", uniqueItems: true, items: { type: "string", pattern: "^[^\\s:]+:[0-9]{1,5}$", patternErrorMessage: "a HostPort as tailscale serve status --json names it, e.g. node.tail1234.ts.net:443", description: "A HostPort Funnel may expose." }, description: "HostPorts Funnel may publish to the internet (default []: none, §0 no direct exposure)." },
          certs: {
            type: "array",
            items: {
              type: "object",
              additionalProperties: false,
              required: ["name"],
              description: "A TLS service of this node under its MagicDNS name.",
              properties: {
                name: { type: "string", pattern: "^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$", patternErrorMessage: "a DNS name without a trailing dot, e.g. nc.tail1234.ts.net", description: "The MagicDNS name the service is reached by (and the certificate must be valid for)." },
                port: { type: "integer", minimum: 1, maximum: 65535, description: "The TLS port (default 443)." },
              },
            },
            description: "TLS services of this node under their MagicDNS names (§5.2 \"Tailscale DNS/certs\"): each must present, to the node itself, a certificate valid for that name and not expiring within certMinDays (default []: none judged).",
          },
          certMinDays: { type: "integer", minimum: 1, maximum: 365, description: "Days a served certificate must still be valid for (default 14)." },
        },
      },
    },
  },
  normalize: (raw) => ({
    ...(raw.policy ? { policy: { file: raw.policy.file, admins: [...raw.policy.admins], adminPorts: raw.policy.adminPorts ?? [22, 8006] } } : {}),
    ...(raw.tailscale ? { tailscale: { tags: [...(raw.tailscale.tags ?? [])], keyExpiry: raw.tailscale.keyExpiry, funnel: [...(raw.tailscale.funnel ?? [])], certs: (raw.tailscale.certs ?? []).map((c) => ({ name: c.name, port: c.port ?? 443 })), certMinDays: raw.tailscale.certMinDays ?? 14 } } : {}),
  }),
};

declare module "../types.ts" {
  interface NodeDecl {
    tailnet?: TailnetDecl;
  }
}
