// EXPOSE-010 and the tailscale-state probe, on REAL Tailscale output (fixtures/captured/tailscale/
// README.md says where each came from). This machine has no tailscale binary or control server and
// the lab declares no `tailnet.tailscale`: these captures are the only proof. Each failing variant
// is a copy of a real capture with the field it changes named in the test.
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { describe, expect, it } from "vitest";
import { tailnetDeclared } from "../../../fixtures/lab/declared/tailnet.ts";
import type { RunFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import type { TailscaleNodeDecl } from "../../../helpers/inventory/sections/tailnet.ts";
import type { Inventory, NodeDecl } from "../../../helpers/inventory/types.ts";
import { certCommand, CMD, dnsNameCovers, funnelEntries, parseNotAfter, parseStatusJson, parseTailscaleOutput, parseX509Text, tailscaleProbe, tailscaleProbeFor } from "../../../helpers/probes/tailscale.ts";
import { judgeAll, toResults } from "../../../helpers/run/judge.ts";
import { DEFAULT_OPTIONS, evaluate } from "../../../helpers/spec/evaluate.ts";
import { judgeTailscale } from "../../../specs/exposure/tailscale-state.spec.ts";
import { byId } from "../catalog-support.ts";
import { factsOf, inventoryProblems } from "../support.ts";

const dir = new URL("../../../fixtures/captured/tailscale/", import.meta.url);
const read = (f: string) => readFileSync(new URL(f, dir), "utf8");
const LINUX = "status-linux-1.76.1-running.json"; // Running, Online, no Tags, KeyExpiry 2025-04-29T14:56:43Z
const WINDOWS = "status-windows-1.102.4-running-no-expiry.json"; // Running, Online, no Tags, no Self.KeyExpiry
const TAILNET_ONLY = "serve-status-tailnet-only.json";
const FUNNEL_ON = "serve-status-funnel-on.json"; // AllowFunnel mobile-t460p.phoenix-wyvern.ts.net:443 true
const SERVICE = "serve-status-service-1.92.3.json";
const at = (iso: string) => Date.parse(iso) / 1000;
const MARCH = at("2025-03-01T00:00:00Z"); // 59 days before the Linux capture's key expires

/** A copy of a real capture with `edit` applied to its parsed JSON (the test names the field). */
const edited = (f: string, edit: (j: Record<string, any>) => void) => {
  const j = JSON.parse(read(f)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  edit(j);
  return JSON.stringify(j, null, 2);
};

// The probe's framing, as RUN_FN (helpers/probes/proxmox.ts) prints it: stdout, a blank line, stderr with "! ", the exit status.
const frame = (cmd: string, stdout: string, code: number, stderr = "") =>
  `--- hlc-probe: ${cmd} ---\n${stdout}\n${stderr ? stderr.split("\n").map((l) => `! ${l}\n`).join("") : ""}--- hlc-probe: exit ${code} ---\n`;

// Real openssl output (fixtures/captured/tailscale/README.md): the probe's pipeline against openssl
// s_server on the build host, certificates made 2026-12-07 01:39 UTC for host.tail1234.ts.net.
const HOST = "host.tail1234.ts.net";
const CERT = { valid: "cert-valid.stdout.txt", soon: "cert-soon.stdout.txt", other: "cert-other.stdout.txt", wild: "cert-wild.stdout.txt" } as const;
const NO_ANSWER = read("cert-no-answer.stderr.txt").trimEnd(); // x509 reading nothing (exit 1)
const NODE_DATE = at("2026-12-07T02:00:00Z"); // the node's clock the certificate tests pass in
type CertOut = { name?: string; port?: number; stdout: string; code?: number; stderr?: string };

interface NodeOut {
  now?: number;
  /** undefined: no certificate declared (nothing asked); false: `command -v openssl` exit 127. */
  openssl?: boolean;
  certs?: CertOut[];
  active?: [string, number];
  enabled?: [string, number];
  status?: { stdout: string; code?: number; stderr?: string };
  serve?: { stdout: string; code?: number; stderr?: string };
}
/** A node with tailscale installed: the framed output of the whole probe (systemctl's words: systemctl(1)). */
function output(o: NodeOut): string {
  const [a, ac] = o.active ?? ["active", 0];
  const [e, ec] = o.enabled ?? ["enabled", 0];
  return [
    frame(CMD.now, String(o.now ?? MARCH), 0),
    frame(CMD.which, "/usr/bin/tailscale", 0),
    frame(CMD.active, a, ac),
    frame(CMD.enabled, e, ec),
    frame(CMD.status, o.status?.stdout ?? read(LINUX), o.status?.code ?? 0, o.status?.stderr),
    frame(CMD.serve, o.serve?.stdout ?? read(TAILNET_ONLY), o.serve?.code ?? 0, o.serve?.stderr),
    ...(o.openssl === undefined ? [] : [frame(CMD.openssl, o.openssl ? "/usr/bin/openssl" : "", o.openssl ? 0 : 127)]),
    ...(o.openssl ? (o.certs ?? []).map((c) => frame(certCommand(c.name ?? HOST, c.port ?? 443), c.stdout.trimEnd(), c.code ?? 0, c.stderr)) : []),
  ].join("");
}

const DECL: TailscaleNodeDecl = { tags: [], keyExpiry: 30, funnel: [], certs: [], certMinDays: 14 };
const node = (decl: TailscaleNodeDecl) => ({ name: "lxc210", role: "service", layer: 3, services: [], ssh: {}, tailnet: { tailscale: decl } }) as unknown as NodeDecl;
function judge(stdout: string, decl: TailscaleNodeDecl = DECL) {
  const spec = byId("EXPOSE-010");
  const facts = factsOf("lxc210", [[tailscaleProbeFor(decl.certs), { stdout, stderr: "", code: 0 }]]);
  return evaluate(spec.meta, spec.def, node(decl), facts) as { status: string; message?: string; findings?: Array<{ subject: string; fix?: string }> };
}
const lines = (v: { message?: string }) => (v.message ?? "").split("\n").filter((l) => l.startsWith("  - "));
const fixes = (v: { findings?: Array<{ fix?: string }> }) => (v.findings ?? []).map((f) => f.fix);

describe("tailscale status --json / serve status --json: the fields EXPOSE-010 reads", () => {
  it("the Linux capture: Running, Online, no tags (Self.Tags absent), KeyExpiry, the MagicDNS suffix", () => {
    expect(parseStatusJson(JSON.parse(read(LINUX)))).toEqual({
      version: "1.76.1-ERR-BuildInfo",
      backendState: "Running",
      authURL: "",
      health: [],
      magicDNSSuffix: "tail1fb5f0.ts.net",
      self: { dnsName: "ikuai-1.tail1fb5f0.ts.net.", hostName: "iKuai", online: true, tailscaleIPs: ["100.104.58.51", "fd7a:115c:a1e0::ef01:3a34"], tags: [], keyExpiry: "2025-04-29T14:56:43Z", expired: false },
    });
  });

  it("the Windows capture: Self has no KeyExpiry (expiry disabled) while its peers have one", () => {
    const raw = JSON.parse(read(WINDOWS)) as { Self: object; Peer: Record<string, object> };
    expect(raw.Self).not.toHaveProperty("KeyExpiry");
    expect(Object.values(raw.Peer).every((p) => "KeyExpiry" in p)).toBe(true);
    expect(parseStatusJson(raw).self).not.toHaveProperty("keyExpiry");
  });

  it("AllowFunnel entries: none on the tailnet-only and Services configs, one true after `tailscale funnel 443 on`, Foreground configs read too", () => {
    expect(funnelEntries(JSON.parse(read(TAILNET_ONLY)))).toEqual([]);
    expect(funnelEntries(JSON.parse(read(SERVICE)))).toEqual([]);
    expect(funnelEntries({})).toEqual([]);
    expect(funnelEntries(null)).toEqual([]);
    expect(funnelEntries(JSON.parse(read(FUNNEL_ON)))).toEqual([{ at: "AllowFunnel", hostPort: "mobile-t460p.phoenix-wyvern.ts.net:443", on: true }]);
    // The real funnel config moved under Foreground (what a `tailscale funnel 443` left in the foreground writes, ipn/serve.go).
    const fg = JSON.parse(edited(FUNNEL_ON, (j) => (j.Foreground = { "session-1": { AllowFunnel: j.AllowFunnel } }, delete j.AllowFunnel)));
    expect(funnelEntries(fg)).toEqual([{ at: "Foreground[session-1].AllowFunnel", hostPort: "mobile-t460p.phoenix-wyvern.ts.net:443", on: true }]);
  });

  it("the probe's own output on a machine without tailscale or systemd (real): nothing of tailscale run", () => {
    const f = parseTailscaleOutput({ stdout: read("probe-no-tailscale-no-systemd.stdout.txt"), stderr: "", code: 0 });
    expect(f).toMatchObject({ now: 1796605379, installed: false, active: { state: "", exit: 1 }, enabled: { state: "", exit: 1 } });
    expect(f.active.stderr).toContain("System has not been booted with systemd");
    expect(f.status).toBeUndefined();
    expect(f.serve).toBeUndefined();
  });

  it("the command is read-only and reads tailscaled's state through its CLI only", () => {
    expect(tailscaleProbe.command).toContain("tailscale status --json --peers=false");
    expect(tailscaleProbe.command).toContain("tailscale serve status --json");
    expect(tailscaleProbe.command).not.toMatch(/tailscale (up|down|set|login|logout|funnel|serve (?!status))/);
  });
});

describe("EXPOSE-010 judged on the captures", () => {
  it("passes: the Linux capture 59 days before its key expires (30 declared), untagged, tailnet-only serve", () => {
    expect(judge(output({})).status).toBe("passed");
    expect(judge(output({ serve: { stdout: read(SERVICE) } })).status).toBe("passed");
  });

  it("passes: the Windows capture with expiry disabled, declared \"disabled\" or a window", () => {
    expect(judge(output({ status: { stdout: read(WINDOWS) } }), { ...DECL, keyExpiry: "disabled" }).status).toBe("passed");
    expect(judge(output({ status: { stdout: read(WINDOWS) } }), { ...DECL, keyExpiry: 365 }).status).toBe("passed");
  });

  it("fails a logged-out node (BackendState changed to NeedsLogin, AuthURL set), and Stopped, NoState: fix tailscale up", () => {
    const needsLogin = edited(LINUX, (j) => ((j.BackendState = "NeedsLogin"), (j.AuthURL = "https://login.tailscale.com/a/xxxxxx")));
    const v = judge(output({ status: { stdout: needsLogin } }));
    expect(v.status).toBe("failed");
    expect(v.message).toContain("EXPOSE-010 [lxc210]");
    expect(lines(v)).toEqual(["  - tailscale backend: expected BackendState Running (logged in, up); actual NeedsLogin (login waiting at https://login.tailscale.com/a/xxxxxx)"]);
    expect(fixes(v)[0]).toMatch(/^on lxc210: tailscale up/);
    // Not Running: Self's tags and key are not judged (no netmap yet), only the state.
    expect(lines(judge(output({ status: { stdout: needsLogin } }), { ...DECL, tags: ["tag:server"] }))).toHaveLength(1);
    for (const state of ["Stopped", "NoState"]) {
      const w = judge(output({ status: { stdout: edited(LINUX, (j) => (j.BackendState = state)) } }));
      expect(lines(w)).toEqual([`  - tailscale backend: expected BackendState Running (logged in, up); actual ${state}`]);
    }
  });

  it("fails a key expiring within the declared window, an expired key, and a key that expires where expiry was declared disabled", () => {
    const v = judge(output({ now: at("2025-04-20T14:56:43Z") }));
    expect(lines(v)).toEqual(["  - node key: expected ikuai-1.tail1fb5f0.ts.net.: the key valid for at least 30 more days; actual expires 2025-04-29T14:56:43Z (in 9 days)"]);
    expect(fixes(v)[0]).toContain("tailscale up --force-reauth");
    expect(lines(judge(output({ now: at("2025-05-01T00:00:00Z") })))[0]).toContain("already past");
    // Self.Expired changed to true (what the client sets once the key's time has passed).
    expect(lines(judge(output({ status: { stdout: edited(LINUX, (j) => (j.Self.Expired = true)) } })))).toEqual(["  - node key: expected a valid node key; actual expired at 2025-04-29T14:56:43Z (Self.Expired)"]);
    expect(lines(judge(output({}), { ...DECL, keyExpiry: "disabled" }))).toEqual([
      "  - node key: expected ikuai-1.tail1fb5f0.ts.net.: key expiry disabled (tailnet.tailscale.keyExpiry); actual the key expires 2025-04-29T14:56:43Z (in 59 days)",
    ]);
  });

  it("an old client that never writes Self.KeyExpiry is not read as expiry disabled (Version changed to 1.32.3 on the Windows capture)", () => {
    const old = edited(WINDOWS, (j) => (j.Version = "1.32.3-t1234"));
    expect(lines(judge(output({ status: { stdout: old } }), { ...DECL, keyExpiry: "disabled" }))).toEqual(["  - node key: expected a client that reports Self.KeyExpiry (Tailscale 1.36 or later); actual version 1.32.3-t1234: its key expiry cannot be read"]);
  });

  it("fails tags that differ: declared tag:server on the untagged capture; Self.Tags added to a copy", () => {
    const decl = { ...DECL, tags: ["tag:server"] };
    const v = judge(output({}), decl);
    expect(lines(v)).toEqual(["  - Self.Tags: expected ikuai-1.tail1fb5f0.ts.net. tagged tag:server (tailnet.tailscale.tags); actual none"]);
    expect(fixes(v)[0]).toContain("--advertise-tags");
    expect(judge(output({ status: { stdout: edited(LINUX, (j) => (j.Self.Tags = ["tag:server"])) } }), decl).status).toBe("passed");
    expect(lines(judge(output({ status: { stdout: edited(LINUX, (j) => (j.Self.Tags = ["tag:server", "tag:web"])) } }), decl))).toEqual([
      "  - Self.Tags: expected ikuai-1.tail1fb5f0.ts.net. tagged tag:server (tailnet.tailscale.tags); actual tag:server, tag:web",
    ]);
  });

  it("fails a node not connected to the control plane (Self.Online changed to false)", () => {
    expect(lines(judge(output({ status: { stdout: edited(LINUX, (j) => (j.Self.Online = false)) } })))).toEqual([
      "  - Self.Online: expected ikuai-1.tail1fb5f0.ts.net. connected to the control plane (Self.Online true); actual false",
    ]);
  });

  it("fails Funnel on (the real config after `tailscale funnel 443 on`) unless its HostPort is declared", () => {
    const v = judge(output({ serve: { stdout: read(FUNNEL_ON) } }));
    expect(lines(v)).toEqual([
      "  - Funnel mobile-t460p.phoenix-wyvern.ts.net:443: expected no Funnel (public internet exposure, §0) unless listed in tailnet.tailscale.funnel; actual AllowFunnel[mobile-t460p.phoenix-wyvern.ts.net:443] = true: published to the internet",
    ]);
    expect(fixes(v)[0]).toContain("tailscale funnel reset");
    expect(judge(output({ serve: { stdout: read(FUNNEL_ON) } }), { ...DECL, funnel: ["mobile-t460p.phoenix-wyvern.ts.net:443"] }).status).toBe("passed");
    // AllowFunnel value changed to false: the entry is there, funnel is off (ipn.ServeConfig.IsFunnelOn).
    expect(judge(output({ serve: { stdout: edited(FUNNEL_ON, (j) => (j.AllowFunnel["mobile-t460p.phoenix-wyvern.ts.net:443"] = false)) } })).status).toBe("passed");
  });

  it("fails tailscaled inactive and disabled: status and serve cannot be read (the CLI's own message), fix systemctl enable --now", () => {
    const down = "failed to connect to local tailscaled; it doesn't appear to be running (sudo systemctl start tailscaled ?)";
    const v = judge(output({ active: ["inactive", 3], enabled: ["disabled", 1], status: { stdout: "", code: 1, stderr: down }, serve: { stdout: "", code: 1, stderr: down } }));
    expect(lines(v)).toEqual([
      "  - unit tailscaled: expected active (systemctl is-active tailscaled); actual inactive",
      "  - unit tailscaled: expected enabled at boot (systemctl is-enabled tailscaled); actual disabled",
      `  - tailscale status: expected tailscaled answers \`tailscale status --json\`; actual exit 1: ${down}`,
      `  - tailscale serve status: expected the serve config read (\`tailscale serve status --json\`), to tell whether Funnel is on; actual exit 1: ${down}`,
    ]);
    expect(fixes(v)[0]).toBe("on lxc210: systemctl enable --now tailscaled");
  });

  it("fails a node without tailscale (the real probe output of a machine without it)", () => {
    const v = judge(read("probe-no-tailscale-no-systemd.stdout.txt"));
    expect(v.status).toBe("failed");
    expect(lines(v)[0]).toBe("  - tailscale CLI: expected installed (command -v tailscale); actual not found on PATH (nor in /usr/sbin, /sbin)");
    expect(lines(v)[1]).toContain("System has not been booted with systemd");
    expect(fixes(v)[0]).toContain("install Tailscale");
  });

  it("a status that is not JSON is a finding, not a pass (the Linux capture cut in half)", () => {
    const cut = read(LINUX).slice(0, 500);
    expect(lines(judge(output({ status: { stdout: cut } })))[0]).toMatch(/^ {2}- tailscale status: expected tailscaled answers `tailscale status --json`; actual not JSON: /);
  });

  it("judgeTailscale is what the spec runs", () => {
    const f = parseTailscaleOutput({ stdout: output({}), stderr: "", code: 0 });
    expect(judgeTailscale(f, DECL)).toEqual([]);
  });
});

describe("EXPOSE-010: the certificates served for MagicDNS names (real openssl output)", () => {
  const CERTS: TailscaleNodeDecl = { ...DECL, certs: [{ name: HOST, port: 443 }] };
  // The Linux capture's key is long expired by the node date of these tests: expiry declared disabled
  // and Self.KeyExpiry removed from a copy, so only the certificate is judged.
  const status = edited(LINUX, (j) => delete j.Self.KeyExpiry);
  const decl = { ...CERTS, keyExpiry: "disabled" as const };
  const certNode = (certs: CertOut[], o: NodeOut = {}) => output({ now: NODE_DATE, status: { stdout: status }, openssl: true, certs, ...o });

  it("openssl x509's lines: subject, notAfter, the DNS SANs (the four captures)", () => {
    expect(parseX509Text(read(CERT.valid).split("\n"))).toEqual({ subject: "CN = host.tail1234.ts.net", notAfter: at("2027-03-07T01:39:18Z"), notAfterText: "Mar  7 01:39:18 2027 GMT", dnsNames: [HOST] });
    expect(parseX509Text(read(CERT.soon).split("\n")).notAfter).toBe(at("2026-12-12T01:39:18Z"));
    expect(parseX509Text(read(CERT.other).split("\n")).dnsNames).toEqual(["other.tail1234.ts.net"]);
    expect(parseX509Text(read(CERT.wild).split("\n")).dnsNames).toEqual(["*.tail1234.ts.net"]);
    expect(parseNotAfter("Mar  5 12:00:00 2027 GMT")).toBe(at("2027-03-05T12:00:00Z"));
    expect(parseNotAfter("Dec 31 23:59:59 2030 GMT")).toBe(at("2030-12-31T23:59:59Z"));
    expect(() => parseNotAfter("2027-03-05")).toThrow(/notAfter/);
    expect(() => parseX509Text(["subject=CN = x"])).toThrow(/notAfter/);
  });

  it("name matching: RFC 6125 §6.4.3, the wildcard only as the whole left-most label, one label", () => {
    expect(dnsNameCovers("*.tail1234.ts.net", HOST)).toBe(true);
    expect(dnsNameCovers("HOST.tail1234.ts.net", HOST)).toBe(true);
    expect(dnsNameCovers(HOST, `${HOST}.`)).toBe(true);
    expect(dnsNameCovers("*.tail1234.ts.net", "tail1234.ts.net")).toBe(false);
    expect(dnsNameCovers("*.tail1234.ts.net", "a.host.tail1234.ts.net")).toBe(false);
    expect(dnsNameCovers("h*.tail1234.ts.net", HOST)).toBe(false);
    expect(dnsNameCovers("host.*.ts.net", HOST)).toBe(false);
    expect(dnsNameCovers("*.*.ts.net", HOST)).toBe(false);
    expect(dnsNameCovers("other.tail1234.ts.net", HOST)).toBe(false);
  });

  it("the probe asks openssl only when a certificate is declared, one pipeline per name and port, with SNI", () => {
    expect(tailscaleProbe.command).not.toContain("openssl");
    const p = tailscaleProbeFor([{ name: HOST, port: 443 }, { name: HOST, port: 443 }, { name: HOST, port: 8443 }]);
    expect(p.command).toContain("hlc_run command -v openssl");
    expect(p.command).toContain(`hlc_run sh -c 'echo | timeout 10 openssl s_client -connect ${HOST}:443 -servername ${HOST} 2>/dev/null | openssl x509 -noout -subject -enddate -ext subjectAltName'`);
    expect(p.command.match(/s_client/g)).toHaveLength(2);
  });

  it("passes: the certificate for the name, 90 days; the wildcard *.tail1234.ts.net", () => {
    expect(judge(certNode([{ stdout: read(CERT.valid) }]), decl).status).toBe("passed");
    expect(judge(certNode([{ stdout: read(CERT.wild) }]), decl).status).toBe("passed");
  });

  it("fails a certificate expiring within certMinDays of the node's date (5 days), and one already past", () => {
    const v = judge(certNode([{ stdout: read(CERT.soon) }]), decl);
    expect(lines(v)).toEqual([`  - certificate ${HOST}:443: expected valid for at least 14 more days (tailnet.tailscale.certMinDays); actual notAfter Dec 12 01:39:18 2026 GMT (in 4 days)`]);
    expect(fixes(v)[0]).toMatch(new RegExp(`^on lxc210: tailscale cert ${HOST.replace(/\./g, "\\.")} .*restart the service that serves it.*tailscale serve .*renews by itself`));
    expect(lines(judge(certNode([{ stdout: read(CERT.soon) }], { now: at("2026-12-13T00:00:00Z") }), decl))[0]).toContain("already past");
    expect(judge(certNode([{ stdout: read(CERT.soon) }]), { ...decl, certMinDays: 3 }).status).toBe("passed");
  });

  it("fails a certificate for another name", () => {
    expect(lines(judge(certNode([{ stdout: read(CERT.other) }]), decl))).toEqual([
      `  - certificate ${HOST}:443: expected a certificate valid for ${HOST} (a DNS subjectAltName covering it, RFC 6125 §6.4.3); actual DNS names other.tail1234.ts.net (subject CN = other.tail1234.ts.net)`,
    ]);
  });

  it("fails when no certificate answered (the real pipeline against a name that does not resolve: x509 exit 1)", () => {
    const v = judge(certNode([{ stdout: "", code: 1, stderr: NO_ANSWER }]), decl);
    expect(lines(v)).toEqual([`  - certificate ${HOST}:443: expected a TLS certificate served for ${HOST} on port 443 (openssl s_client -servername ${HOST}); actual no certificate answered (exit 1: Could not read certificate from <stdin>)`]);
  });

  it("fails, never passes, without openssl: a finding naming the Debian package", () => {
    const v = judge(certNode([], { openssl: false }), decl);
    expect(lines(v)).toEqual([`  - openssl: expected openssl installed (Debian package openssl), to read the certificate served for ${HOST}; actual command -v openssl: not found`]);
    expect(fixes(v)[0]).toBe("on lxc210: apt-get install openssl");
  });

  it("each declared port is judged apart, in the inventory's order", () => {
    const two = { ...decl, certs: [{ name: HOST, port: 443 }, { name: HOST, port: 8443 }] };
    const v = judge(certNode([{ stdout: read(CERT.valid) }, { port: 8443, stdout: read(CERT.other) }]), two);
    expect(lines(v).map((l) => l.split(":")[0])).toEqual([`  - certificate ${HOST}`]);
    expect(lines(v)[0]).toContain(`${HOST}:8443`);
  });
});

describe("the inventory and the lab", () => {
  const base = { version: 1, defaults: { ssh: { agent: true } } };
  const inv = (tailnet: unknown) => dump({ ...base, nodes: [{ name: "lxc210", role: "service", layer: 3, ssh: { host: "lxc210" }, tailnet }] });

  it("tailnet.tailscale: defaults, and what the schema refuses", () => {
    const n = parseInventory(inv({ tailscale: { keyExpiry: "disabled" } }), "/inv.yaml").nodes[0]!;
    expect(n.tailnet).toEqual({ tailscale: { tags: [], keyExpiry: "disabled", funnel: [], certs: [], certMinDays: 14 } });
    expect(parseInventory(inv({ tailscale: { tags: ["tag:server"], keyExpiry: 30, funnel: ["n.tail1234.ts.net:443"] } }), "/inv.yaml").nodes[0]!.tailnet!.tailscale).toEqual({ tags: ["tag:server"], keyExpiry: 30, funnel: ["n.tail1234.ts.net:443"], certs: [], certMinDays: 14 });
    expect(parseInventory(inv({ tailscale: { keyExpiry: 30, certs: [{ name: "nc.tail1234.ts.net" }, { name: "nc.tail1234.ts.net", port: 8443 }], certMinDays: 21 } }), "/inv.yaml").nodes[0]!.tailnet!.tailscale).toMatchObject({ certs: [{ name: "nc.tail1234.ts.net", port: 443 }, { name: "nc.tail1234.ts.net", port: 8443 }], certMinDays: 21 });
    expect(inventoryProblems(() => parseInventory(inv({ tailscale: { keyExpiry: 30, certs: [{ name: "nc.tail1234.ts.net; reboot" }] } }), "/inv.yaml"))).toContain("DNS name");
    expect(inventoryProblems(() => parseInventory(inv({ tailscale: { keyExpiry: 30, certs: [{ name: "nc.tail1234.ts.net." }] } }), "/inv.yaml"))).not.toBe("");
    expect(inventoryProblems(() => parseInventory(inv({ tailscale: { keyExpiry: 30, certMinDays: 0 } }), "/inv.yaml"))).not.toBe("");
    expect(inventoryProblems(() => parseInventory(inv({ tailscale: { tags: ["server"], keyExpiry: 30 } }), "/inv.yaml"))).toContain("tag:server");
    expect(inventoryProblems(() => parseInventory(inv({ tailscale: { keyExpiry: "never" } }), "/inv.yaml"))).not.toBe("");
    expect(inventoryProblems(() => parseInventory(inv({ tailscale: {} }), "/inv.yaml"))).toContain("keyExpiry");
    expect(inventoryProblems(() => parseInventory(inv({}), "/inv.yaml"))).not.toBe("");
  });

  it("the lab declares no tailnet.tailscale: a lab run reports EXPOSE-010 skipped (no node declares it), never passed", () => {
    expect(Object.values(tailnetDeclared).some((t) => (t as { tailscale?: unknown }).tailscale !== undefined)).toBe(false);
    const run = JSON.parse(readFileSync(new URL("../../../fixtures/captured/lab-run/run.json", import.meta.url), "utf8")) as { inventory: Inventory; facts: RunFacts };
    const world = { inventory: run.inventory, nodes: run.facts.nodes, options: { ...DEFAULT_OPTIONS, target: "lab" as const } };
    const judged = judgeAll({ invariants: [byId("EXPOSE-010")], nodes: run.inventory.nodes }, world, [], false);
    const results = toResults(judged, world, [], new Date());
    expect(results.map((r) => [r.id, r.node, r.status, r.kind])).toEqual([["EXPOSE-010", null, "skipped", "no-node"]]);
  });
});
