// This node's own Tailscale state (§5.2 "Identity-based overlay network for remote access", §0
// "Public Internet: no direct exposure"; EXPOSE-010), read from tailscaled through its CLI, in one
// probe: the node's clock, whether the CLI is installed, the tailscaled unit, `tailscale status
// --json --peers=false` and `tailscale serve status --json`, each framed apart with its exit
// status and stderr (RUN_FN of ./proxmox.ts). All read-only: the local API's GET of the status and
// of the serve config needs only PermitRead (ipn/localapi/serve.go `serveServeConfig`); nothing is
// changed, no login is started.
//
// The JSON fields read, as tailscale writes them (tailscale/tailscale at
// de9ec7ee25627e0e518f53c710a3fc3d947c86c1; `tailscale status --help`: "For a description of the
// fields, see the "type Status" declaration at ipn/ipnstate/ipnstate.go"):
// - ipnstate.Status: `BackendState` (an ipn.State: "NoState", "NeedsLogin", "NeedsMachineAuth",
//   "Stopped", "Starting", "Running"), `AuthURL`, `Version`, `Health` ([]string, "Empty means
//   everything is good"), `CurrentTailnet` {Name, MagicDNSSuffix, MagicDNSEnabled} (nil when not
//   connected), `Self` (*PeerStatus).
// - ipnstate.PeerStatus (Self): `DNSName` (the FQDN, ending with a dot), `HostName`, `Online`
//   (ipn/ipnlocal/local.go sets Self.Online = health.GetInPollNetMap(): connected to the control
//   plane), `TailscaleIPs`, `Tags` (*views.Slice[string] `json:",omitempty"`: absent = no tags),
//   `Expired` (bool `json:",omitempty"`), `KeyExpiry` (*time.Time `json:",omitempty"`: "if
//   present, the time at which the node key expired or will expire"; peerStatusFromNode in
//   ipn/ipnlocal/local.go sets it only when the node's KeyExpiry is not zero, and tailcfg.Node's
//   KeyExpiry is "the zero value if this node does not expire": absent = expiry disabled). Self
//   got Tags in tailscale/tailscale PR #6112 (2022-10) and KeyExpiry in PR #7040 (2023-01): a
//   client older than those omits both, and would read as untagged with expiry disabled.
// - ipn.ServeConfig (ipn/serve.go), what `tailscale serve status --json` prints (serve_legacy.go
//   runServeStatus: the whole config, `{}` when there is none): `TCP`, `Web`, `Services`,
//   `AllowFunnel` (map[HostPort]bool `json:",omitempty"`: "the set of SNI:port values for which
//   funnel traffic is allowed"), `Foreground` (map[session]*ServeConfig: configs of a `tailscale
//   serve|funnel` left running in the foreground, each with its own AllowFunnel). Funnel is on
//   when any AllowFunnel entry, top-level or in a Foreground config, is true (ServeConfig.IsFunnelOn).
//
// `tailscale funnel status --json` is the same command (cli/funnel.go: Exec e.runServeStatus).
//
// Certificates (§5.2 "Remote services use Tailscale DNS/certs"): for each name the inventory
// declares (`tailnet.tailscale.certs`), the certificate the node itself is served when it connects
// to that name (MagicDNS resolves it to the node's own tailnet address), read with openssl 3:
// `openssl s_client -servername NAME` (SNI, so a server holding several certificates answers with
// this name's) piped into `openssl x509 -noout -subject -enddate -ext subjectAltName`. x509 prints
// `subject=…`, `notAfter=Mar  5 12:00:00 2027 GMT` (ASN1_TIME_print: month, day padded to two,
// time, year, GMT) and the SAN extension's header line followed by one indented line
// `DNS:a, DNS:b, IP Address:…`. Nothing answered (no listener, no TLS, the name not resolving):
// x509 gets no PEM, exits 1 with "Could not read certificate from <stdin>". openssl is looked for
// first (`command -v openssl`): without it no certificate line is run, and EXPOSE-010 says so.
// Captures (real output): fixtures/captured/tailscale/.
import { readSections, RUN_FN, type Section } from "./proxmox.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

