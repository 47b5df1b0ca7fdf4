// Section `tunnels` (§0 "no direct exposure", §5.1 "No public reverse proxy"): an outbound tunnel
// client publishes a service to the internet without any router port-forward or listener on a
// public address, so neither EXPOSE-004 nor EXPOSE-007 can see it. EXPOSE-009 fails any tunnel
// client a node runs unless it is declared here with its reason. Absent = none allowed.
import type { Section } from "./types.ts";

export interface TunnelAllowDecl {
  /** The client's process name as the kernel shows it (/proc/<pid>/comm), e.g. cloudflared. */
  client: string;
  /** Why this path from the internet exists. */
  why: string;
}

export interface TunnelsDecl {
  allow: TunnelAllowDecl[];
}

export const tunnelsSection: Section<{ allow?: TunnelAllowDecl[] }, TunnelsDecl> = {
  key: "tunnels",
  schema: {
    type: "object",
    additionalProperties: false,
    description: "Outbound tunnel clients this node may run (§0, §5.1; EXPOSE-009). Absent: none. Any other tunnel client the node runs fails EXPOSE-009.",
    properties: {
      allow: {
        type: "array",
        description: "Tunnel clients the operator accepts, each with its reason.",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["client", "why"],
          description: "One accepted tunnel client.",
          properties: {
            client: { type: "string", pattern: "^[A-Za-z0-9._+-]{1,15}$", patternErrorMessage: "a process name as /proc/<pid>/comm shows it (at most 15 characters), e.g. cloudflared", description: "The client's process name (/proc/<pid>/comm), e.g. cloudflared, ngrok, frpc, ssh." },
            why: { type: "string", minLength: 1, description: "Why this path from the internet exists." },
          },
        },
      },
    },
  },
  normalize: (raw) => ({ allow: (raw.allow ?? []).map((a) => ({ client: a.client, why: a.why })) }),
};

declare module "../types.ts" {
  interface NodeDecl {
    tunnels?: TunnelsDecl;
  }
}
