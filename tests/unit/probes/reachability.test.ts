// The reachability probe (EXPOSE-005) on real output captured from the lab
// (fixtures/captured/exposure/reach-*.txt), and the planner that decides who connects to whom.
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { describe, expect, it } from "vitest";
import { crossCheckedServices, lanHostsOf, reachTargetsFor, vantageOf } from "../../../helpers/probes/reachability.ts";
import { planOf } from "../catalog-support.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import { CONNECT_TIMEOUT_S, parseReachability, reachabilityProbe, REACHABILITY } from "../../../helpers/probes/reachability.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { out } from "./capture.ts";

const cap = (f: string) => readFileSync(`fixtures/captured/exposure/${f}`, "utf8");

describe("parseReachability (lab captures)", () => {
  it("reads connected and refused, sorted by target, host and port", () => {
    const a = parseReachability(out(cap("reach-from-lxc210.txt")));
    expect(a.map((x) => `${x.target}:${x.port}=${x.result}`)).toEqual(["lxc200:22=connected", "lxc200:3000=refused", "lxc200:9090=refused", "lxc200:9100=refused"]);
    expect(a[0]).toMatchObject({ host: "lxc200", address: "10.213.213.13", detail: "" });
    expect(a[1]!.detail).toBe("10.213.213.13: connect: Connection refused");
  });

  it("reads timeout and unresolved (an unused LAN address, an unknown name)", () => {
    const a = parseReachability(out(cap("reach-from-pve-timeout-unresolved.txt")));
    expect(a.find((x) => x.target === "ghost")).toMatchObject({ address: "10.213.213.250", port: 22, result: "timeout", detail: "" });
    expect(a.find((x) => x.target === "nowhere")).toMatchObject({ host: "nosuchnode", address: "", result: "unresolved" });
    expect(a).toHaveLength(5);
  });

  it("reads every vantage's capture of the conformant lab", () => {
    for (const n of ["pve", "vm102", "vm100", "lxc200", "lxc210", "lxc212", "lxc230"]) {
      expect(parseReachability(out(cap(`reach-from-${n}.txt`))).length).toBeGreaterThan(1);
    }
  });

  it("reads a drifted lab: Prometheus and node-exporter on every interface answer the LAN", () => {
    const a = parseReachability(out(cap("reach-from-lxc210-prometheus-node-exporter-bind-all.txt")));
    expect(a.filter((x) => x.result === "connected").map((x) => x.port)).toEqual([22, 9090, 9100]);
  });

  it("throws on output it cannot read, and on a failed command", () => {
    expect(() => parseReachability(out("lxc200\tlxc200\t10.0.0.1\t22\tmaybe\t\n"))).toThrow(ProbeParseError);
    expect(() => parseReachability(out("lxc200\tlxc200\tnot-an-ip\t22\tconnected\t\n"))).toThrow(/not an address/);
    expect(() => parseReachability(out("lxc200 lxc200 10.0.0.1 22 connected\n"))).toThrow(/unrecognized line/);
    expect(() => parseReachability(out("", 127, "bash not found: needed for /dev/tcp"))).toThrow(/bash not found/);
    expect(parseReachability(out(""))).toEqual([]);
  });
});

describe("reachabilityProbe command", () => {
  const p = reachabilityProbe([
    { target: "lxc200", host: "lxc200", port: 9090 },
    { target: "lxc200", host: "lxc200", port: 22 },
    { target: "vm102", host: "192.168.1.12", port: 445 },
  ]);
  it("is one read-only command: bash /dev/tcp under timeout, in parallel, no netcat", () => {
    expect(p.name).toBe(REACHABILITY);
    expect(p.command).toContain(`timeout ${CONNECT_TIMEOUT_S} bash -c 'exec 3<>"/dev/tcp/$0/$1"'`);
    expect(p.command).not.toMatch(/\bnc\b|netcat|ncat/);
    expect(p.command).toContain(`a lxc200 lxc200 "$ip" 9090 & a lxc200 lxc200 "$ip" 22 & wait`);
    expect(p.command.trimEnd().endsWith("wait")).toBe(true);
  });
  it("resolves names once per host (IPv4), uses literal addresses as they are", () => {
    expect(p.command).toContain("ip=$(getent ahostsv4 lxc200 | awk 'NR==1{print $1}')");
    expect(p.command).toContain("ip=192.168.1.12");
    expect(p.command).not.toContain("getent ahostsv4 192.168.1.12");
  });
});

