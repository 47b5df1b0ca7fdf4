import { describe, expect, it } from "vitest";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { ipv6OnlyDefault, isLoopback, isWildcard, listeningSockets, type ListeningSocket } from "../../../helpers/probes/sockets.ts";
import { capture, out } from "./capture.ts";

const parse = (file: string) => listeningSockets.parse(capture(file));
const find = (socks: ListeningSocket[], proto: string, port: number) => {
  const s = socks.filter((x) => x.proto === proto && x.port === port);
  expect(s).toHaveLength(1);
  return s[0]!;
};

describe("listeningSockets (ss 6.1 captures)", () => {
  const root = parse("ss-root.txt");

  it("reads every line of the capture", () => {
    expect(listeningSockets.command).toBe("ss -H -ltnup");
    expect(root).toHaveLength(17);
    expect(root.every((s) => s.raw.length > 0)).toBe(true);
  });

  it("0.0.0.0 is an IPv4 wildcard, not dual-stack, not loopback", () => {
    const s = find(root, "tcp", 22);
    expect(s).toMatchObject({ address: "0.0.0.0", family: 4, wildcard: true, dualStack: false });
    expect(s.processes).toEqual([{ name: "socat", pid: 12, fd: 5 }]);
    expect(isLoopback(s.address)).toBe(false);
  });

  it("[::] (socat ipv6only=1) is an IPv6-only wildcard, never loopback", () => {
    const s = find(root, "tcp", 2201);
    expect(s).toMatchObject({ address: "::", family: 6, wildcard: true, dualStack: false });
    expect(isLoopback(s.address)).toBe(false);
    expect(isLoopback("[::]")).toBe(false);
    expect(find(root, "udp", 5355)).toMatchObject({ address: "::", wildcard: true, dualStack: false });
  });

  it("* (ipv6only=0, python http.server --bind ::, UDP) is a dual-stack wildcard, never loopback", () => {
    for (const [proto, port] of [["tcp", 2202], ["tcp", 8000], ["udp", 5354]] as const) {
      const s = find(root, proto, port);
      expect(s).toMatchObject({ address: "::", family: 6, wildcard: true, dualStack: true });
      expect(s.raw).toMatch(/\s\*:\d+\s/);
      expect(isLoopback(s.address)).toBe(false);
    }
    expect(isLoopback("*")).toBe(false);
    expect(isWildcard("*")).toBe(true);
  });

  it("127.0.0.1 and [::1] are loopback and not wildcard", () => {
    expect(find(root, "tcp", 9090)).toMatchObject({ address: "127.0.0.1", family: 4, wildcard: false });
    expect(find(root, "tcp", 631)).toMatchObject({ address: "::1", family: 6, wildcard: false, dualStack: false });
    expect(isLoopback("127.0.0.1")).toBe(true);
    expect(isLoopback("::1")).toBe(true);
  });

  it("127.0.0.53%lo is loopback with scope lo (TCP and UDP)", () => {
    for (const proto of ["tcp", "udp"]) {
      const s = find(root, proto, 53);
      expect(s).toMatchObject({ address: "127.0.0.53", scope: "lo", family: 4, wildcard: false });
      expect(isLoopback(s.address)).toBe(true);
    }
    expect(isLoopback("127.0.0.53%lo")).toBe(true);
  });

  it("link-local is printed [addr]%iface by ss 6.1 and normalized", () => {
    const s = find(root, "udp", 546);
    expect(s.raw).toContain("[fe80::42:acff:fe11:2]%eth0:546");
    expect(s).toMatchObject({ address: "fe80::42:acff:fe11:2", scope: "eth0", family: 6, wildcard: false });
    expect(find(root, "tcp", 5460)).toMatchObject({ address: "fe80::42:acff:fe11:2", scope: "eth0" });
  });

  it("synthetic: scope inside the brackets is accepted too", () => {
    const [s] = parse("ss-synthetic-scope-in-brackets.txt");
    expect(s).toMatchObject({ proto: "udp", address: "fe80::1", scope: "eth0", port: 546, family: 6 });
  });

  it("v4-mapped [::ffff:127.0.0.1] is treated as IPv4 loopback", () => {
    const s = find(root, "tcp", 80);
    expect(s).toMatchObject({ address: "127.0.0.1", family: 4, wildcard: false, dualStack: false });
    expect(isLoopback(s.address)).toBe(true);
    expect(isLoopback("[::ffff:127.0.0.1]")).toBe(true);
  });

  it("one socket shared by two processes lists both", () => {
    expect(find(root, "tcp", 7000).processes.map((p) => p.pid)).toEqual([23, 21]);
  });

  it("a comm with ')' arrives cut at the ')' - ss's own truncation", () => {
    expect(find(root, "tcp", 7001).processes).toEqual([{ name: "my (odd", pid: 24, fd: 5 }]);
  });

  it("users column absent: other user's socket as root without SYS_PTRACE", () => {
    const s = find(root, "tcp", 8080);
    expect(s.processes).toEqual([]);
    expect(s).toMatchObject({ address: "0.0.0.0", wildcard: true });
    expect(find(parse("ss-root-sys-ptrace.txt"), "tcp", 8080).processes).toEqual([{ name: "socat", pid: 35, fd: 5 }]);
  });

  it("as non-root only the user's own socket has processes", () => {
    const socks = parse("ss-nonroot.txt");
    expect(socks).toHaveLength(17);
    expect(socks.filter((s) => s.processes.length > 0).map((s) => s.port)).toEqual([8080]);
  });

  it("process names with quotes, commas, spaces, tabs, 'users:((' survive", () => {
    const names = parse("ss-odd-process-names.txt").map((s) => s.processes[0]!.name).sort();
    expect(names).toEqual(['a,b c', 'q"uote', "tab\there", "users:((", "x"].sort());
  });

  it("no listeners at all is refused: every node listens somewhere, an empty table is a broken ss", () => {
    expect(() => parse("ss-no-listeners.txt")).toThrow(/ss listed no listening socket at all/);
  });

  it("throws ProbeParseError naming the offending line", () => {
    const bad = [
      "garbage",
      "tcp LISTEN 0 5 0.0.0.0 0.0.0.0:*", // no port
      "tcp LISTEN 0 5 :::22 :::*", // pre-4.x unbracketed IPv6
      "tcp LISTEN 0 5 999.1.1.1:22 0.0.0.0:*",
      "tcp LISTEN 0 5 0.0.0.0:22 0.0.0.0:* users:((\"x\",pid=1))",
      "sctp LISTEN 0 5 0.0.0.0:22 0.0.0.0:*",
    ];
    for (const line of bad) {
      expect(() => listeningSockets.parse(out(`tcp LISTEN 0 5 0.0.0.0:1 0.0.0.0:*\n${line}\n`))).toThrow(ProbeParseError);
      expect(() => listeningSockets.parse(out(line))).toThrow(JSON.stringify(line));
    }
    expect(() => listeningSockets.parse(out("", 1, "ss: command not found"))).toThrow(/exited 1/);
  });
});

