// The router-mappings probe on real output (fixtures/captured/router/: a real miniupnpd 2.3.1 and
// Debian's upnpc 2.2.4), and EXPOSE-007 judged on it with the lab's declaration
// (fixtures/lab/declared/router.ts) and variants of it.
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { describe, expect, it } from "vitest";
import { routerDeclared } from "../../../fixtures/lab/declared/router.ts";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import { parseRouterMappings, routerMappings, type RouterMappings } from "../../../helpers/probes/router.ts";
import { ProbeParseError, type ProbeOutput } from "../../../helpers/probes/types.ts";
import { evaluate, type Verdict } from "../../../helpers/spec/evaluate.ts";
import { declared, planOf } from "../catalog-support.ts";

const cap = (f: string) => readFileSync(`fixtures/captured/router/${f}`, "utf8");
const out = (stdout: string, code: number | null = 0, stderr = ""): ProbeOutput => ({ stdout, stderr, code });
const parse = (f: string) => parseRouterMappings(out(cap(f)));

describe("routerMappings (upnpc -l against a real miniupnpd)", () => {
  it("reads an empty table to its end (713)", () => {
    const r = parse("no-mappings.txt");
    expect(r).toMatchObject({ setup: { ok: true }, igd: { url: "http://10.233.77.2:5000/ctl/IPConn", valid: true }, externalAddress: "5.5.5.5", listed: true, mappings: [], end: { code: 713 }, code: 0 });
  });
  it("reads TCP and UDP mappings with description and lease", () => {
    const r = parse("two-mappings.txt");
    expect(r.mappings.map((m) => [m.proto, m.externalPort, m.internal, m.internalPort, m.description, m.lease > 0])).toEqual([
      ["tcp", 8096, "10.233.77.5", 8096, "jellyfin drift", true],
      ["udp", 27015, "10.233.77.5", 27015, "game", true],
    ]);
  });
  it("a NAT-PMP mapping shows in the UPnP listing (miniupnpd's one table)", () => {
    expect(parse("natpmp-mapping.txt").mappings).toMatchObject([{ proto: "tcp", externalPort: 32400, internal: "10.233.77.5", description: "NAT-PMP 32400 tcp" }]);
  });
  it("tells no IGD and no upnpc apart, and refuses what it cannot read", () => {
    expect(parse("no-igd.txt")).toMatchObject({ noIgd: true, listed: false, code: 1 });
    expect(parse("not-installed.txt").setup).toEqual({ ok: false, why: "upnpc is not installed (Debian package miniupnpc)" });
    expect(() => parseRouterMappings(out("hello\n"))).toThrow(ProbeParseError);
    const cut = cap("two-mappings.txt").split("\n").filter((l) => !/^GetGeneric/.test(l)).join("\n");
    expect(() => parseRouterMappings(out(cut))).toThrow(/end was not printed/);
  });
  it("only reads: the command lists (-l), quotes a rootDesc URL, never adds or deletes", () => {
    const c = routerMappings("http://192.168.1.1:5000/rootDesc.xml").command;
    expect(c).toContain("upnpc -u http://192.168.1.1:5000/rootDesc.xml -l");
    expect(routerMappings("http://r/x?a=1&b=2").command).toContain("upnpc -u 'http://r/x?a=1&b=2' -l");
    expect(c).not.toMatch(/upnpc[^\n]* -[adrDA] /);
  });
});

