// The internet router's port mappings (§0 "no router port-forwarding", §5.1), listed from a LAN
// node with miniupnpc's `upnpc -l` (Debian package miniupnpc). upnpc discovers the IGD by SSDP (or
// takes its rootDesc URL with -u), then walks GetGenericPortMappingEntry from index 0 until the
// router answers an error: 713 SpecifiedArrayIndexInvalid marks the end of the table (UPnP-IGD
// WANIPConnection:1 §2.4.14). A router running miniupnpd keeps one redirect table for UPnP-IGD,
// NAT-PMP and PCP requests, so NAT-PMP mappings are listed too.
//
// Output format, from miniupnpc's upnpc.c (ListRedirections):
//   printf(" i protocol exPort->inAddr:inPort description remoteHost leaseTime\n");
//   printf("%2d %s %5s->%s:%-5s '%s' '%s' %s\n", i, protocol, extPort, intClient, intPort, desc, rHost, duration);
//   printf("GetGenericPortMappingEntry() returned %d (%s)\n", r, strupnperror(r));
// and from main(): "Found valid IGD : URL", "Found a (not connected?) IGD : URL",
// "UPnP device found. Is it an IGD ? : URL", "No IGD UPnP Device found on the network !",
// "ExternalIPAddress = ADDR". Captures (real miniupnpd 2.3.1 + upnpc 2.2.4, Debian 12):
// fixtures/captured/router/.
import { shQuote } from "../transport/shell.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

const NAME = "router-mappings";

export interface RouterMapping {
  index: number;
  proto: "tcp" | "udp";
  externalPort: number;
  internal: string;
  internalPort: number;
  description: string;
  remoteHost: string;
  /** Lease seconds left; 0 = permanent. */
  lease: number;
  raw: string;
}

export interface RouterMappings {
  /** upnpc is installed; else why not. */
  setup: { ok: true } | { ok: false; why: string };
  /** The IGD's control URL and whether upnpc found it valid (connected). */
  igd?: { url: string; valid: boolean };
  /** upnpc said "No IGD UPnP Device found on the network !". */
  noIgd: boolean;
  externalAddress?: string;
  /** The mapping table was listed (its header printed). */
  listed: boolean;
  mappings: RouterMapping[];
  /** How the listing ended: 713 is the end of the table; another error means it is incomplete. */
  end?: { code: number; text: string };
  code?: number;
}

export function routerMappings(rootDesc?: string): Probe<RouterMappings> {
  const u = rootDesc ? ` -u ${shQuote(rootDesc)}` : "";
  const command = [
    `command -v upnpc >/dev/null 2>&1 || { echo 'setup upnpc is not installed (Debian package miniupnpc)'; exit 0; }`,
    `echo 'setup ok'`,
    // upnpc's SSDP discovery waits 2 s; a router that never answers the SOAP calls is bounded here.
    `timeout 20 upnpc${u} -l 2>&1; echo "rc $?"`,
  ].join("\n");
  // Not `slow`: upnpc holds a UDP socket on 0.0.0.0 (SSDP) while it runs, and a slow probe runs
  // beside the quick batch, where `ss` would list that socket as an undeclared listener (EXPOSE-004
  // failed so on the lab). In the quick batch it runs after listening-sockets, which every plan
  // puts first (helpers/run/plan.ts); it costs the batch SSDP's 2 s wait.
  return { name: NAME, command, parse: parseRouterMappings };
}

const ENTRY = /^\s*(\d+) (TCP|UDP)\s+(\d+)->([0-9a-fA-F.:]+):(\d+)\s*'(.*)' '([^']*)' (\d*)\s*$/;

export function parseRouterMappings({ stdout, stderr, code }: ProbeOutput): RouterMappings {
  if (code !== 0) throw new ProbeParseError(NAME, `exited ${code}: ${stderr.trim()}`);
  const lines = stdout.split("\n");
  const first = /^setup (.*)$/.exec(lines[0] ?? "");
  if (!first) throw new ProbeParseError(NAME, `expected a "setup" line, got ${JSON.stringify(lines[0])}`);
  const out: RouterMappings = { setup: first[1] === "ok" ? { ok: true } : { ok: false, why: first[1]! }, noIgd: false, listed: false, mappings: [] };
  if (!out.setup.ok) return out;
  let m: RegExpExecArray | null;
  for (const line of lines.slice(1)) {
    if ((m = /^Found valid IGD : (\S+)/.exec(line))) out.igd = { url: m[1]!, valid: true };
    else if ((m = /^(?:Found a \(not connected\?\) IGD|UPnP device found\. Is it an IGD \?) : (\S+)/.exec(line))) out.igd = { url: m[1]!, valid: false };
    else if (/^No IGD UPnP Device found on the network/.test(line)) out.noIgd = true;
    else if ((m = /^ExternalIPAddress = (\S+)/.exec(line))) out.externalAddress = m[1]!;
    else if (/^ i protocol exPort->inAddr:inPort description remoteHost leaseTime/.test(line)) out.listed = true;
    else if (out.listed && (m = ENTRY.exec(line))) {
      out.mappings.push({
        index: Number(m[1]),
        proto: m[2] === "TCP" ? "tcp" : "udp",
        externalPort: Number(m[3]),
        internal: m[4]!,
        internalPort: Number(m[5]),
        description: m[6]!,
        remoteHost: m[7]!,
        lease: m[8] ? Number(m[8]) : 0,
        raw: line.trim(),
      });
    } else if ((m = /^GetGenericPortMappingEntry\(\) returned (-?\d+) \((.*)\)/.exec(line))) out.end = { code: Number(m[1]), text: m[2]! };
    else if ((m = /^rc (\d+)$/.exec(line))) out.code = Number(m[1]);
  }
  if (out.code === undefined) throw new ProbeParseError(NAME, "no exit status line (upnpc did not finish?)");
  if (out.code === 124) return out;
  if (out.listed && !out.end) throw new ProbeParseError(NAME, "the mapping table was listed but its end was not printed (output cut?)");
  if (!out.igd && !out.noIgd && out.code === 0) throw new ProbeParseError(NAME, "upnpc printed neither an IGD nor that none was found");
  return out;
}

/** 713 SpecifiedArrayIndexInvalid: GetGenericPortMappingEntry past the last entry, the table's normal end. */
export const END_OF_TABLE = 713;

