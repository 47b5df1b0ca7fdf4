// §5.2 "Identity-based overlay network for remote access", "Services that must be remote-accessible
// (e.g., Nextcloud) use Tailscale DNS/certs patterns"; §0 "Overlay network (Tailscale):
// identity-based access for administration and remote usage", "Public Internet: no direct
// exposure". EXPOSE-008 judges the policy file; this judges a node the inventory says is on the
// tailnet, as its own tailscaled reports it: the daemon up and enabled at boot, logged in and
// running, connected to the control plane, tagged as declared (the identity the policy grants
// to), its node key not about to expire (an expired key drops the node off the tailnet silently:
// tailscaled stays up and goes to NeedsLogin), and no Funnel.
//
// Funnel is judged here, not in EXPOSE-009 (tunnel clients): EXPOSE-009 knows a tunnel by its
// process, and Funnel has none of its own: it is tailscaled (the process every tailnet node runs)
// publishing a HostPort because its serve config says AllowFunnel. Only tailscaled's serve config
// tells, and only on a node that runs it.
//
// Certificates (§5.2 "Remote services use Tailscale DNS/certs"), for each name declared in
// `tailnet.tailscale.certs`: what the node itself is served when it connects to that MagicDNS name
// (openssl s_client with SNI, helpers/probes/tailscale.ts): a certificate answered, one of its DNS
// SANs covering the name (RFC 6125 §6.4.3, wildcard only as the whole left-most label; the
// subject's CN is not read: RFC 6125 §6.4.4 falls back to it only without any DNS SAN, and
// browsers no longer do), and its notAfter at least `certMinDays` (default 14) after the node's own
// clock. `tailscale cert` gets a Let's Encrypt certificate (90 days) but does not install or renew
// it for another server: a service using its files goes stale unless the operator renews them;
// `tailscale serve` renews its own.
//
// No tailscale binary or control server is available to the project's tests: this invariant is
// proven on real captured output only (fixtures/captured/tailscale/, tests/unit/probes/tailscale.test.ts;
// the certificates: openssl's own output against openssl s_server on the build host),
// and the lab declares no `tailnet.tailscale`, so a lab run reports it skipped (no node declares it).
import type { TailscaleNodeDecl } from "../../helpers/inventory/sections/tailnet.ts";
import { dnsNameCovers, tailscaleProbeFor, type CertAnswer, type TailscaleFact, type TailscaleSelf } from "../../helpers/probes/tailscale.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

const DAY = 86_400;

/** Subjects, each with its own fix. */
export const SUBJECT = {
  cli: "tailscale CLI",
  unit: "unit tailscaled",
  status: "tailscale status",
  backend: "tailscale backend",
  online: "Self.Online",
  tags: "Self.Tags",
  key: "node key",
  serve: "tailscale serve status",
  funnel: "Funnel",
  openssl: "openssl",
  cert: "certificate",
} as const;

