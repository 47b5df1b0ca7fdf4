// §1 Exposure model, §5.1 Exposure rules, §5.2 Remote access: a service declared for the LAN does
// not listen on the tailnet (a wildcard is every interface, the overlay included), and a service
// declared for the tailnet listens on the overlay address only.
import type { ServiceDecl } from "../../helpers/inventory/types.ts";
import { addressKind, interfaceAddresses, overlayInterfaces, type AddressKind, type NetInterface } from "../../helpers/probes/addresses.ts";
import { listeningSockets, type ListeningSocket } from "../../helpers/probes/sockets.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";
import { describeSocket } from "./describe-socket.ts";
import { declares, portLabel } from "./match.ts";

type Scope = "lan" | "tailnet";
const SCOPED = (s: ServiceDecl): s is ServiceDecl & { scope: Scope } => s.scope === "lan" || s.scope === "tailnet";

export default invariant(
  {
    id: "EXPOSE-002",
    title: "Services bind within their declared scope",
    must: "A service declared with scope `lan` MUST listen only on loopback or on addresses of the node's LAN interfaces (not the overlay); a wildcard is allowed only on a node without an overlay interface. A service declared with scope `tailnet` MUST listen only on overlay addresses (tailscale*, 100.64.0.0/10, fd7a:115c:a1e0::/48) or loopback; a wildcard or a LAN address is a violation.",
    fix: (f, node) => `on ${node.name}: set the listen address of ${f.subject.split(" ")[0]} to an address of its scope (wanted: ${f.expected}) and restart it; check: ss -ltn 'sport = :${port(f)}'`,
    section: "§1, §5.1, §5.2",
    family: "exposure",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.services.some(SCOPED),
    reads: () => ({ listeningSockets, interfaceAddresses }),
    check({ node, facts }) {
      const sockets = facts.listeningSockets;
      const ifaces = facts.interfaceAddresses;
      const findings: Finding[] = [];
      for (const svc of node.services.filter(SCOPED)) {
        const bad = sockets.filter((s) => declares(svc, s)).filter((s) => !allowed(svc.scope, s, ifaces));
        if (bad.length === 0) continue;
        findings.push({
          subject: `${svc.name} ${portLabel(svc)} (scope ${svc.scope})`,
          expected: svc.scope === "lan" ? expectLan(ifaces) : "listening on the tailnet address only (overlay interface or loopback)",
          actual: `listening on ${bad.map((s) => `${describeSocket(s)} → ${reach(s, ifaces)}`).join(", ")}`,
        });
      }
      return findings;
    },
  },
);

/** The kinds of interface a socket is reachable on. */
function kinds(s: ListeningSocket, ifaces: NetInterface[]): Set<AddressKind> {
  if (!s.wildcard) return new Set([addressKind(ifaces, s.address)]);
  // A wildcard bound to one device (ss "0.0.0.0%eth0") only reaches that device.
  const scoped = s.scope === undefined ? undefined : ifaces.find((i) => i.name === s.scope);
  const on = scoped ? [scoped] : ifaces;
  return new Set(on.map((i): AddressKind => (i.loopback ? "loopback" : i.overlay ? "overlay" : "lan")));
}

function allowed(scope: Scope, s: ListeningSocket, ifaces: NetInterface[]): boolean {
  const ok: AddressKind[] = scope === "lan" ? ["loopback", "lan"] : ["loopback", "overlay"];
  return [...kinds(s, ifaces)].every((k) => ok.includes(k));
}

function reach(s: ListeningSocket, ifaces: NetInterface[]): string {
  const k = kinds(s, ifaces);
  if (k.has("unknown")) return "an address on no interface of this node";
  const parts: string[] = [];
  if (k.has("overlay")) parts.push(`the tailnet (${names(overlayInterfaces(ifaces))})`);
  if (k.has("lan")) parts.push(`the LAN (${names(ifaces.filter((i) => !i.loopback && !i.overlay))})`);
  return `reachable on ${parts.join(" and ") || "loopback"}`;
}

const names = (is: NetInterface[]) => is.map((i) => i.name).join(", ") || "no interface";

function expectLan(ifaces: NetInterface[]): string {
  const overlay = overlayInterfaces(ifaces);
  const base = "listening on loopback or a LAN address";
  return overlay.length ? `${base} (this node has ${names(overlay)}, so no wildcard)` : `${base} or a wildcard`;
}

// Where a finding names it (the subject the check above writes), for the fix line.
const port = (f: Finding): string => /(?:tcp|udp)\/(\d+)|port (\d+)|:(\d+)/.exec(`${f.subject} ${f.actual}`)?.slice(1).find(Boolean) ?? "<port>";
