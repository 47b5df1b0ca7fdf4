// Section `containers` (§3.1 L3, §4.5, §5.1): the Docker containers a node runs and what the
// document asks of them — their restart policy, that they run (healthy, not in a restart loop),
// that their data paths are the node's network mounts, and on which addresses their ports are
// published.
import { duplicates, isRecord, nodeRecords, type At, type LineOf } from "./rules.ts";
import type { Section } from "./types.ts";

export type PublishScope = "lan" | "loopback" | "tailnet";

export interface DataPathDecl {
  /** Path inside the container, e.g. "/mnt/media". */
  container: string;
  /** Mountpoint on the node that path must resolve onto (the bind source, through binds), e.g. "/mnt/media". */
  mustBeMount: string;
}

export interface PublishDecl {
  port: number;
  scope: PublishScope;
}

export interface ContainerDecl {
  name: string;
  restart: "no" | "always" | "unless-stopped" | "on-failure";
  healthcheck: boolean;
  maxRestarts: number;
  dataPaths: DataPathDecl[];
  publish: PublishDecl[];
  /** User it must run as (IDENT-005): "NAME", "UID" or "UID:GID" / "NAME:GROUP" (a bare UID number is read as text); undefined: not checked. */
  user?: string;
}

export type ContainersDecl = ContainerDecl[];

export const CONTAINER_DEFAULTS = { restart: "unless-stopped", healthcheck: true, maxRestarts: 3 } as const;

type RawContainer = Partial<Omit<ContainerDecl, "user">> & { name: string; user?: string | number };

const absPath = (description: string) => ({ type: "string", pattern: "^/", patternErrorMessage: "an absolute path (starting with /)", description });
const trimSlash = (p: string) => p.replace(/\/+$/, "") || "/";

export const containersSection: Section<RawContainer[], ContainersDecl> = {
  problems: (nodes, at, lineOf) => containersProblems(nodes, at, lineOf),
  key: "containers",
  schema: {
    type: "array",
    description:
      "Docker containers on this node (§3.1 layer 3, §4.5, §5.1): restart policy, health, data paths and published ports. `docker` may be Docker or podman-docker.",
    items: {
      type: "object",
      additionalProperties: false,
      required: ["name"],
      description: "One container, by its name (`docker ps --format '{{.Names}}'`).",
      properties: {
        name: { type: "string", minLength: 1, description: "Container name." },
        restart: {
          type: "string",
          enum: ["no", "always", "unless-stopped", "on-failure"],
          default: CONTAINER_DEFAULTS.restart,
          description: "Restart policy it must have (§3.1: `unless-stopped`).",
        },
        healthcheck: {
          type: "boolean",
          default: CONTAINER_DEFAULTS.healthcheck,
          description: "It has a healthcheck, which must report `healthy`.",
        },
        maxRestarts: {
          type: "integer",
          minimum: 0,
          default: CONTAINER_DEFAULTS.maxRestarts,
          description: "Highest tolerated RestartCount (§4.5: no restart loops).",
        },
        dataPaths: {
          type: "array",
          description: "Data paths that must come from a network mount of the node (§3.1 L3), not a local directory.",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["container", "mustBeMount"],
            description: "A path in the container and the node mountpoint its bind must resolve onto.",
            properties: {
              container: absPath("Path inside the container, e.g. /mnt/media."),
              mustBeMount: absPath("Mountpoint on the node (e.g. the /mnt/media automount) the container path must resolve onto."),
            },
          },
        },
        user: {
          // A bare UID (`user: 1000`) is a number to YAML: admitted as such, like mounts' uid.
          type: ["string", "integer"],
          minimum: 0,
          maximum: 4294967294,
          pattern: "^[A-Za-z0-9_][A-Za-z0-9_.-]*[$]?(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$",
          patternErrorMessage: "NAME, UID or USER:GROUP (names or numbers), e.g. media, 1000 or 1000:1000",
          description:
            "User the container must run as (§4.5, §5.3; IDENT-005): its `docker inspect` Config.User, or the PUID/PGID environment of images following the linuxserver.io convention, must name it, and its processes must really run with that uid (and gid, when given). Names are resolved with the node's getent. Omitted: not checked.",
        },
        publish: {
          type: "array",
          description: "Ports it publishes (`-p`) and on which addresses (§5.1). An empty HostIp (all interfaces) is never allowed.",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["port", "scope"],
            description: "One published host port.",
            properties: {
              port: { type: "integer", minimum: 1, maximum: 65535, description: "Host port." },
              scope: {
                type: "string",
                enum: ["lan", "loopback", "tailnet"],
                description: "loopback: 127.0.0.1/::1; lan: a specific non-loopback, non-tailnet address; tailnet: a 100.64.0.0/10 or fd7a:115c:a1e0::/48 address.",
              },
            },
          },
        },
      },
    },
  },
  normalize: (raw) =>
    raw.map((c) => ({
      name: c.name,
      restart: c.restart ?? CONTAINER_DEFAULTS.restart,
      healthcheck: c.healthcheck ?? CONTAINER_DEFAULTS.healthcheck,
      maxRestarts: c.maxRestarts ?? CONTAINER_DEFAULTS.maxRestarts,
      dataPaths: (c.dataPaths ?? []).map((d) => ({ container: trimSlash(d.container), mustBeMount: trimSlash(d.mustBeMount) })),
      publish: (c.publish ?? []).map((p) => ({ port: p.port, scope: p.scope })),
      ...(c.user !== undefined ? { user: String(c.user) } : {}),
    })),
};

/** A node's containers are named uniquely: specs find each by its name (`docker ps`). */
export function containersProblems(nodes: readonly unknown[], at: At, lineOf: LineOf): void {
  nodeRecords(nodes).forEach((n, i) =>
    duplicates(
      n.containers,
      ["nodes", i, "containers"],
      "name",
      (c) => (isRecord(c) && typeof c.name === "string" ? { key: c.name, shown: JSON.stringify(c.name) } : undefined),
      "within the node",
      at,
      lineOf,
    ),
  );
}

declare module "../types.ts" {
  interface NodeDecl {
    containers?: ContainersDecl;
  }
}
