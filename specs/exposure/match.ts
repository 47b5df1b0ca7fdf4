// Which listening sockets a service declaration speaks for.
import type { ServiceDecl } from "../../helpers/inventory/types.ts";
import type { ListeningSocket } from "../../helpers/probes/sockets.ts";

export function declares(svc: ServiceDecl, s: ListeningSocket): boolean {
  if (svc.proto !== s.proto) return false;
  if (svc.port !== "any" && svc.port !== s.port) return false;
  if (svc.address === undefined) return true;
  const want = svc.address.replace(/^\[|\]$/g, "");
  return want === s.address || (want === "*" && s.wildcard);
}

export const portLabel = (svc: ServiceDecl) => `${svc.proto}/${svc.port}${svc.address ? ` on ${svc.address}` : ""}`;
