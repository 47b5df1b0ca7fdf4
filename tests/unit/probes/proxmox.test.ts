// The Proxmox probes on output captured from the pve stand-in (fixtures/captured/proxmox), and the
// idmap arithmetic the identity specs build on.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  CONTAINER_IDS,
  disallowedHostRanges,
  effectiveIdmap,
  idmapProblems,
  toHost,
  uncovered,
} from "../../../helpers/probes/proxmox-idmap.ts";
import { guestConfigs, parseIdmapValue, parseStartup, subordinateIds, type GuestRef } from "../../../helpers/probes/proxmox.ts";
import type { ProbeOutput } from "../../../helpers/probes/types.ts";

const capture = (file: string): ProbeOutput => ({ stdout: readFileSync(`fixtures/captured/proxmox/${file}`, "utf8"), stderr: "", code: 0 });
const ALL: GuestRef[] = [
  { vmid: 102, type: "qemu" },
  { vmid: 100, type: "qemu" },
  { vmid: 200, type: "lxc" },
  { vmid: 210, type: "lxc" },
  { vmid: 212, type: "lxc" },
  { vmid: 230, type: "lxc" },
];
const probe = guestConfigs(ALL);
const configs = (file: string, p = probe) => p.parse(capture(file));
const byId = (file: string, vmid: number, p = probe) => configs(file, p).find((c) => c.vmid === vmid)!;