/** "1.76.1-ERR-BuildInfo", "1.102.4-t3caf…" → [1, 76]; undefined when unreadable. */
export function minorVersion(v: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
const list = (a: string[]) => (a.length ? a.join(", ") : "none");

/** The findings of one node (pure: unit-tested on real captures). */
export function judgeTailscale(f: TailscaleFact, decl: TailscaleNodeDecl): Finding[] {
  const out: Finding[] = [];
  if (!f.installed) out.push({ subject: SUBJECT.cli, expected: "installed (command -v tailscale)", actual: "not found on PATH (nor in /usr/sbin, /sbin)" });
  if (f.active.state !== "active") out.push({ subject: SUBJECT.unit, expected: "active (systemctl is-active tailscaled)", actual: f.active.state || f.active.stderr || `no answer (exit ${f.active.exit})` });
  if (f.enabled.state !== "enabled") out.push({ subject: SUBJECT.unit, expected: "enabled at boot (systemctl is-enabled tailscaled)", actual: f.enabled.state || f.enabled.stderr || `no answer (exit ${f.enabled.exit})` });
  if (!f.installed) return out;

  const st = f.status;
  if (!st || st.exit !== 0 || !st.value) {
    const why = !st ? "not run" : st.exit !== 0 ? `exit ${st.exit}: ${st.stderr || "(no message)"}` : (st.error ?? "unreadable");
    out.push({ subject: SUBJECT.status, expected: "tailscaled answers `tailscale status --json`", actual: why });
  } else {
    const s = st.value;
    if (s.backendState !== "Running") {
      const login = s.backendState === "NeedsLogin" || s.backendState === "NeedsMachineAuth";
      out.push({ subject: SUBJECT.backend, expected: "BackendState Running (logged in, up)", actual: `${s.backendState}${login && s.authURL ? ` (login waiting at ${s.authURL})` : ""}` });
    }
    // Self's tags, key and online state mean something only once logged in and running (no netmap
    // before): a node that is not Running gets the one finding above, not noise about its Self.
    const self = s.backendState === "Running" ? s.self : undefined;
    if (s.backendState === "Running" && !self) {
      out.push({ subject: SUBJECT.status, expected: "Self: this node as the tailnet knows it", actual: "no Self in the status" });
    } else if (self) {
      const who = self.dnsName || self.hostName || "this node";
      if (!self.online) out.push({ subject: SUBJECT.online, expected: `${who} connected to the control plane (Self.Online true)`, actual: "false" });
      if (!sameSet(self.tags, decl.tags)) out.push({ subject: SUBJECT.tags, expected: `${who} tagged ${list(decl.tags)} (tailnet.tailscale.tags)`, actual: list(self.tags) });
      out.push(...judgeKey(f.now, s.version, self, decl, who));
    }
  }

  const sv = f.serve;
  if (!sv || sv.exit !== 0 || !sv.value) {
    const why = !sv ? "not run" : sv.exit !== 0 ? `exit ${sv.exit}: ${sv.stderr || "(no message)"}` : (sv.error ?? "unreadable");
    out.push({ subject: SUBJECT.serve, expected: "the serve config read (`tailscale serve status --json`), to tell whether Funnel is on", actual: why });
  } else {
    for (const e of sv.value.filter((e) => e.on && !decl.funnel.includes(e.hostPort))) {
      out.push({ subject: `${SUBJECT.funnel} ${e.hostPort}`, expected: "no Funnel (public internet exposure, §0) unless listed in tailnet.tailscale.funnel", actual: `${e.at}[${e.hostPort}] = true: published to the internet` });
    }
  }
  if (decl.certs.length) {
    if (f.openssl !== true) out.push({ subject: SUBJECT.openssl, expected: `openssl installed (Debian package openssl), to read the certificate served for ${decl.certs.map((c) => c.name).join(", ")}`, actual: f.openssl === false ? "command -v openssl: not found" : "not asked" });
    else for (const c of decl.certs) out.push(...judgeCert(f.now, f.certs?.find((a) => a.name === c.name && a.port === c.port), c, decl.certMinDays));
  }
  return out;
}

function judgeCert(now: number, a: CertAnswer | undefined, c: { name: string; port: number }, minDays: number): Finding[] {
  const subject = `${SUBJECT.cert} ${c.name}:${c.port}`;
  const v = a?.answer.value;
  if (!a || !v) {
    const why = !a ? "not asked" : a.answer.exit !== 0 ? `no certificate answered (exit ${a.answer.exit}: ${a.answer.stderr.split("\n")[0] || "no message"})` : (a.answer.error ?? "unreadable");
    return [{ subject, expected: `a TLS certificate served for ${c.name} on port ${c.port} (openssl s_client -servername ${c.name})`, actual: why }];
  }
  const out: Finding[] = [];
  if (!v.dnsNames.some((d) => dnsNameCovers(d, c.name))) out.push({ subject, expected: `a certificate valid for ${c.name} (a DNS subjectAltName covering it, RFC 6125 §6.4.3)`, actual: `DNS names ${list(v.dnsNames)} (subject ${v.subject || "empty"})` });
  const left = v.notAfter - now;
  if (left < minDays * DAY) out.push({ subject, expected: `valid for at least ${minDays} more days (tailnet.tailscale.certMinDays)`, actual: `notAfter ${v.notAfterText} (${left < 0 ? "already past" : `in ${Math.floor(left / DAY)} days`})` });
  return out;
}

function judgeKey(now: number, version: string, self: TailscaleSelf, decl: TailscaleNodeDecl, who: string): Finding[] {
  if (self.expired) return [{ subject: SUBJECT.key, expected: "a valid node key", actual: `expired${self.keyExpiry ? ` at ${self.keyExpiry}` : ""} (Self.Expired)` }];
  if (self.keyExpiry === undefined) {
    // Absent = expiry disabled, but only a client that writes Self.KeyExpiry can say so (PR #7040, 1.36).
    const v = minorVersion(version);
    if (!v || v[0] < 1 || (v[0] === 1 && v[1] < 36)) return [{ subject: SUBJECT.key, expected: "a client that reports Self.KeyExpiry (Tailscale 1.36 or later)", actual: `version ${version || "unknown"}: its key expiry cannot be read` }];
    return [];
  }
  const at = Date.parse(self.keyExpiry);
  if (Number.isNaN(at)) return [{ subject: SUBJECT.key, expected: "Self.KeyExpiry a date", actual: JSON.stringify(self.keyExpiry) }];
  const left = at / 1000 - now;
  if (decl.keyExpiry === "disabled") return [{ subject: SUBJECT.key, expected: `${who}: key expiry disabled (tailnet.tailscale.keyExpiry)`, actual: `the key expires ${self.keyExpiry} (${left < 0 ? "already past" : `in ${Math.floor(left / DAY)} days`})` }];
  if (left < decl.keyExpiry * DAY) return [{ subject: SUBJECT.key, expected: `${who}: the key valid for at least ${decl.keyExpiry} more days`, actual: `expires ${self.keyExpiry} (${left < 0 ? "already past" : `in ${Math.floor(left / DAY)} days`})` }];
  return [];
}

const FIX: Array<[string, (node: string, subject: string) => string]> = [
  [SUBJECT.cli, (n) => `on ${n}: install Tailscale (apt-get install tailscale from pkgs.tailscale.com), then systemctl enable --now tailscaled and tailscale up`],
  [SUBJECT.unit, (n) => `on ${n}: systemctl enable --now tailscaled`],
  [SUBJECT.status, (n) => `on ${n}: systemctl start tailscaled, then tailscale status`],
  [SUBJECT.backend, (n) => `on ${n}: tailscale up (log in, or approve the machine in the admin console; with a tagged auth key: tailscale up --auth-key=… --advertise-tags=…)`],
  [SUBJECT.online, (n) => `on ${n}: check its way to the control plane (tailscale netcheck; tailscale status shows the health warning)`],
  [SUBJECT.tags, (n) => `on ${n}: tailscale up --advertise-tags=<the declared tags> (tag owners in the policy must allow it), or change the tags in the admin console; or correct tailnet.tailscale.tags`],
  [SUBJECT.key, (n) => `re-authenticate ${n} (tailscale up --force-reauth) or disable key expiry for it in the admin console (Machines → … → Disable key expiry); or correct tailnet.tailscale.keyExpiry`],
  [SUBJECT.serve, (n) => `on ${n}: systemctl start tailscaled, then tailscale serve status --json`],
  [SUBJECT.funnel, (n) => `on ${n}: tailscale funnel reset (or tailscale funnel --https=<port> off), or list the HostPort under tailnet.tailscale.funnel with its reason`],
  [SUBJECT.openssl, (n) => `on ${n}: apt-get install openssl`],
  [
    SUBJECT.cert,
    (n, subject) => {
      const name = subject.slice(SUBJECT.cert.length + 1).replace(/:\d+$/, "");
      return `on ${n}: tailscale cert ${name} (a fresh Let's Encrypt certificate for the MagicDNS name; HTTPS certificates must be enabled in the admin console), then restart the service that serves it from those files; if tailscale serve serves it, it renews by itself: check tailscale serve status`;
    },
  ],
];

export default invariant(
  {
    id: "EXPOSE-010",
    title: "A tailnet node runs tailscaled logged in, tagged as declared, with a valid key, no Funnel, and valid certificates for its MagicDNS names",
    must:
      "On every node that declares `tailnet.tailscale`: the tailscale CLI MUST be installed and the tailscaled unit active and enabled; `tailscale status --json` MUST report BackendState Running and Self.Online true; Self.Tags MUST equal the declared `tags`; the node key MUST not be expired and, per `keyExpiry`, either have expiry disabled (Self.KeyExpiry absent) or stay valid for at least that many days; and no AllowFunnel entry of `tailscale serve status --json` (top-level or foreground) may be true unless its HostPort is listed in `funnel`. Proven on real captured output only: the project has no tailscale binary or control server.",
    fix: (f, node) => (FIX.find(([s]) => f.subject === s || f.subject.startsWith(`${s} `))?.[1] ?? ((n: string) => `on ${n}: tailscale status; tailscale serve status`))(node.name, f.subject),
    section: "§5.2, §0",
    family: "exposure",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.tailnet?.tailscale !== undefined,
    reads: (node) => ({ tailscale: tailscaleProbeFor(node.tailnet?.tailscale?.certs ?? []) }),
    check: ({ node, facts }) => judgeTailscale(facts.tailscale, node.tailnet!.tailscale!),
  },
);
