// Interfaces and their addresses from `ip -j addr show` (iproute2 6.1 JSON; captures in
// fixtures/captured/addresses/). Used to tell LAN, overlay (tailnet) and loopback addresses apart.
import { BlockList, isIPv4, isIPv6 } from "node:net";
import { isLoopback } from "./sockets.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

export interface InterfaceAddress {
  family: 4 | 6;
  /** The address without prefix length, e.g. "172.27.0.4", "fe80::42:acff:fe1b:4". */
  address: string;
  prefixlen: number;
  /** ip's scope: "host", "link", "global", … */
  scope: string;
}

export interface NetInterface {
  /** Kernel name ("eth0", "tailscale0"); ip -j prints it without the "@ifN" peer suffix. */
  name: string;
  loopback: boolean;
  /** The overlay network (Tailscale): a `tailscale*` interface or one carrying a tailnet address. */
  overlay: boolean;
  addresses: InterfaceAddress[];
}

const NAME = "interface-addresses";

export const interfaceAddresses: Probe<NetInterface[]> = {
  name: NAME,
  command: "ip -j addr show",
  parse: (output) => parseIpAddr(output),
};

// Tailscale's ranges: IPv4 CGNAT 100.64.0.0/10 and its IPv6 ULA prefix fd7a:115c:a1e0::/48.
const TAILNET = new BlockList();
TAILNET.addSubnet("100.64.0.0", 10, "ipv4");
TAILNET.addSubnet("fd7a:115c:a1e0::", 48, "ipv6");

/** An address in Tailscale's ranges (100.64.0.0/10, fd7a:115c:a1e0::/48). */
export function isTailnetAddress(addr: string): boolean {
  if (isIPv4(addr)) return TAILNET.check(addr, "ipv4");
  return isIPv6(addr) && TAILNET.check(addr, "ipv6");
}

function parseIpAddr({ stdout, stderr, code }: ProbeOutput): NetInterface[] {
  if (code !== 0) throw new ProbeParseError(NAME, `ip exited ${code}: ${stderr.trim()}`);
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch {
    throw new ProbeParseError(NAME, `not JSON: ${JSON.stringify(stdout.slice(0, 200))}`);
  }
  if (!Array.isArray(data)) throw new ProbeParseError(NAME, "expected a JSON array of interfaces");
  return data.map((entry: unknown) => parseInterface(entry));
}

function parseInterface(entry: unknown): NetInterface {
  if (typeof entry !== "object" || entry === null) throw new ProbeParseError(NAME, `not an interface: ${JSON.stringify(entry)}`);
  const e = entry as Record<string, unknown>;
  const name = e.ifname;
  if (typeof name !== "string" || name === "") throw new ProbeParseError(NAME, `interface without ifname: ${JSON.stringify(entry)}`);
  const flags = Array.isArray(e.flags) ? e.flags : [];
  const info = e.addr_info ?? [];
  if (!Array.isArray(info)) throw new ProbeParseError(NAME, `${name}: addr_info is not an array`);
  const addresses = info.map((a: unknown) => parseAddress(name, a));
  const loopback = flags.includes("LOOPBACK") || e.link_type === "loopback";
  const overlay = !loopback && (/^tailscale/.test(name) || addresses.some((a) => isTailnetAddress(a.address)));
  return { name, loopback, overlay, addresses };
}

function parseAddress(ifname: string, a: unknown): InterfaceAddress {
  const r = (typeof a === "object" && a !== null ? a : {}) as Record<string, unknown>;
  const { family, local, prefixlen, scope } = r;
  const fam = family === "inet" ? 4 : family === "inet6" ? 6 : undefined;
  const ok = fam === 4 ? isIPv4(String(local)) : fam === 6 && isIPv6(String(local));
  if (!fam || !ok || typeof prefixlen !== "number") {
    throw new ProbeParseError(NAME, `${ifname}: unreadable address ${JSON.stringify(a)}`);
  }
  return { family: fam, address: local as string, prefixlen, scope: typeof scope === "string" ? scope : "" };
}

/** Where an address of this node lives: loopback, the overlay, the LAN, or no interface at all. */
export type AddressKind = "loopback" | "overlay" | "lan" | "unknown";

/** Classifies a (normalized, non-wildcard) socket address against the node's interfaces. */
export function addressKind(interfaces: NetInterface[], address: string): AddressKind {
  if (isLoopback(address)) return "loopback";
  const owner = interfaces.find((i) => i.addresses.some((a) => a.address === address));
  if (owner?.loopback) return "loopback";
  if (owner?.overlay || isTailnetAddress(address)) return "overlay";
  return owner ? "lan" : "unknown";
}

/** The node's overlay interfaces (Tailscale). */
export const overlayInterfaces = (interfaces: NetInterface[]) => interfaces.filter((i) => i.overlay);
