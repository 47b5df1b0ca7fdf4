// EXPOSE-002 judged on real `ip -j addr show` captures (fixtures/captured/addresses) and ss lines
// in iproute2 6.1's format, with the lab's declarations of lxc210 and pve.
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import { interfaceAddresses } from "../../../helpers/probes/addresses.ts";
import { listeningSockets } from "../../../helpers/probes/sockets.ts";
import { evaluate, type Verdict } from "../../../helpers/spec/evaluate.ts";
import { declared } from "../catalog-support.ts";
import { out } from "./capture.ts";

const svc = (name: string, port: number, scope: string) => ({ name, port, scope });
const NODES = {
  lxc210: [svc("sshd", 22, "lan"), svc("node-exporter", 9100, "lan"), svc("nextcloud", 443, "tailnet"), svc("mariadb", 3306, "loopback"), svc("redis", 6379, "loopback")],
  pve: [svc("sshd", 22, "lan"), svc("node-exporter", 9100, "lan")],
};
const inv = parseInventory(
  dump({ version: 1, defaults: { ssh: { agent: true } }, nodes: Object.entries(NODES).map(([name, services]) => ({ name, role: "service", layer: 3, ssh: { host: name }, services })) }),
  "/lab/abc/inventory.yaml",
);

const LXC210_OK = [
  "tcp   LISTEN 0      511        127.0.0.1:6379      0.0.0.0:*    users:((\"redis-server\",pid=120,fd=6))",
  "tcp   LISTEN 0      80         127.0.0.1:3306      0.0.0.0:*    users:((\"mariadbd\",pid=130,fd=20))",
  "tcp   LISTEN 0      511     100.64.0.210:443       0.0.0.0:*    users:((\"apache2\",pid=150,fd=4))",
  "tcp   LISTEN 0      128        127.0.0.1:22        0.0.0.0:*    users:((\"sshd\",pid=90,fd=3))",
  "tcp   LISTEN 0      128       172.27.0.4:22        0.0.0.0:*    users:((\"sshd\",pid=90,fd=4))",
  "tcp   LISTEN 0      4096      172.27.0.4:9100      0.0.0.0:*    users:((\"prometheus-node\",pid=80,fd=3))",
];
const replace = (lines: string[], port: string, by: string[]) => [...lines.filter((l) => !new RegExp(`:${port}\\s`).test(l)), ...by];

function judge(node: keyof typeof NODES, ss: string[], ip = readFileSync(`fixtures/captured/addresses/ip-j-addr-${node}.json`, "utf8")): Verdict {
  const decl = inv.nodes.find((n) => n.name === node)!;
  const stdout = ss.join("\n") + "\n";
  const rec = (name: string, so: string, value: unknown) => [name, { ok: true, value, evidence: { probe: name, command: "…", stdout: so, stderr: "", code: 0 } }] as const;
  const facts: NodeFacts = { node, reachable: true, roundTrips: 1, gatherMs: 1, facts: Object.fromEntries([rec(listeningSockets.name, stdout, listeningSockets.parse(out(stdout))), rec(interfaceAddresses.name, ip, interfaceAddresses.parse(out(ip)))]) };
  const d = declared.find((x) => x.meta.id === "EXPOSE-002")!;
  return evaluate(d.meta, d.def, decl, facts);
}
const message = (v: Verdict) => (v.status === "passed" ? "" : v.message);

beforeAll(async () => {
});

describe("EXPOSE-002 services bind within their declared scope", () => {
  it("passes on a real capture of the conformant lxc210 (ss + ip from one boot)", () => {
    const read = (f: string) => readFileSync(`fixtures/captured/addresses/${f}`, "utf8");
    const ss = read("ss-lxc210-conformant.txt").split("\n").filter((l) => l.trim() !== "");
    const v = judge("lxc210", ss, read("ip-j-addr-lxc210-conformant.json"));
    expect(v.status, message(v)).toBe("passed");
    // and the same boot with sshd moved to the wildcard fails
    const wild = replace(ss, "22", ["tcp LISTEN 0      128          0.0.0.0:22        0.0.0.0:*"]);
    expect(judge("lxc210", wild, read("ip-j-addr-lxc210-conformant.json")).status).toBe("failed");
  });

  it("passes on the conformant lxc210 (LAN services on eth0 + loopback, nextcloud on tailscale0)", () => {
    const v = judge("lxc210", LXC210_OK);
    expect(v.status, message(v)).toBe("passed");
  });

  it("passes on pve: a wildcard is fine for a LAN service on a node without an overlay", () => {
    const v = judge("pve", ["tcp   LISTEN 0      128          0.0.0.0:22        0.0.0.0:*", "tcp   LISTEN 0      4096               *:9100            *:*", "tcp   LISTEN 0      128             [::]:22           [::]:*"]);
    expect(v.status, message(v)).toBe("passed");
  });

  it("nextcloud-bind-all: Apache on every interface fails (tailnet service on the LAN)", () => {
    const v = judge("lxc210", replace(LXC210_OK, "443", ["tcp   LISTEN 0      511                *:443               *:*    users:((\"apache2\",pid=150,fd=4))"]));
    expect(v.status).toBe("failed");
    expect(message(v)).toContain("nextcloud tcp/443 (scope tailnet)");
    expect(message(v)).toContain("reachable on the tailnet (tailscale0) and the LAN (eth0)");
    expect(message(v)).not.toContain("sshd");
  });

  it("a tailnet service on the LAN address fails", () => {
    const v = judge("lxc210", replace(LXC210_OK, "443", ["tcp   LISTEN 0      511       172.27.0.4:443       0.0.0.0:*"]));
    expect(message(v)).toMatch(/nextcloud .*172\.27\.0\.4:443.*reachable on the LAN \(eth0\)/);
  });

  it("a wildcard sshd on a node with tailscale0 fails: it is reachable over the tailnet", () => {
    const v = judge("lxc210", replace(LXC210_OK, "22", ["tcp   LISTEN 0      128          0.0.0.0:22        0.0.0.0:*", "tcp   LISTEN 0      128             [::]:22           [::]:*"]));
    expect(v.status).toBe("failed");
    expect(message(v)).toContain("sshd tcp/22 (scope lan)");
    expect(message(v)).toContain("this node has tailscale0, so no wildcard");
    expect(message(v)).toContain("reachable on the tailnet (tailscale0)");
  });

  it("a LAN service on the tailnet address fails; one bound to a device follows that device", () => {
    expect(judge("lxc210", replace(LXC210_OK, "9100", ["tcp   LISTEN 0      4096    100.64.0.210:9100      0.0.0.0:*"])).status).toBe("failed");
    expect(judge("lxc210", replace(LXC210_OK, "9100", ["tcp   LISTEN 0      4096     0.0.0.0%eth0:9100      0.0.0.0:*"])).status).toBe("passed");
    expect(judge("lxc210", replace(LXC210_OK, "9100", ["tcp   LISTEN 0      4096 0.0.0.0%tailscale0:9100   0.0.0.0:*"])).status).toBe("failed");
  });

  it("an address on no interface of the node fails both scopes", () => {
    const v = judge("pve", ["tcp   LISTEN 0      128        192.0.2.7:22        0.0.0.0:*"]);
    expect(message(v)).toContain("an address on no interface of this node");
  });
});
