// Section `router` (§0 "no router port-forwarding", §5.1): the internet router's UPnP-IGD /
// NAT-PMP port mappings, listed from this node (a LAN node) with miniupnpc's `upnpc -l`
// (EXPOSE-007). A router that runs miniupnpd keeps one redirect table for UPnP-IGD, NAT-PMP and
// PCP requests, so the UPnP listing shows NAT-PMP mappings too.
import type { Section } from "./types.ts";

export interface RouterMappingDecl {
  proto: "tcp" | "udp";
  externalPort: number;
  /** Internal client address the mapping points to. */
  internal: string;
  internalPort: number;
  /** Why this inbound path exists (shown in the evidence). */
  why: string;
}

export interface RouterDecl {
  /** The router answers UPnP-IGD on the LAN (true) or has UPnP/NAT-PMP switched off (false). */
  upnp: boolean;
  /** rootDesc URL of the router's IGD (`upnpc -u URL`); default: SSDP discovery from this node. */
  rootDesc?: string;
  /** The homelab's LAN addresses (IPv4 addresses or CIDR prefixes): a mapping to one is an inbound path. */
  homelab: string[];
  /** Mappings the operator accepts, each with its reason. Default: none. */
  allow: RouterMappingDecl[];
}

interface RouterRaw {
  upnp?: boolean;
  rootDesc?: string;
  homelab: string[];
  allow?: Array<Omit<RouterMappingDecl, "proto"> & { proto?: "tcp" | "udp" }>;
}

const IPV4 = "(?:25[0-5]|2[0-4]\\d|1?\\d?\\d)(?:\\.(?:25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}";

export const routerSection: Section<RouterRaw, RouterDecl> = {
  key: "router",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["homelab"],
    description:
      "The internet router as seen from this LAN node (§0 no router port-forwarding, §5.1): its UPnP-IGD/NAT-PMP port mappings are listed from here with `upnpc -l` (miniupnpc) and none may point into the homelab unless allowed here (EXPOSE-007).",
    properties: {
      upnp: {
        type: "boolean",
        description: "true (default): the router answers UPnP-IGD on the LAN and its mappings are listed. false: UPnP/NAT-PMP is switched off on the router, and an IGD that answers is a finding.",
      },
      rootDesc: {
        type: "string",
        pattern: "^https?://[^\\s'\"]+$",
        patternErrorMessage: "an http(s) URL without spaces or quotes",
        description: "URL of the router's IGD root description (e.g. http://192.168.1.1:5000/rootDesc.xml), given to `upnpc -u`. Default: SSDP discovery.",
      },
      homelab: {
        type: "array",
        minItems: 1,
        items: { type: "string", pattern: `^${IPV4}(?:/(?:3[0-2]|[12]?\\d))?$`, patternErrorMessage: "an IPv4 address or CIDR prefix, e.g. 192.168.1.0/24", description: "An IPv4 address or CIDR prefix of the homelab's nodes." },
        description: "The homelab's LAN addresses: a mapping whose internal client is one of them is an inbound path from the internet.",
      },
      allow: {
        type: "array",
        description: "Mappings the operator accepts (e.g. a WireGuard port), each with its reason. Anything else into the homelab fails EXPOSE-007.",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["externalPort", "internal", "internalPort", "why"],
          description: "One accepted mapping.",
          properties: {
            proto: { enum: ["tcp", "udp"], description: "Protocol (default tcp)." },
            externalPort: { type: "integer", minimum: 1, maximum: 65535, description: "Port on the router's public address." },
            internal: { type: "string", pattern: `^${IPV4}$`, patternErrorMessage: "an IPv4 address", description: "Internal client address it maps to." },
            internalPort: { type: "integer", minimum: 1, maximum: 65535, description: "Port on the internal client." },
            why: { type: "string", minLength: 1, description: "Why this inbound path exists." },
          },
        },
      },
    },
  },
  normalize: (raw) => ({
    upnp: raw.upnp ?? true,
    ...(raw.rootDesc !== undefined ? { rootDesc: raw.rootDesc } : {}),
    homelab: [...raw.homelab],
    allow: (raw.allow ?? []).map((a) => ({ proto: a.proto ?? "tcp", externalPort: a.externalPort, internal: a.internal, internalPort: a.internalPort, why: a.why })),
  }),
};

declare module "../types.ts" {
  interface NodeDecl {
    router?: RouterDecl;
  }
}