const NAME = "tailscale-state";

export const CMD = {
  now: "date -u +%s",
  which: "command -v tailscale",
  active: "systemctl is-active tailscaled",
  enabled: "systemctl is-enabled tailscaled",
  status: "tailscale status --json --peers=false",
  serve: "tailscale serve status --json",
  openssl: "command -v openssl",
} as const;

/** The pipeline reading the certificate served for `name` on `port` (names and ports are schema-checked: no shell quoting needed). */
export const certPipeline = (name: string, port: number) =>
  `echo | timeout 10 openssl s_client -connect ${name}:${port} -servername ${name} 2>/dev/null | openssl x509 -noout -subject -enddate -ext subjectAltName`;
/** The frame's header of a certificate's pipeline: hlc_run prints its arguments, `sh -c PIPELINE`. */
export const certCommand = (name: string, port: number) => `sh -c ${certPipeline(name, port)}`;

/** What `openssl x509 -noout -subject -enddate -ext subjectAltName` printed. */
export interface CertInfo {
  subject: string;
  /** notAfter, seconds since the epoch. */
  notAfter: number;
  /** notAfter as openssl printed it. */
  notAfterText: string;
  /** The DNS names of the subjectAltName extension; [] when it has none. */
  dnsNames: string[];
}

export interface CertAnswer {
  name: string;
  port: number;
  answer: CommandAnswer<CertInfo>;
}

/** What Self says of this node in `tailscale status --json`. */
export interface TailscaleSelf {
  dnsName: string;
  hostName: string;
  online: boolean;
  tailscaleIPs: string[];
  /** Self.Tags; [] when absent (omitempty: no tags). */
  tags: string[];
  /** Self.KeyExpiry (RFC 3339); undefined when absent (omitempty: key expiry disabled). */
  keyExpiry?: string;
  expired: boolean;
}

export interface TailscaleStatus {
  version: string;
  backendState: string;
  authURL: string;
  health: string[];
  /** CurrentTailnet.MagicDNSSuffix (or the legacy top-level MagicDNSSuffix). */
  magicDNSSuffix?: string;
  self?: TailscaleSelf;
}

/** One AllowFunnel entry of the serve config. */
export interface FunnelEntry {
  /** "AllowFunnel" or "Foreground[<session>].AllowFunnel". */
  at: string;
  hostPort: string;
  on: boolean;
}

export interface CommandAnswer<T> {
  exit: number | null;
  stderr: string;
  value?: T;
  /** Why stdout was not read (not JSON, not the expected shape). */
  error?: string;
}

export interface TailscaleFact {
  /** The node's clock (seconds since the epoch), for the key's remaining validity. */
  now: number;
  /** `command -v tailscale` found the CLI. */
  installed: boolean;
  /** `systemctl is-active tailscaled`: its word (active, inactive, failed, …) and exit status. */
  active: { state: string; exit: number | null; stderr: string };
  /** `systemctl is-enabled tailscaled`: its word (enabled, disabled, masked, …) and exit status. */
  enabled: { state: string; exit: number | null; stderr: string };
  /** Undefined when the CLI is not installed (not run). */
  status?: CommandAnswer<TailscaleStatus>;
  serve?: CommandAnswer<FunnelEntry[]>;
  /** `command -v openssl` found it; undefined when no certificate is declared (not asked). */
  openssl?: boolean;
  /** One per declared certificate, in the inventory's order; [] when openssl is missing or none is declared. */
  certs?: CertAnswer[];
}

