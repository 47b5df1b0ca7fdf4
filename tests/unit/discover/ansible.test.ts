// Ansible inventories (INI and YAML) read for how to reach each host, with Ansible's variable
// precedence (all < parent group < child group < host) and jump hosts from the ssh args.
import { describe, expect, it } from "vitest";
import { expandRange, parseAnsibleInventory } from "../../../helpers/transport/ansible.ts";

const INI = `
# the lab as an operator keeps it
pve ansible_host=192.168.1.10 ansible_user=root

[storage]
vm102 ansible_host=vm102.lan

[services]
lxc2[10:12] ansible_port=2222
lxc230 ansible_ssh_private_key_file=~/.ssh/vw ansible_port=22

[guests:children]
storage
services

[guests:vars]
ansible_ssh_common_args='-o ProxyJump=root@192.168.1.10'
ansible_user=admin

[services:vars]
ansible_user=svc
`;

const YAML = `
all:
  vars:
    ansible_user: root
  hosts:
    pve:
      ansible_host: 192.168.1.10
  children:
    guests:
      vars:
        ansible_ssh_common_args: "-J pve"
      children:
        storage:
          hosts:
            vm102: { ansible_host: 10.0.0.102 }
        services:
          vars: { ansible_user: svc }
          hosts:
            lxc210: { ansible_port: 2222 }
`;

describe("Ansible inventory", () => {
  it("expands host ranges", () => {
    expect(expandRange("lxc2[10:12]")).toEqual(["lxc210", "lxc211", "lxc212"]);
    expect(expandRange("web[01:03].lan")).toEqual(["web01.lan", "web02.lan", "web03.lan"]);
  });

  it("reads INI: hosts, groups, children, vars with child groups over parents and hosts over groups", () => {
    const hosts = parseAnsibleInventory(INI, "hosts.ini");
    const by = Object.fromEntries(hosts.map((h) => [h.name, h]));
    expect(Object.keys(by).sort()).toEqual(["lxc210", "lxc211", "lxc212", "lxc230", "pve", "vm102"]);
    expect(by.pve).toMatchObject({ host: "192.168.1.10", user: "root", jump: [] });
    expect(by.vm102).toMatchObject({ host: "vm102.lan", user: "admin", jump: [{ user: "root", host: "192.168.1.10" }] });
    // services (child of guests) wins over guests; the host's own port wins over everything.
    expect(by.lxc211).toMatchObject({ host: "lxc211", port: 2222, user: "svc" });
    expect(by.lxc230).toMatchObject({ port: 22, identityFile: "~/.ssh/vw" });
    expect(by.lxc230!.groups).toEqual(expect.arrayContaining(["guests", "services"]));
  });

  it("reads YAML the same way, -J in the ssh args included", () => {
    const hosts = parseAnsibleInventory(YAML, "hosts.yml");
    const by = Object.fromEntries(hosts.map((h) => [h.name, h]));
    expect(by.pve).toMatchObject({ host: "192.168.1.10", user: "root", jump: [] });
    expect(by.vm102).toMatchObject({ host: "10.0.0.102", user: "root", jump: [{ host: "pve" }] });
    expect(by.lxc210).toMatchObject({ port: 2222, user: "svc", jump: [{ host: "pve" }] });
  });
});
