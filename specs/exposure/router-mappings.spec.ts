// §0 "Public Internet: no direct exposure, no router port-forwarding", §5.1 "No router
// port-forwarding". A port-forward made by hand in the router's web UI is invisible from the LAN;
// the ones the LAN itself makes are not: UPnP-IGD and NAT-PMP/PCP mappings that a media server,
// a game or malware asks the router for. Those are listed from a LAN node with `upnpc -l` and
// judged against the homelab's addresses.
import { END_OF_TABLE, routerMappings, type RouterMapping } from "../../helpers/probes/router.ts";
import type { RouterDecl } from "../../helpers/inventory/sections/router.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

const toInt = (a: string): number | undefined => {
  const p = a.split(".").map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return undefined;
  return ((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!;
};

/** Is `address` one of the homelab's (an address or inside a CIDR prefix)? */
export function inHomelab(address: string, homelab: string[]): boolean {
  const a = toInt(address);
  if (a === undefined) return false;
  return homelab.some((h) => {
    const [net, bits] = h.split("/");
    const n = toInt(net!);
    if (n === undefined) return false;
    const len = bits === undefined ? 32 : Number(bits);
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    return ((a & mask) >>> 0) === ((n & mask) >>> 0);
  });
}

const allowed = (m: RouterMapping, decl: RouterDecl) =>
  decl.allow.some((a) => a.proto === m.proto && a.externalPort === m.externalPort && a.internal === m.internal && a.internalPort === m.internalPort);

export default invariant(
  {
    id: "EXPOSE-007",
    title: "The router forwards no port into the homelab",
    must:
      "On every node that declares `router`, the router's UPnP-IGD port mapping table (which on miniupnpd also holds the NAT-PMP/PCP mappings), listed from that LAN node with `upnpc -l` (or `upnpc -u rootDesc -l`), MUST be read to its end and hold no mapping whose internal client is a homelab address (`router.homelab`) unless `router.allow` declares it; a router declared `upnp: false` MUST NOT answer as an IGD at all.",
    fix: (f, node) => `on the router: delete the mapping (upnpc -d PORT PROTO from ${node.name}), switch off UPnP/NAT-PMP or the service's "automatic port mapping", or declare it in router.allow with its reason (${f.subject})`,
    section: "§0, §5.1",
    family: "exposure",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.router !== undefined,
    reads: (node) => ({ mappings: routerMappings(node.router!.rootDesc) }),
    check({ node, facts }) {
      const decl = node.router!;
      const r = facts.mappings;
      const subject = "router port mappings";
      if (!r.setup.ok) return [{ subject, expected: "upnpc to list the router's mappings from this node", actual: r.setup.why }];
      if (!decl.upnp) {
        if (!r.igd) return [];
        const f: Finding[] = [{ subject, expected: "the router does not answer UPnP-IGD (declared upnp: false)", actual: `an IGD answered at ${r.igd.url}${r.externalAddress ? ` (external address ${r.externalAddress})` : ""}: any LAN device can open a port on it` }];
        return f.concat(mappingFindings(r.mappings, decl));
      }
      if (r.code === 124) return [{ subject, expected: "the router's mapping table listed", actual: "upnpc did not finish within 20 s" }];
      if (!r.igd || r.noIgd) {
        return [{ subject, expected: `the router's IGD to answer${decl.rootDesc ? ` at ${decl.rootDesc}` : " SSDP discovery"} and list its mappings`, actual: "no IGD UPnP device found on the network: the mappings could not be read (declare `upnp: false` if UPnP/NAT-PMP is switched off on the router)" }];
      }
      const f = mappingFindings(r.mappings, decl);
      if (!r.listed || (r.end && r.end.code !== END_OF_TABLE)) {
        f.push({ subject, expected: "the whole mapping table listed (it ends with 713 SpecifiedArrayIndexInvalid)", actual: r.end ? `the listing stopped at entry ${r.mappings.length} with ${r.end.code} (${r.end.text}): the rest of the table was not seen` : "the IGD did not list its mappings" });
      }
      return f;
    },
  },
);

function mappingFindings(mappings: RouterMapping[], decl: RouterDecl): Finding[] {
  return mappings
    .filter((m) => inHomelab(m.internal, decl.homelab) && !allowed(m, decl))
    .map((m) => ({
      subject: `mapping ${m.proto}/${m.externalPort}`,
      expected: "no router port mapping into the homelab unless declared in router.allow",
      actual: `the router forwards its public port ${m.proto}/${m.externalPort} to ${m.internal}:${m.internalPort} ('${m.description}'${m.remoteHost ? `, from ${m.remoteHost} only` : ""}, ${m.lease ? `lease ${m.lease} s left` : "permanent"}): an inbound path from the internet`,
    }));
}
