// Section `repoCopies` (§7 "IaC-style documentation: compose files in repo (sanitized), systemd
// units snippets (sanitized)"): the copies the operator's repo keeps of what runs on this node,
// read on the node that keeps the repo checkout (`keptOn`, default this node), the way
// `tailnet.policy.file` is a path on the node that keeps it. CONT-003 judges the compose files
// against the running containers, BOOT-012 the unit snippets against `systemctl cat UNIT`.
import { unitName } from "./units.ts";
import { isRecord, nodeRecords, suggestion } from "./rules.ts";
import type { Section } from "./types.ts";

export interface RepoComposeCopy {
  /** Path of the compose file in the checkout, on the `keptOn` node. */
  file: string;
  /** The compose project it is deployed as (label com.docker.compose.project). */
  project: string;
}

export interface RepoUnitCopy {
  /** Path of the unit snippet in the checkout, on the `keptOn` node. */
  file: string;
  /** The unit on this node it is a copy of (without a suffix: .service). */
  unit: string;
}

export interface RepoCopiesDecl {
  /** The node whose filesystem holds the checkout; absent: this node (see `keptOn()`). */
  keptOn?: string;
  compose: RepoComposeCopy[];
  units: RepoUnitCopy[];
}

interface Raw {
  keptOn?: string;
  compose?: RepoComposeCopy[];
  units?: RepoUnitCopy[];
}

const PATH = { type: "string", pattern: "^/[^\\s'\"`$\\\\]*$", patternErrorMessage: "an absolute path without spaces or quotes" };

export const repoCopiesSection: Section<Raw, RepoCopiesDecl> = {
  key: "repoCopies",
  schema: {
    type: "object",
    additionalProperties: false,
    description:
      "The operator's repo copies of what runs on this node (§7: compose files and systemd unit snippets, sanitized): each compose file must describe the running containers of its project (CONT-003), each unit snippet's directives must hold in the unit as `systemctl cat` shows it (BOOT-012).",
    properties: {
      keptOn: { type: "string", minLength: 1, description: "The node that keeps the repo checkout the paths below are on (default: this node), e.g. the monitoring LXC." },
      compose: {
        type: "array",
        description: "Compose files of this node's container projects, as the repo keeps them.",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["file", "project"],
          description: "One compose file.",
          properties: {
            file: { ...PATH, description: "Path of the compose file on the `keptOn` node." },
            project: { type: "string", pattern: "^[a-z0-9][a-z0-9_-]*$", patternErrorMessage: "a compose project name (lowercase letters, digits, _ and -)", description: "The project it runs as on this node (label com.docker.compose.project)." },
          },
        },
      },
      units: {
        type: "array",
        description: "systemd unit snippets of this node, as the repo keeps them.",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["file", "unit"],
          description: "One unit snippet.",
          properties: {
            file: { ...PATH, description: "Path of the snippet on the `keptOn` node." },
            unit: { type: "string", pattern: "^[A-Za-z0-9:_.\\\\@-]+$", patternErrorMessage: "a systemd unit name, e.g. smbd or smbd.service", description: "The unit on this node the snippet is a copy of; without a suffix, .service." },
          },
        },
      },
    },
  },
  normalize: (raw) => ({
    ...(raw.keptOn ? { keptOn: raw.keptOn } : {}),
    compose: (raw.compose ?? []).map((c) => ({ file: c.file, project: c.project })),
    units: (raw.units ?? []).map((u) => ({ file: u.file, unit: unitName(u.unit) })),
  }),
  // keptOn names a declared node.
  problems(nodes, at) {
    const recs = nodeRecords(nodes);
    const names = recs.flatMap((n) => (typeof n.name === "string" ? [n.name] : []));
    recs.forEach((n, i) => {
      const r = n.repoCopies;
      if (!isRecord(r) || typeof r.keptOn !== "string" || names.includes(r.keptOn)) return;
      at(["nodes", i, "repoCopies", "keptOn"], `names no node of the inventory: ${suggestion(r.keptOn, names, "nodes")}`);
    });
  },
};

/** The node that keeps the checkout of `node`'s repo copies. */
export const keptOn = (node: { name: string; repoCopies?: RepoCopiesDecl }): string => node.repoCopies?.keptOn ?? node.name;

declare module "../types.ts" {
  interface NodeDecl {
    repoCopies?: RepoCopiesDecl;
  }
}