describe("guest configs probe", () => {
  it("asks qm for VMs and pct for CTs, once each, in VMID order, framed", () => {
    const p = guestConfigs([...ALL, { vmid: 102, type: "qemu" }]);
    const calls = [...p.command.matchAll(/hlc_run (qm|pct) config (\d+)/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(calls).toEqual(["qm 100", "qm 102", "pct 200", "pct 210", "pct 212", "pct 230"]);
    expect(p.name).toBe("proxmox-guest-configs");
  });

  it("reads every guest of the conformant stand-in: name, onboot, startup, unprivileged, idmap", () => {
    const all = configs("guest-configs.txt");
    expect(all.map((c) => [c.vmid, c.type, c.name, c.onboot, c.startup])).toEqual([
      [100, "qemu", "vm100", true, { order: 2, up: 60 }],
      [102, "qemu", "vm102", true, { order: 1, up: 60 }],
      [200, "lxc", "lxc200", true, { order: 3, up: 15 }],
      [210, "lxc", "lxc210", true, { order: 3, up: 30 }],
      [212, "lxc", "lxc212", true, { order: 3, up: 15 }],
      [230, "lxc", "lxc230", true, { order: 3, up: 15 }],
    ]);
    const ct210 = all.find((c) => c.vmid === 210)!;
    expect(ct210).toMatchObject({ found: true, unprivileged: true, idmapErrors: [] });
    expect(ct210.idmap.map((e) => e.raw)).toEqual([
      "u 0 100000 1001",
      "g 0 100000 1001",
      "u 1001 1001 1",
      "g 1001 1001 1",
      "u 1002 101002 64534",
      "g 1002 101002 64534",
    ]);
    expect(ct210.options.mp0).toBe("/mnt/pve/nextcloud,mp=/mnt/nextcloud");
    // The VM's options are raw strings; a VM has no idmap and is never "unprivileged".
    expect(all.find((c) => c.vmid === 100)).toMatchObject({ options: { hostpci0: "0000:01:00,pcie=1", parent: "pre-driver-update" }, unprivileged: false, idmap: [] });
  });

  it("sees each drift of the stand-in", () => {
    expect(byId("guest-configs-wrong-startup-order.txt", 100).startup).toEqual({ order: 1, up: 60 });
    expect(byId("guest-configs-onboot-off.txt", 230)).toMatchObject({ onboot: false, options: { onboot: "0" } });
    expect(byId("guest-configs-wrong-idmap.txt", 210).idmap.map((e) => e.raw)).toEqual(["u 0 100000 65536", "g 0 100000 65536"]);
  });

  it("keeps Proxmox's error for a guest the host does not have, instead of failing the probe", () => {
    const p = guestConfigs([{ vmid: 102, type: "lxc" }, { vmid: 210, type: "lxc" }, { vmid: 999, type: "qemu" }]);
    const [ct102, ct210, vm999] = p.parse(capture("guest-configs-missing.txt"));
    expect(ct102).toMatchObject({ found: false, exitCode: 255, command: "pct config 102", error: "Configuration file 'nodes/pve/lxc/102.conf' does not exist" });
    expect(ct210).toMatchObject({ found: true, name: "lxc210" });
    expect(vm999).toMatchObject({ found: false, command: "qm config 999", error: "Configuration file 'nodes/pve/qemu-server/999.conf' does not exist" });
  });

  it("reads PVE's other spellings: bare order, yes, privileged, lxc.* raw keys, a malformed idmap line", () => {
    const ct = guestConfigs([{ vmid: 212, type: "lxc" }]).parse(capture("guest-configs-edited-212.txt"))[0]!;
    expect(ct).toMatchObject({ onboot: true, unprivileged: false, startup: { order: 3, down: 30 }, startupRaw: "3,down=30", idmapErrors: ["x 1 2 3"] });
    expect(ct.idmap.map((e) => e.raw)).toEqual(["u 0 100000 1000", "u 500 200000 65036", "g 0 100000 65536"]);
    expect(ct.lxc.at(-1)).toEqual({ key: "lxc.cgroup2.devices.allow", value: "c 226:0 rwm" });
  });

  it("refuses output it cannot read", () => {
    const p = guestConfigs([{ vmid: 102, type: "qemu" }]);
    expect(() => p.parse({ stdout: "", stderr: "", code: 0 })).toThrow(/no answer for `qm config 102`/);
    expect(() => p.parse({ stdout: "junk\n", stderr: "", code: 0 })).toThrow(/outside any frame/);
    expect(() => p.parse({ stdout: "--- hlc-probe: qm config 102 ---\nname: vm102\n", stderr: "", code: null })).toThrow(/did not finish/);
    expect(() => p.parse({ stdout: "--- hlc-probe: qm config 102 ---\nthis is not a config\n--- hlc-probe: exit 0 ---\n", stderr: "", code: 0 })).toThrow(/not a `key: value` line/);
    expect(() => p.parse({ stdout: "--- hlc-probe: qm config 102 ---\nonboot: maybe\n--- hlc-probe: exit 0 ---\n", stderr: "", code: 0 })).toThrow(/onboot: "maybe" is not a boolean/);
  });

  it("keeps an unreadable startup line as a fact for the spec to report", () => {
    const p = guestConfigs([{ vmid: 102, type: "qemu" }]);
    const [vm] = p.parse({ stdout: "--- hlc-probe: qm config 102 ---\nstartup: first\n--- hlc-probe: exit 0 ---\n", stderr: "", code: 0 });
    expect(vm).toMatchObject({ startupRaw: "first", startupError: expect.stringContaining("not Proxmox's") });
    expect(vm!.startup).toBeUndefined();
  });
});

describe("startup and idmap values (PVE's own parsers)", () => {
  it("parses pve-startup-order like PVE::JSONSchema", () => {
    expect(parseStartup("order=1,up=60")).toEqual({ order: 1, up: 60 });
    expect(parseStartup("2")).toEqual({ order: 2 });
    expect(parseStartup("up=30,down=60")).toEqual({ up: 30, down: 60 });
    expect(parseStartup("order=1,,up=5")).toEqual({ order: 1, up: 5 });
    expect(parseStartup("order=a")).toBeUndefined();
    expect(parseStartup("later=1")).toBeUndefined();
  });

  it("parses lxc.idmap values like PVE::LXC::parse_id_maps", () => {
    expect(parseIdmapValue("u 0 100000 65536")).toMatchObject({ kind: "u", ct: 0, host: 100000, count: 65536 });
    expect(parseIdmapValue("g  1001   1001 1 ")).toMatchObject({ kind: "g", ct: 1001, host: 1001, count: 1 });
    expect(parseIdmapValue("b 0 100000 65536")).toBeUndefined();
    expect(parseIdmapValue("u 0 100000")).toBeUndefined();
  });
});

describe("subordinate ids probe", () => {
  it("reads /etc/subuid and /etc/subgid of the stand-in", () => {
    const ids = subordinateIds.parse(capture("subordinate-ids.txt"));
    const root = [
      { owner: "root", start: 100000, count: 65536 },
      { owner: "root", start: 1001, count: 1 },
    ];
    expect(ids).toEqual({ subuid: { exists: true, ranges: root, error: "" }, subgid: { exists: true, ranges: root, error: "" } });
  });

  it("skips comments and blank lines, keeps other owners, and reports a missing file as such", () => {
    const ids = subordinateIds.parse(capture("subordinate-ids-edited.txt"));
    expect(ids.subuid.ranges.map((r) => `${r.owner}:${r.start}:${r.count}`)).toEqual(["root:100000:65536", "0:1001:1", "lxcuser:200000:65536"]);
    expect(ids.subgid).toMatchObject({ exists: false, ranges: [] });
  });

  it("refuses a line that is not name:start:count", () => {
    const bad = "--- hlc-probe: cat /etc/subuid ---\nroot 100000 65536\n--- hlc-probe: exit 0 ---\n--- hlc-probe: cat /etc/subgid ---\n--- hlc-probe: exit 0 ---\n";
    expect(() => subordinateIds.parse({ stdout: bad, stderr: "", code: 0 })).toThrow(/not a name:start:count line/);
  });
});

describe("idmap arithmetic", () => {
  const conformant210 = byId("guest-configs.txt", 210);
  const drifted210 = byId("guest-configs-wrong-idmap.txt", 210);
  const edited212 = guestConfigs([{ vmid: 212, type: "lxc" }]).parse(capture("guest-configs-edited-212.txt"))[0]!;

  it("uses the explicit lines, Proxmox's default for an unprivileged CT without them, none for a privileged one", () => {
    expect(effectiveIdmap(conformant210).source).toBe("explicit");
    const ct200 = byId("guest-configs.txt", 200);
    expect(effectiveIdmap(ct200)).toMatchObject({ source: "default", entries: [{ kind: "u", ct: 0, host: 100000, count: 65536 }, { kind: "g", ct: 0, host: 100000, count: 65536 }] });
    expect(effectiveIdmap({ ...ct200, unprivileged: false }).source).toBe("none");
  });

  it("maps container ids to host ids through the range that holds them", () => {
    const map = effectiveIdmap(conformant210);
    expect(toHost(map, "u", 1001)?.host).toBe(1001);
    expect(toHost(map, "u", 0)?.host).toBe(100000);
    expect(toHost(map, "g", 1002)?.host).toBe(101002);
    expect(toHost(map, "u", 65535)?.host).toBe(165535);
    expect(toHost(map, "u", 65536)).toBeUndefined();
    expect(toHost(effectiveIdmap(drifted210), "u", 1001)?.host).toBe(101001);
    expect(toHost(effectiveIdmap({ ...conformant210, idmap: [], unprivileged: false }), "u", 1001)).toEqual({ host: 1001 });
  });

  it("finds the map of the stand-in well-formed, and the edited one overlapping and incomplete", () => {
    expect(idmapProblems(conformant210.idmap, "u")).toEqual([]);
    expect(idmapProblems(drifted210.idmap, "g")).toEqual([]);
    const u = idmapProblems(edited212.idmap, "u");
    expect(u).toEqual(["`u 500 200000 65036` overlaps `u 0 100000 1000` on the container side (uid 500)"]);
    expect(idmapProblems(edited212.idmap, "g")).toEqual([]);
    expect(idmapProblems([], "g")).toEqual(["no `lxc.idmap: g …` line: no gid of the container is mapped"]);
    const gap = [parseIdmapValue("u 0 100000 1000")!, parseIdmapValue("u 1001 101001 64535")!];
    expect(idmapProblems(gap, "u")).toEqual(["container uids 1000 are not mapped (0-65535 must be)"]);
    const hostOverlap = [parseIdmapValue("u 0 100000 65536")!, parseIdmapValue("u 70000 100005 1")!];
    expect(idmapProblems(hostOverlap, "u")).toEqual(["`u 70000 100005 1` overlaps `u 0 100000 65536` on the host side (uid 100005)"]);
  });

  it("checks host ranges against root's subordinate ids, by name or uid 0", () => {
    const subids = subordinateIds.parse(capture("subordinate-ids.txt"));
    expect(disallowedHostRanges(conformant210.idmap, "u", subids.subuid)).toEqual([]);
    const edited = subordinateIds.parse(capture("subordinate-ids-edited.txt"));
    // 0:1001:1 is root's too; lxcuser's range is not root's.
    expect(disallowedHostRanges(conformant210.idmap, "u", edited.subuid)).toEqual([]);
    const far = [parseIdmapValue("u 0 200000 65536")!];
    expect(disallowedHostRanges(far, "u", edited.subuid)).toEqual([{ entry: far[0], missing: [[200000, 265536]] }]);
    expect(disallowedHostRanges(conformant210.idmap, "g", edited.subgid).map((x) => x.entry.raw)).toEqual(["g 0 100000 1001", "g 1001 1001 1", "g 1002 101002 64534"]);
  });

  it("computes uncovered intervals", () => {
    expect(uncovered([[0, 10], [10, 20]], 0, 20)).toEqual([]);
    expect(uncovered([[5, 10], [12, 30]], 0, 20)).toEqual([[0, 5], [10, 12]]);
    expect(uncovered([], 3, 4)).toEqual([[3, 4]]);
    expect(uncovered([[0, CONTAINER_IDS]], 0, CONTAINER_IDS)).toEqual([]);
  });
});