describe("who watches whom (EXPOSE-005's peers)", () => {
  const svc = (name: string, port: number | "any", scope: string, extra: Record<string, unknown> = {}) => ({ name, port, scope, ...extra });
  const node = (name: string, ssh: Record<string, unknown>, services: unknown[], more: Record<string, unknown> = {}) => ({ name, role: "service", layer: 3, ssh, services, ...more });
  const inv = parseInventory(
    dump({
      version: 1,
      defaults: { ssh: { agent: true } },
      nodes: [
        node("pve", { host: "192.168.1.10" }, [svc("sshd", 22, "lan")]),
        node("vm102", { host: "127.0.0.1", port: 2222 }, [svc("sshd", 22, "lan"), svc("dns", "any", "loopback", { address: "127.0.0.11" }), svc("mdns", 5353, "lan", { proto: "udp" })]),
        node("lxc200", { host: "100.64.0.200" }, [svc("sshd", 22, "lan"), svc("grafana", 3000, "loopback")], { reachability: { from: "pve" } }),
        node("lxc210", { host: "lxc210" }, [svc("sshd", 22, "lan")], { reachability: { addresses: ["192.168.1.21", "lxc210.lan"] } }),
      ],
    }),
    "/lab/abc/inventory.yaml",
  );
  const [pve, vm102, lxc200, lxc210] = inv.nodes as [typeof inv.nodes[0], typeof inv.nodes[0], typeof inv.nodes[0], typeof inv.nodes[0]];

  it("each node is watched by the next one, the last by the first, unless reachability.from says", () => {
    expect(vantageOf(pve, inv)).toBe("vm102");
    expect(vantageOf(vm102, inv)).toBe("lxc200");
    expect(vantageOf(lxc200, inv)).toBe("pve");
    expect(vantageOf(lxc210, inv)).toBe("pve");
    expect(vantageOf(pve, { ...inv, nodes: [pve] })).toBeUndefined();
  });
  it("connects to ssh.host when it is a LAN address, else to the node name; reachability.addresses wins", () => {
    expect(lanHostsOf(pve)).toEqual(["192.168.1.10"]);
    expect(lanHostsOf(vm102)).toEqual(["vm102"]); // 127.0.0.1 is the lab's port forward
    expect(lanHostsOf(lxc200)).toEqual(["lxc200"]); // a tailnet admin address is not the LAN
    expect(lanHostsOf(lxc210)).toEqual(["192.168.1.21", "lxc210.lan"]);
  });
  it("only fixed TCP ports are cross-checked (not UDP, not `any`)", () => {
    expect(crossCheckedServices(vm102).map((s) => s.name)).toEqual(["sshd"]);
  });
  it("plans one probe per vantage with all of its targets", () => {
    expect(reachTargetsFor("pve", inv)).toEqual([
      { target: "lxc200", host: "lxc200", port: 22 },
      { target: "lxc200", host: "lxc200", port: 3000 },
      { target: "lxc210", host: "192.168.1.21", port: 22 },
      { target: "lxc210", host: "lxc210.lan", port: 22 },
    ]);
    expect(planOf("pve", inv).filter((p) => p.name === REACHABILITY).map((p) => p.command)).toEqual([reachabilityProbe(reachTargetsFor("pve", inv)).command]);
    expect(planOf("lxc210", inv).map((p) => p.name)).not.toContain(REACHABILITY); // nobody's vantage
  });
});