const inv = parseInventory(
  dump({
    version: 1,
    defaults: { ssh: { agent: true } },
    nodes: [
      { name: "vm100", role: "compute", layer: 2, ssh: { host: "vm100" }, router: routerDeclared.vm100 },
      { name: "allows", role: "compute", layer: 2, ssh: { host: "a" }, router: { homelab: ["10.233.77.0/24"], allow: [{ proto: "udp", externalPort: 27015, internal: "10.233.77.5", internalPort: 27015, why: "game server" }] } },
      { name: "lab77", role: "compute", layer: 2, ssh: { host: "l" }, router: { homelab: ["10.233.77.0/24"] } },
      { name: "off", role: "compute", layer: 2, ssh: { host: "o" }, router: { upnp: false, homelab: ["10.233.77.0/24"] } },
      { name: "other", role: "compute", layer: 2, ssh: { host: "x" }, router: { homelab: ["192.168.1.0/24"] } },
    ],
  }),
  "/inv.yaml",
);
const node = (n: string) => inv.nodes.find((x) => x.name === n)!;
const facts = (n: string, r: RouterMappings): NodeFacts => ({ node: n, reachable: true, roundTrips: 1, gatherMs: 1, facts: { "router-mappings": { ok: true, value: r, evidence: { probe: "router-mappings", command: "upnpc -l", stdout: "", stderr: "", code: 0 } } } });
function judge(n: NodeDecl, r: RouterMappings): Verdict {
  const d = declared.find((x) => x.meta.id === "EXPOSE-007")!;
  return evaluate(d.meta, d.def, n, facts(n.name, r));
}
const msg = (v: Verdict) => (v.status === "passed" ? "" : v.message);


describe("EXPOSE-007 The router forwards no port into the homelab", () => {
  it("the schema fills defaults: upnp on, nothing allowed", () => {
    expect(node("vm100").router).toEqual({ upnp: true, homelab: ["10.213.0.0/16"], allow: [] });
  });
  it("passes an empty table; fails each mapping into the homelab with where it points", () => {
    expect(judge(node("allows"), parse("no-mappings.txt")).status).toBe("passed");
    const m = msg(judge(node("lab77"), parse("two-mappings.txt")));
    expect(m).toContain("mapping tcp/8096: expected no router port mapping into the homelab unless declared in router.allow; actual the router forwards its public port tcp/8096 to 10.233.77.5:8096 ('jellyfin drift'");
    expect(m).toContain("mapping udp/27015");
    expect(msg(judge(node("lab77"), parse("natpmp-mapping.txt")))).toContain("tcp/32400 to 10.233.77.5:32400 ('NAT-PMP 32400 tcp'");
  });
  it("an allowed mapping passes, the other still fails; mappings to other LAN devices are not the homelab's", () => {
    const m = msg(judge(node("allows"), parse("two-mappings.txt")));
    expect(m).toContain("tcp/8096");
    expect(m).not.toContain("udp/27015");
    expect(judge(node("other"), parse("two-mappings.txt")).status).toBe("passed");
  });
  it("a router declared with UPnP on must answer; one declared off must not", () => {
    expect(msg(judge(node("vm100"), parse("no-igd.txt")))).toContain("no IGD UPnP device found on the network: the mappings could not be read");
    expect(judge(node("off"), parse("no-igd.txt")).status).toBe("passed");
    expect(msg(judge(node("off"), parse("no-mappings.txt")))).toContain("an IGD answered at http://10.233.77.2:5000/ctl/IPConn (external address 5.5.5.5)");
    expect(msg(judge(node("vm100"), parse("not-installed.txt")))).toContain("upnpc is not installed");
  });
  it("a listing cut by another error than the table's end is not a pass", () => {
    const r = parse("no-mappings.txt");
    expect(msg(judge(node("vm100"), { ...r, end: { code: 606, text: "Action not authorized" } }))).toContain("the listing stopped at entry 0 with 606 (Action not authorized)");
  });
});

describe("router-mappings runs in the quick batch, after listening-sockets", () => {
  it("is not slow (a slow probe runs beside ss, which would list upnpc's SSDP socket on 0.0.0.0)", async () => {
    expect(routerMappings().slow).toBeFalsy();
    const plan = planOf("vm100", inv).map((p) => p.name);
    expect(plan.indexOf("listening-sockets")).toBeLessThan(plan.indexOf("router-mappings"));
  });
});

describe("EXPOSE-007 on the lab's capture after drift upnp-mapping (vm100, real miniupnpd)", () => {
  it("fails the mapping Jellyfin asked for", () => {
    const r = parse("lab-vm100-upnp-mapping.txt");
    expect(r.mappings).toMatchObject([{ proto: "tcp", externalPort: 8096, internalPort: 8096, description: "Jellyfin" }]);
    expect(msg(judge(node("vm100"), r))).toMatch(/mapping tcp\/8096: .*forwards its public port tcp\/8096 to 10\.213\.\d+\.\d+:8096 \('Jellyfin'/);
  });
});