describe("isLoopback / isWildcard", () => {
  it("classify addresses in ss and normalized spellings", () => {
    for (const a of ["127.0.0.1", "127.255.0.9", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "127.0.0.53%lo"]) {
      expect([a, isLoopback(a), isWildcard(a)]).toEqual([a, true, false]);
    }
    for (const a of ["0.0.0.0", "::", "[::]", "*", "::ffff:0.0.0.0", "0:0:0:0:0:0:0:0"]) {
      expect([a, isLoopback(a), isWildcard(a)]).toEqual([a, false, true]);
    }
    for (const a of ["10.0.0.1", "fe80::1%eth0", "::2", "128.0.0.1", "not-an-ip", ""]) {
      expect([a, isLoopback(a), isWildcard(a)]).toEqual([a, false, false]);
    }
  });
});

describe("ipv6OnlyDefault", () => {
  it("reads the captured sysctl and rejects anything else", () => {
    expect(ipv6OnlyDefault.parse(capture("bindv6only-default.txt"))).toBe(false);
    expect(ipv6OnlyDefault.parse(out("1\n"))).toBe(true);
    expect(() => ipv6OnlyDefault.parse(out("", 1, "No such file or directory"))).toThrow(ProbeParseError);
    expect(() => ipv6OnlyDefault.parse(out("2\n"))).toThrow(ProbeParseError);
  });
});
