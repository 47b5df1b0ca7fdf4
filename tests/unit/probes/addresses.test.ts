import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { addressKind, interfaceAddresses, isTailnetAddress, overlayInterfaces } from "../../../helpers/probes/addresses.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { out } from "./capture.ts";

const parse = (file: string) => interfaceAddresses.parse(out(readFileSync(`fixtures/captured/addresses/${file}`, "utf8")));

describe("interfaceAddresses (ip -j addr show, iproute2 6.1 captures)", () => {
  it("reads lxc210: lo, tailscale0 (overlay), eth0 (LAN)", () => {
    expect(interfaceAddresses.command).toBe("ip -j addr show");
    const ifs = parse("ip-j-addr-lxc210.json");
    expect(ifs.map((i) => [i.name, i.loopback, i.overlay])).toEqual([
      ["lo", true, false],
      ["tailscale0", false, true],
      ["eth0", false, false],
    ]);
    expect(ifs[0]!.addresses.map((a) => a.address)).toEqual(["127.0.0.1", "::1"]);
    expect(ifs[1]!.addresses[0]).toEqual({ family: 4, address: "100.64.0.210", prefixlen: 32, scope: "global" });
    expect(ifs[2]!.addresses[0]).toMatchObject({ family: 4, address: "172.27.0.4", prefixlen: 16 });
    expect(overlayInterfaces(ifs).map((i) => i.name)).toEqual(["tailscale0"]);
  });

  it("reads pve: no overlay", () => {
    const ifs = parse("ip-j-addr-pve.json");
    expect(ifs.map((i) => i.name)).toEqual(["lo", "eth0"]);
    expect(overlayInterfaces(ifs)).toEqual([]);
  });

  it("classifies socket addresses against the interfaces", () => {
    const ifs = parse("ip-j-addr-lxc210.json");
    expect(addressKind(ifs, "127.0.0.1")).toBe("loopback");
    expect(addressKind(ifs, "::1")).toBe("loopback");
    expect(addressKind(ifs, "100.64.0.210")).toBe("overlay");
    expect(addressKind(ifs, "fe80::6776:dc67:79d3:2ea7")).toBe("overlay"); // tailscale0's link-local
    expect(addressKind(ifs, "172.27.0.4")).toBe("lan");
    expect(addressKind(ifs, "fe80::42:acff:fe1b:4")).toBe("lan");
    expect(addressKind(ifs, "192.0.2.1")).toBe("unknown");
    expect(addressKind(ifs, "100.100.1.1")).toBe("overlay"); // tailnet range, even on no interface
  });

  it("an interface with a tailnet address is the overlay whatever its name", () => {
    const ifs = interfaceAddresses.parse(out(JSON.stringify([{ ifname: "wg0", flags: ["UP"], addr_info: [{ family: "inet6", local: "fd7a:115c:a1e0::1", prefixlen: 128, scope: "global" }] }, { ifname: "dummy0", flags: [] }])));
    expect(ifs.map((i) => [i.name, i.overlay, i.addresses.length])).toEqual([["wg0", true, 1], ["dummy0", false, 0]]);
  });

  it("knows Tailscale's ranges", () => {
    expect(isTailnetAddress("100.64.0.0")).toBe(true);
    expect(isTailnetAddress("100.127.255.255")).toBe(true);
    expect(isTailnetAddress("100.128.0.1")).toBe(false);
    expect(isTailnetAddress("fd7a:115c:a1e0:ab12::1")).toBe(true);
    expect(isTailnetAddress("fd7a:115c:a1e1::1")).toBe(false);
    expect(isTailnetAddress("not an address")).toBe(false);
  });

  it("throws on output it cannot read", () => {
    expect(() => interfaceAddresses.parse(out("Object \"addr\" is unknown", 255, "err"))).toThrow(ProbeParseError);
    expect(() => interfaceAddresses.parse(out("1: lo: <LOOPBACK>"))).toThrow(/not JSON/);
    expect(() => interfaceAddresses.parse(out("{}"))).toThrow(/array/);
    expect(() => interfaceAddresses.parse(out('[{"flags":[]}]'))).toThrow(/ifname/);
    expect(() => interfaceAddresses.parse(out('[{"ifname":"eth0","addr_info":[{"family":"inet","local":"nope","prefixlen":8}]}]'))).toThrow(/unreadable address/);
  });
});
