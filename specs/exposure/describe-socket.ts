// A listening socket in words an operator reads at a glance: where it listens and what that exposes.
import type { ListeningSocket } from "../../helpers/probes/sockets.ts";

export function describeSocket(s: ListeningSocket): string {
  const host = s.family === 6 ? `[${s.address}]` : s.address;
  const where = `${host}${s.scope ? `%${s.scope}` : ""}:${s.port}`;
  const owner = s.processes.length ? ` by ${s.processes.map((p) => p.name).join(",")}` : "";
  if (s.wildcard && s.dualStack) return `*:${s.port}${owner} (dual-stack wildcard: every IPv4 and IPv6 interface)`;
  if (s.wildcard && s.family === 6) return `${where}${owner} (IPv6 wildcard: every IPv6 interface)`;
  if (s.wildcard) return `${where}${owner} (IPv4 wildcard: every IPv4 interface)`;
  return `${where}${owner} (a non-loopback address)`;
}
