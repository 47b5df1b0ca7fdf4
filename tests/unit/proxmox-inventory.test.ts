// The `proxmox` section and the `pct` way of reaching a node: what the inventory accepts, the
// guests a hypervisor is asked about, and every mistake reported with file:line:column.
import { describe, expect, it } from "vitest";
import { planOf } from "./catalog-support.ts";
import { InventoryError, parseInventory } from "../../helpers/inventory/load.ts";
import { guestsOf } from "../../helpers/inventory/sections/proxmox.ts";

const FILE = "/srv/lab/inventory.yaml";
const HEAD = "version: 1\ndefaults: { ssh: { agent: true } }\nnodes:\n";

function problems(text: string): string[] {
  try {
    parseInventory(HEAD + text, FILE);
  } catch (e) {
    if (e instanceof InventoryError) return e.message.split("\n").map((l) => l.replace(`${FILE}:`, ""));
    throw e;
  }
  throw new Error("expected an InventoryError, but the inventory loaded");
}

const good = `  - name: pve
    role: hypervisor
    layer: 0
    ssh: { host: 192.0.2.10 }
    proxmox:
      guests:
        - { vmid: 100, type: qemu, name: vm100, layer: 2 }
        - { vmid: 230, type: lxc, layer: 3 }
  - name: vm102
    role: storage
    layer: 1
    ssh: { host: 192.0.2.102, jump: pve }
    proxmox: { vmid: 102, type: qemu, startup: { up: 60 } }
  - name: lxc210
    role: service
    layer: 3
    pct: { host: pve, vmid: 210 }
    proxmox:
      vmid: 210
      type: lxc
      identities:
        - { name: nextcloud, uid: 1001, hostUid: 1001, hostGid: 1001 }
        - { name: www-data, uid: 33 }
`;

describe("the proxmox section", () => {
  const inv = parseInventory(HEAD + good, FILE);
  const [pve, vm102, lxc210] = inv.nodes;

  it("normalizes a pct node: no ssh block, the host and VMID", () => {
    expect(lxc210!.ssh).toBeUndefined();
    expect(lxc210!.pct).toEqual({ host: "pve", vmid: 210 });
    expect(lxc210!.proxmox?.identities?.[1]).toEqual({ name: "www-data", uid: 33, gid: 33 });
  });

  it("merges the host's list and the guest nodes into the host's guests, in VMID order, with defaults", () => {
    expect(guestsOf(pve!, inv.nodes)).toEqual([
      { vmid: 100, type: "qemu", name: "vm100", layer: 2, startup: {}, unprivileged: false, identities: [] },
      { vmid: 102, type: "qemu", name: "vm102", node: "vm102", layer: 1, startup: { up: 60 }, unprivileged: false, identities: [] },
      {
        vmid: 210, type: "lxc", name: "lxc210", node: "lxc210", layer: 3, startup: {}, unprivileged: true,
        identities: [
          { name: "nextcloud", uid: 1001, gid: 1001, hostUid: 1001, hostGid: 1001 },
          { name: "www-data", uid: 33, gid: 33, hostUid: 100033, hostGid: 100033 },
        ],
      },
      { vmid: 230, type: "lxc", name: "CT 230", layer: 3, startup: {}, unprivileged: true, identities: [] },
    ]);
    expect(guestsOf(vm102!, inv.nodes)).toEqual([]);
  });

  it("asks the hypervisor only: every guest's config in one probe, and the subordinate ids", () => {
    const plan = planOf("pve", inv).map((p) => p.name);
    expect(plan).toEqual(expect.arrayContaining(["proxmox-guest-configs", "subordinate-ids"]));
    expect(planOf("pve", inv).find((p) => p.name === "proxmox-guest-configs")!.command).toMatch(/hlc_run qm config 100; hlc_run qm config 102; hlc_run pct config 210; hlc_run pct config 230$/);
    expect(planOf("vm102", inv).map((p) => p.name)).not.toContain("proxmox-guest-configs");
    expect(planOf("lxc210", inv).map((p) => p.name)).not.toContain("subordinate-ids");
  });

  it("accepts a guest declared on both sides when they agree", () => {
    const both = good.replace("- { vmid: 230, type: lxc, layer: 3 }", "- { vmid: 230, type: lxc, layer: 3 }\n        - { vmid: 102, type: qemu, name: vm102, layer: 1, startup: { up: 60 } }");
    expect(guestsOf(parseInventory(HEAD + both, FILE).nodes[0]!, parseInventory(HEAD + both, FILE).nodes).map((g) => g.vmid)).toEqual([100, 102, 210, 230]);
  });
});

