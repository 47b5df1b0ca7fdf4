// ssh_config(5) as ssh reads it: first obtained value wins, Host patterns with negation,
// `Key=value` and quoted arguments, HostName %h, ProxyJump hops resolved through the same file.
import { mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import { hostMatches, literalHosts, parseSshConfig, resolveHost, splitLine } from "../../../helpers/transport/ssh-config.ts";

const CONFIG = `
# host-specific first, general defaults last (ssh_config(5))
Host pve proxmox
    HostName 192.168.1.10
    User admin
    IdentityFile ~/.ssh/pve_ed25519

Host vm* !vm999
    ProxyJump pve
    User root

Host vm102
    HostName %h.lan
    Port 2222
    User ignored-because-vm*-came-first

Host bastion
    HostName=bastion.example.org
    Port = 2200
    User "ops"

Host deep
    HostName 10.0.0.5
    ProxyJump ops@bastion:2201,pve

Host *
    User fallback
    IdentityFile ~/.ssh/id_ed25519
    UserKnownHostsFile ~/.ssh/known_hosts_lab
`;

describe("ssh_config", () => {
  const cfg = parseSshConfig(CONFIG, "config");

  it("splits keywords case-insensitively, with = and quotes", () => {
    expect(splitLine('  HostName=example.org')).toEqual({ key: "hostname", args: ["example.org"] });
    expect(splitLine('IdentityFile "/a b/key"')).toEqual({ key: "identityfile", args: ["/a b/key"] });
    expect(splitLine("# comment")).toBeUndefined();
  });

  it("matches Host patterns with wildcards, and a matching negation cancels the line", () => {
    expect(hostMatches(["vm*", "!vm999"], "vm102")).toBe(true);
    expect(hostMatches(["vm*", "!vm999"], "vm999")).toBe(false);
    expect(hostMatches(["pve", "proxmox"], "PROXMOX")).toBe(true);
  });

  it("takes the first obtained value of each keyword", () => {
    const r = resolveHost(cfg, "pve");
    expect(r).toMatchObject({ host: "192.168.1.10", port: 22, user: "admin", identityFile: join(homedir(), ".ssh/pve_ed25519"), knownHosts: join(homedir(), ".ssh/known_hosts_lab") });
    expect(r.proxyJump).toEqual([]);
    // vm* came before vm102: its User wins; vm102's HostName and Port are the first given.
    const vm = resolveHost(cfg, "vm102");
    expect(vm).toMatchObject({ host: "vm102.lan", port: 2222, user: "root", identityFile: join(homedir(), ".ssh/id_ed25519") });
    expect(vm.proxyJump).toEqual([expect.objectContaining({ alias: "pve", host: "192.168.1.10", user: "admin", port: 22 })]);
  });

  it("resolves every ProxyJump hop through the config, a hop's user@host:port acting like the command line", () => {
    const r = resolveHost(cfg, "deep");
    expect(r.proxyJump.map((h) => `${h.user}@${h.host}:${h.port}`)).toEqual(["ops@bastion.example.org:2201", "admin@192.168.1.10:22"]);
  });

  it("lists the literal aliases, and reports Match blocks it does not apply", () => {
    expect(literalHosts(cfg)).toEqual(["pve", "proxmox", "vm102", "bastion", "deep"]);
    const m = parseSshConfig("Match user bob\n  User x\nHost a\n  HostName b\n", "c");
    expect(m.warnings[0]).toMatch(/Match user bob.*not supported/);
    expect(resolveHost(m, "a").user).not.toBe("x");
  });

  it("is read for an inventory node that names its Host entry (configHost)", () => {
    const dir = mkdtempSync(join(tmpdir(), "hlc-sshcfg-"));
    writeFileSync(join(dir, "ssh_config"), CONFIG);
    const inv = parseInventory(
      `version: 1\ndefaults:\n  ssh:\n    configFile: ssh_config\nnodes:\n  - name: vm102\n    role: storage\n    layer: 1\n    ssh:\n      configHost: vm102\n  - name: pve\n    role: hypervisor\n    layer: 0\n    ssh:\n      configHost: pve\n      user: root\n`,
      join(dir, "inventory.yaml"),
    );
    const vm = inv.nodes[0]!.ssh!;
    expect(vm).toMatchObject({ host: "vm102.lan", port: 2222, user: "root", configHost: "vm102", knownHosts: join(homedir(), ".ssh/known_hosts_lab") });
    expect(vm.proxyJump?.map((h) => h.host)).toEqual(["192.168.1.10"]);
    // The node's own keys win over the file, like ssh's command line.
    expect(inv.nodes[1]!.ssh).toMatchObject({ host: "192.168.1.10", user: "root" });
  });

  it("refuses an ssh block with neither host nor configHost", () => {
    expect(() => parseInventory(`version: 1\nnodes:\n  - name: a\n    role: storage\n    layer: 1\n    ssh:\n      port: 22\n      identityFile: k\n`, "inv.yaml")).toThrow(/must have key 'host'/);
  });
});