/** The probe of a node serving `certs` under their MagicDNS names (none: tailscaled's state only). */
export function tailscaleProbeFor(certs: ReadonlyArray<{ name: string; port: number }>): Probe<TailscaleFact> {
  const unique = [...new Map(certs.map((c) => [`${c.name}:${c.port}`, { name: c.name, port: c.port }])).values()];
  const certLines = unique.length
    ? [`hlc_run ${CMD.openssl}`, `if command -v openssl >/dev/null 2>&1; then ${unique.map((c) => `hlc_run sh -c '${certPipeline(c.name, c.port)}'`).join("; ")}; fi`]
    : [];
  return {
    name: NAME,
    // tailscale lives in /usr/bin, tailscaled in /usr/sbin; systemctl in /usr/bin or /bin.
    command: [
      `PATH="$PATH:/usr/sbin:/sbin"`,
      RUN_FN,
      `hlc_run ${CMD.now}`,
      `hlc_run ${CMD.which}`,
      `hlc_run ${CMD.active}`,
      `hlc_run ${CMD.enabled}`,
      `if command -v tailscale >/dev/null 2>&1; then hlc_run ${CMD.status}; hlc_run ${CMD.serve}; ${certLines.length ? `${certLines.join("; ")}; ` : ""}fi`,
    ].join("; "),
    parse: (output) => parseTailscaleOutput(output, unique),
  };
}

export const tailscaleProbe: Probe<TailscaleFact> = tailscaleProbeFor([]);

const need = (sections: Map<string, Section>, cmd: string): Section => {
  const s = sections.get(cmd);
  if (!s) throw new ProbeParseError(NAME, `no answer for \`${cmd}\` in the output`);
  return s;
};

export function parseTailscaleOutput(output: ProbeOutput, certs: ReadonlyArray<{ name: string; port: number }> = []): TailscaleFact {
  if (output.code !== 0) throw new ProbeParseError(NAME, `exited ${output.code}: ${output.stderr.trim()}`);
  const sections = readSections(NAME, output);
  const date = need(sections, CMD.now);
  const now = Number(date.body.join("").trim());
  if (date.code !== 0 || !Number.isInteger(now)) throw new ProbeParseError(NAME, `\`${CMD.now}\` gave ${JSON.stringify(date.body.join(" "))} (exit ${date.code})`);
  const word = (s: Section) => ({ state: s.body.join(" ").trim(), exit: s.code, stderr: s.stderr });
  const which = need(sections, CMD.which);
  const fact: TailscaleFact = { now, installed: which.code === 0, active: word(need(sections, CMD.active)), enabled: word(need(sections, CMD.enabled)) };
  if (!fact.installed) return fact;
  fact.status = answer(need(sections, CMD.status), parseStatusJson);
  fact.serve = answer(need(sections, CMD.serve), funnelEntries);
  if (!certs.length) return fact;
  fact.openssl = need(sections, CMD.openssl).code === 0;
  fact.certs = fact.openssl ? certs.map((c) => ({ ...c, answer: certAnswer(need(sections, certCommand(c.name, c.port))) })) : [];
  return fact;
}

function certAnswer(s: Section): CommandAnswer<CertInfo> {
  const base = { exit: s.code, stderr: s.stderr };
  if (s.code !== 0) return base;
  try {
    return { ...base, value: parseX509Text(s.body) };
  } catch (e) {
    return { ...base, error: (e as Error).message };
  }
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `notAfter=Mar  5 12:00:00 2027 GMT` (openssl's ASN1_TIME_print) → seconds since the epoch. */
export function parseNotAfter(text: string): number {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4}) GMT$/.exec(text.trim());
  const month = m ? MONTHS.indexOf(m[1]!) : -1;
  if (!m || month < 0) throw new Error(`notAfter not a date as openssl prints it: ${JSON.stringify(text)}`);
  return Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])) / 1000;
}

/** The lines `openssl x509 -noout -subject -enddate -ext subjectAltName` prints → CertInfo. */
export function parseX509Text(lines: string[]): CertInfo {
  const subject = lines.find((l) => l.startsWith("subject="));
  const end = lines.find((l) => l.startsWith("notAfter="));
  if (!end) throw new Error("no notAfter= line: not a certificate as openssl x509 prints it");
  const notAfterText = end.slice("notAfter=".length).trim();
  const at = lines.findIndex((l) => /^X509v3 Subject Alternative Name:/.test(l.trim()));
  const dnsNames: string[] = [];
  // The extension's values: the indented lines after its header (openssl prints them on one).
  for (let i = at + 1; at >= 0 && i < lines.length && /^\s+\S/.test(lines[i]!); i++) {
    for (const v of lines[i]!.trim().split(/,\s*/)) if (v.startsWith("DNS:")) dnsNames.push(v.slice(4));
  }
  return { subject: subject ? subject.slice("subject=".length).trim() : "", notAfter: parseNotAfter(notAfterText), notAfterText, dnsNames };
}