describe("proxmox and pct mistakes", () => {
  const pve = "  - { name: pve, role: hypervisor, layer: 0, ssh: { host: h } }\n";

  it("a node with neither ssh nor pct, or with both", () => {
    expect(problems(`${pve}  - { name: a, role: service, layer: 3 }\n`)).toEqual([
      "5:5: at nodes[1]: must have key 'ssh' (or 'pct' for an LXC reached through its Proxmox host), got keys name, role, layer",
    ]);
    expect(problems(`${pve}  - { name: a, role: service, layer: 3, ssh: { host: h }, pct: { host: pve, vmid: 200 } }\n`)).toEqual([
      "5:64: at nodes[1].pct: must not be given together with ssh: a node is reached either over ssh or through pct on its Proxmox host",
    ]);
  });

  it("pct through a node that is missing, not a hypervisor, itself reached by pct, or for a VM", () => {
    expect(
      problems(
        pve +
          "  - { name: vm102, role: storage, layer: 1, ssh: { host: h } }\n" +
          "  - { name: a, role: service, layer: 3, pct: { host: pev, vmid: 200 } }\n" +
          "  - { name: b, role: service, layer: 3, pct: { host: vm102, vmid: 201 } }\n" +
          "  - { name: c, role: service, layer: 3, ssh: { host: h, jump: a } }\n" +
          "  - { name: d, role: service, layer: 3, pct: { host: pve, vmid: 202 }, proxmox: { vmid: 203, type: qemu } }\n",
      ),
    ).toEqual([
      "6:54: at nodes[2].pct.host: must name a node of this inventory, got \"pev\", did you mean 'pve'?",
      '7:54: at nodes[3].pct.host: must name a node with role hypervisor, got "vm102" (role storage)',
      '8:63: at nodes[4].ssh.jump: must name a node reached over ssh, got "a", which is reached through pct',
      "9:46: at nodes[5].pct: must only be used for an LXC: pct cannot exec in a VM (proxmox.type is qemu)",
      "9:65: at nodes[5].pct.vmid: must be the node's proxmox.vmid 203, got 202",
    ]);
  });

  it("guest fields on the hypervisor, a guest list elsewhere, missing vmid, LXC-only keys on a VM", () => {
    expect(
      problems(
        "  - { name: pve, role: hypervisor, layer: 0, ssh: { host: h }, proxmox: { vmid: 100 } }\n" +
          "  - { name: vm102, role: storage, layer: 1, ssh: { host: h }, proxmox: { type: qemu, unprivileged: true, guests: [] } }\n",
      ),
    ).toEqual([
      "4:81: at nodes[0].proxmox.vmid: must not be set on the hypervisor: it describes a guest (list this host's guests under proxmox.guests)",
      "5:72: at nodes[1].proxmox: must have key 'vmid' (the guest's VMID and kind on its Proxmox host), got keys type, unprivileged, guests",
      "5:100: at nodes[1].proxmox.unprivileged: must only be set for an LXC (type: lxc), got type qemu",
      "5:114: at nodes[1].proxmox.guests: must only be set on the hypervisor, got it on a node with role storage",
    ]);
  });

  it("a host that is not a hypervisor, no hypervisor at all, or several without `host`", () => {
    expect(problems("  - { name: vm102, role: storage, layer: 1, ssh: { host: h }, proxmox: { vmid: 102, type: qemu } }\n")).toEqual([
      "4:72: at nodes[0].proxmox: needs its Proxmox host, but no node of this inventory has role hypervisor",
    ]);
    expect(
      problems(pve + "  - { name: pve2, role: hypervisor, layer: 0, ssh: { host: h } }\n  - { name: vm102, role: storage, layer: 1, ssh: { host: h }, proxmox: { vmid: 102, type: qemu } }\n  - { name: vm103, role: storage, layer: 1, ssh: { host: h }, proxmox: { vmid: 103, type: qemu, host: vm102 } }\n"),
    ).toEqual([
      "6:72: at nodes[2].proxmox: must set host: the inventory has several hypervisors (pve, pve2)",
      '7:103: at nodes[3].proxmox.host: must name a node with role hypervisor, got "vm102" (role storage)',
    ]);
  });

  it("duplicate VMIDs, a hosted guest without a layer, and declarations that disagree", () => {
    expect(
      problems(
        "  - name: pve\n    role: hypervisor\n    layer: 0\n    ssh: { host: h }\n    proxmox:\n      guests:\n" +
          "        - { vmid: 230, type: lxc }\n" +
          "        - { vmid: 230, type: lxc, layer: 3 }\n" +
          "        - { vmid: 102, type: lxc, name: storage, layer: 2 }\n" +
          "  - { name: vm102, role: storage, layer: 1, ssh: { host: h }, proxmox: { vmid: 102, type: qemu } }\n" +
          "  - { name: vm103, role: storage, layer: 1, ssh: { host: h }, proxmox: { vmid: 102, type: qemu } }\n",
      ),
    ).toEqual([
      "10:11: at nodes[0].proxmox.guests[0]: must have key 'layer': CT 230 is not a node of this inventory, so its boot layer is declared here, got keys vmid, type",
      "11:19: at nodes[0].proxmox.guests[1].vmid: must be unique in this list, got 230 again (first at guests[0], line 10)",
      "12:30: at nodes[0].proxmox.guests[2].type: must agree with node vm102 (line 13), which declares type: \"qemu\", got \"lxc\"",
      "12:41: at nodes[0].proxmox.guests[2].name: must be the name of node vm102 (line 13), which declares VMID 102, got \"storage\"",
      "12:57: at nodes[0].proxmox.guests[2].layer: must agree with node vm102 (line 13), which has layer 1, got 2",
      "14:80: at nodes[2].proxmox.vmid: must be unique on host pve, got 102 which node vm102 already declares (line 13)",
    ]);
  });

  it("schema: a VMID out of range, an unknown type, an unknown key", () => {
    expect(problems(`${pve}  - { name: a, role: service, layer: 3, pct: { host: pve, vmid: 99 }, proxmox: { vmid: 99, type: ct, unpriviledged: true } }\n`)).toEqual([
      "5:65: at nodes[1].pct.vmid: must be an integer from 100 to 999999999, got 99",
      "5:88: at nodes[1].proxmox.vmid: must be an integer from 100 to 999999999, got 99",
      '5:98: at nodes[1].proxmox.type: must be one of qemu, lxc, got "ct"',
      "5:102: at nodes[1].proxmox.unpriviledged: unknown key 'unpriviledged', did you mean 'unprivileged'?",
    ]);
  });
});
