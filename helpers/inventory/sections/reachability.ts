// Section `reachability` (§1 exposure model, §5.1): how the cross-check of EXPOSE-005 reaches this
// node from another one. Optional: by default the next node of the inventory (in file order,
// wrapping around) connects to this node's name, or to its ssh.host when that is a LAN address.
import { isRecord, nodeRecords, suggestion, type At } from "./rules.ts";
import type { Section } from "./types.ts";

export interface ReachabilityDecl {
  /** The node that attempts the connections (the vantage); default: the next node of the inventory. */
  from?: string;
  /** Addresses or DNS names of this node on the LAN, as other nodes reach it; default: one, see above. */
  addresses?: string[];
}

export const reachabilitySection: Section<ReachabilityDecl, ReachabilityDecl> = {
  problems: (nodes, at) => reachabilityProblems(nodes, at),
  key: "reachability",
  schema: {
    type: "object",
    additionalProperties: false,
    description:
      "Where the reachability cross-check (EXPOSE-005) connects to this node's declared TCP ports from (§1, §5.1). Default: from the next node of the inventory, to this node's ssh.host when it is a LAN address, else to its name.",
    properties: {
      from: {
        type: "string",
        pattern: "^[a-z0-9][a-z0-9-]*$",
        patternErrorMessage: "a node name (lowercase letters, digits and '-')",
        description: "Name of another node of this inventory that attempts the connections (it needs bash and coreutils' timeout).",
      },
      addresses: {
        type: "array",
        minItems: 1,
        items: { type: "string", minLength: 1, pattern: "^[^\\s]+$", patternErrorMessage: "an address or DNS name without spaces", description: "An IPv4/IPv6 address or a DNS name of this node on the LAN." },
        description: "This node's LAN addresses (or names) as the other nodes reach it, e.g. [192.168.1.12]. Each is tried on every declared TCP port.",
      },
    },
  },
  normalize: (raw) => ({ ...(raw.from !== undefined ? { from: raw.from } : {}), ...(raw.addresses !== undefined ? { addresses: [...raw.addresses] } : {}) }),
};

/**
 * `from` names the vantage: another node of this inventory. Any node can be one, whether reached
 * over ssh or through pct: the connection attempts are a probe in the vantage's own batched round
 * trip (helpers/probes/reachability.ts), which a pct-reached LXC has too.
 */
export function reachabilityProblems(nodes: readonly unknown[], at: At): void {
  const recs = nodeRecords(nodes);
  const names = [...new Set(recs.flatMap((n) => (typeof n.name === "string" ? [n.name] : [])))];
  recs.forEach((n, i) => {
    const r = n.reachability;
    if (!isRecord(r) || typeof r.from !== "string") return;
    const here = ["nodes", i, "reachability", "from"];
    if (r.from === n.name) {
      at(here, `must name another node (the one that connects to this node's ports), got ${JSON.stringify(r.from)}, the node itself`);
    } else if (!names.includes(r.from)) {
      at(here, `must name a node of this inventory, got ${JSON.stringify(r.from)}, ${suggestion(r.from, names, "nodes")}`);
    }
  });
}

declare module "../types.ts" {
  interface NodeDecl {
    reachability?: ReachabilityDecl;
  }
}