/**
 * Whether a certificate's DNS name `pattern` covers `name`: RFC 6125 §6.4.3 (case-insensitive per
 * §6.4.1, a trailing dot ignored), the wildcard taken only as the whole left-most label ("*.a.b"
 * matches "x.a.b", one label: not "a.b", not "y.x.a.b"); a partial-label wildcard ("w*.a.b", which
 * §6.4.3 leaves to the client and RFC 9525 forbids) and a "*" anywhere else match nothing.
 */
export function dnsNameCovers(pattern: string, name: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/\.$/, "");
  const p = norm(pattern).split(".");
  const n = norm(name).split(".");
  if (p.length !== n.length || p.some((l) => l === "")) return false;
  if (p.slice(1).some((l) => l.includes("*")) || (p[0]!.includes("*") && p[0] !== "*")) return false;
  return p.every((l, i) => (i === 0 && l === "*" ? n[0] !== "" : l === n[i]));
}

function answer<T>(s: Section, read: (json: unknown) => T): CommandAnswer<T> {
  const base = { exit: s.code, stderr: s.stderr };
  if (s.code !== 0) return base;
  const text = s.body.join("\n");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ...base, error: `not JSON: ${(e as Error).message}` };
  }
  try {
    return { ...base, value: read(json) };
  } catch (e) {
    return { ...base, error: (e as Error).message };
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** ipnstate.Status as `tailscale status --json` prints it → the fields EXPOSE-010 reads. */
export function parseStatusJson(json: unknown): TailscaleStatus {
  if (!isObject(json)) throw new Error("the status is not a JSON object");
  if (typeof json.BackendState !== "string") throw new Error("the status has no BackendState");
  const tailnet = isObject(json.CurrentTailnet) ? json.CurrentTailnet : undefined;
  const suffix = typeof tailnet?.MagicDNSSuffix === "string" ? tailnet.MagicDNSSuffix : typeof json.MagicDNSSuffix === "string" ? json.MagicDNSSuffix : undefined;
  const s = isObject(json.Self) ? json.Self : undefined;
  return {
    version: typeof json.Version === "string" ? json.Version : "",
    backendState: json.BackendState,
    authURL: typeof json.AuthURL === "string" ? json.AuthURL : "",
    health: strings(json.Health),
    ...(suffix ? { magicDNSSuffix: suffix } : {}),
    ...(s
      ? {
          self: {
            dnsName: typeof s.DNSName === "string" ? s.DNSName : "",
            hostName: typeof s.HostName === "string" ? s.HostName : "",
            online: s.Online === true,
            tailscaleIPs: strings(s.TailscaleIPs),
            tags: strings(s.Tags),
            ...(typeof s.KeyExpiry === "string" ? { keyExpiry: s.KeyExpiry } : {}),
            expired: s.Expired === true,
          },
        }
      : {}),
  };
}

/** Every AllowFunnel entry of an ipn.ServeConfig, its Foreground configs' included. */
export function funnelEntries(json: unknown): FunnelEntry[] {
  if (json === null) return []; // a nil config marshals as null
  if (!isObject(json)) throw new Error("the serve config is not a JSON object");
  const out: FunnelEntry[] = [];
  const read = (cfg: Record<string, unknown>, at: string) => {
    if (cfg.AllowFunnel === undefined || cfg.AllowFunnel === null) return;
    if (!isObject(cfg.AllowFunnel)) throw new Error(`${at} is not a JSON object`);
    for (const [hostPort, on] of Object.entries(cfg.AllowFunnel)) out.push({ at, hostPort, on: on === true });
  };
  read(json, "AllowFunnel");
  if (isObject(json.Foreground)) for (const [session, cfg] of Object.entries(json.Foreground)) if (isObject(cfg)) read(cfg, `Foreground[${session}].AllowFunnel`);
  return out;
}
