// BOOT-001, BOOT-002 and IDENT-002 judged on facts parsed from real stand-in output
// (fixtures/captured/proxmox), with the lab's own declarations (fixtures/lab/declared/proxmox.ts):
// the conformant host passes, each drift fails its one spec with a message an operator can act on.
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { proxmoxDeclared } from "../../../fixtures/lab/declared/proxmox.ts";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import type { Inventory } from "../../../helpers/inventory/types.ts";
import { GUEST_CONFIGS, SUBORDINATE_IDS, guestConfigs, subordinateIds } from "../../../helpers/probes/proxmox.ts";
import type { Probe } from "../../../helpers/probes/types.ts";
import { evaluate, type Verdict } from "../../../helpers/spec/evaluate.ts";
import { declared } from "../catalog-support.ts";

const ctx: { inventory?: Inventory } = {};

const LAB = [
  ["pve", "hypervisor", 0],
  ["vm102", "storage", 1],
  ["vm100", "compute", 2],
  ["lxc200", "monitoring", 3],
  ["lxc210", "service", 3],
  ["lxc212", "service", 3],
  ["lxc230", "service", 3],
] as const;

function inventory(names: readonly string[], over: Record<string, Record<string, unknown>> = {}): Inventory {
  const nodes = LAB.filter(([n]) => names.includes(n)).map(([name, role, layer]) => ({
    name,
    role,
    layer,
    ssh: { host: name },
    ...(proxmoxDeclared[name] !== undefined ? { proxmox: proxmoxDeclared[name] } : {}),
    ...over[name],
  }));
  return parseInventory(dump({ version: 1, defaults: { ssh: { agent: true } }, nodes }), "/lab/inventory.yaml");
}

function factsFrom(probes: Array<[Probe<unknown>, string]>): NodeFacts {
  const facts: NodeFacts["facts"] = {};
  for (const [probe, file] of probes) {
    const stdout = readFileSync(`fixtures/captured/proxmox/${file}`, "utf8");
    facts[probe.name] = { ok: true, value: probe.parse({ stdout, stderr: "", code: 0 }), evidence: { probe: probe.name, command: probe.command, stdout, stderr: "", code: 0 } };
  }
  return { node: "pve", reachable: true, roundTrips: 1, gatherMs: 1, facts };
}

const ALL_GUESTS = guestConfigs([
  { vmid: 100, type: "qemu" },
  { vmid: 102, type: "qemu" },
  { vmid: 200, type: "lxc" },
  { vmid: 210, type: "lxc" },
  { vmid: 212, type: "lxc" },
  { vmid: 230, type: "lxc" },
]);

function judge(id: string, inv: Inventory, configs: string, subids = "subordinate-ids.txt"): Verdict {
  ctx.inventory = inv;
  const d = declared.find((x) => x.meta.id === id)!;
  const pve = inv.nodes.find((n) => n.name === "pve")!;
  return evaluate(d.meta, d.def, pve, factsFrom([[ALL_GUESTS, configs], [subordinateIds, subids]]), [], { inventory: ctx.inventory });
}

beforeAll(async () => {
});

describe("the Proxmox specs on the stand-in's real output", () => {
  const full = inventory(LAB.map(([n]) => n));
  // The drift matrix's partial lab: the guests left out are still declared on pve.
  const partial = inventory(["pve", "vm102", "lxc200"]);

  it("pass on the conformant host, for the full and the partial lab alike", () => {
    for (const inv of [full, partial]) {
      for (const id of ["BOOT-001", "BOOT-002", "IDENT-002"]) expect(judge(id, inv, "guest-configs.txt"), id).toMatchObject({ status: "passed" });
    }
  });

  it("attach the evidence they judged: the configs, and /etc/sub{u,g}id for IDENT-002", () => {
    const v = judge("IDENT-002", partial, "guest-configs.txt");
    expect(v.evidence.map((e) => e.probe)).toEqual([GUEST_CONFIGS, SUBORDINATE_IDS]);
    expect(judge("BOOT-001", partial, "guest-configs.txt").evidence.map((e) => e.probe)).toEqual([GUEST_CONFIGS]);
  });

  it("onboot-off fails BOOT-001 only, naming the guest and what a reboot does", () => {
    expect(judge("BOOT-001", partial, "guest-configs-onboot-off.txt")).toMatchObject({
      status: "failed",
      message:
        "BOOT-001 [pve] Every guest starts on boot (§3.3)\n" +
        "  - lxc230 (CT 230, layer 3 services): expected onboot: 1 (started with the host); actual onboot: 0: after a reboot of pve it stays stopped until someone starts it by hand",
    });
    expect(judge("BOOT-002", partial, "guest-configs-onboot-off.txt").status).toBe("passed");
    expect(judge("IDENT-002", partial, "guest-configs-onboot-off.txt").status).toBe("passed");
  });

  it("wrong-startup-order fails BOOT-002 only: compute shares storage's order and wins on VMID", () => {
    expect(judge("BOOT-002", partial, "guest-configs-wrong-startup-order.txt")).toMatchObject({
      status: "failed",
      message:
        "BOOT-002 [pve] Startup order follows the dependency layers (§3.1)\n" +
        "  - vm100 (VM 100, layer 2 compute): expected a startup order after vm102 (VM 102, layer 1 storage), which has order=1; actual order=1, the same as vm102: equal orders start by ascending VMID, so VM 100 starts before VM 102",
    });
    expect(judge("BOOT-001", partial, "guest-configs-wrong-startup-order.txt").status).toBe("passed");
    expect(judge("IDENT-002", partial, "guest-configs-wrong-startup-order.txt").status).toBe("passed");
  });

  it("wrong-idmap fails IDENT-002 only, explaining where nextcloud's files now land", () => {
    expect(judge("IDENT-002", partial, "guest-configs-wrong-idmap.txt")).toMatchObject({
      status: "failed",
      message:
        "IDENT-002 [pve] Unprivileged LXC idmaps map the declared identities as declared (§4.4, §5.3)\n" +
        "  - lxc210 uid 1001 (nextcloud): expected host uid 1001; actual nextcloud (lxc210) uid 1001 → host 101001 (lxc.idmap: u 0 100000 65536), but its bind mount /mnt/pve/nextcloud → /mnt/nextcloud expects 1001: its writes land as 101001, an unknown owner, and files owned by 1001 are not its own\n" +
        "  - lxc210 gid 1001 (nextcloud): expected host gid 1001; actual nextcloud (lxc210) gid 1001 → host 101001 (lxc.idmap: g 0 100000 65536), but its bind mount /mnt/pve/nextcloud → /mnt/nextcloud expects 1001: its writes land as 101001, an unknown owner, and files owned by 1001 are not its own",
    });
    expect(judge("BOOT-001", partial, "guest-configs-wrong-idmap.txt").status).toBe("passed");
    expect(judge("BOOT-002", partial, "guest-configs-wrong-idmap.txt").status).toBe("passed");
  });

  it("IDENT-002 reports a privileged CT, a broken map and subordinate ids that do not allow it", () => {
    const d = declared.find((x) => x.meta.id === "IDENT-002")!;
    const probe = guestConfigs([{ vmid: 212, type: "lxc" }]);
    // Only CT 212 is asked here: declare only it on pve.
    const only212 = inventory(["pve", "lxc212"], { pve: { proxmox: { guests: [{ vmid: 212, type: "lxc", name: "lxc212", layer: 3 }] } } });
    ctx.inventory = only212;
    const v = evaluate(d.meta, d.def, only212.nodes[0]!, factsFrom([[probe, "guest-configs-edited-212.txt"], [subordinateIds, "subordinate-ids-edited.txt"]]), [], { inventory: ctx.inventory });
    expect(v.status).toBe("failed");
    const lines = v.status === "failed" ? v.message.split("\n").slice(1) : [];
    expect(lines).toEqual([
      "  - lxc212 (CT 212, layer 3 services): expected unprivileged: 1; actual unprivileged: 0: root in the container is root on the host",
      "  - lxc212 (CT 212, layer 3 services) lxc.idmap: expected `u|g CT-ID HOST-ID COUNT`; actual lxc.idmap: x 1 2 3: Proxmox refuses to start the container",
      "  - lxc212 uid map: expected lxc.idmap u ranges that map container uids 0-65535 once each; actual `u 500 200000 65036` overlaps `u 0 100000 1000` on the container side (uid 500): the container does not start",
      "  - lxc212 lxc.idmap: u 500 200000 65036: expected /etc/subuid to allow root host uids 200000-265035; actual /etc/subuid allows root 100000-165535, 1001; 200000-265035 not allowed: the container does not start",
      "  - lxc212 lxc.idmap: g 0 100000 65536: expected /etc/subgid to allow root host gids 100000-165535; actual /etc/subgid does not exist; 100000-165535 not allowed: the container does not start",
    ]);
  });

  it("a declared guest the host does not have fails each spec with Proxmox's own words", () => {
    const inv = inventory(["pve"], { pve: { proxmox: { guests: [{ vmid: 999, type: "qemu", name: "ghost", layer: 2 }, { vmid: 102, type: "lxc", name: "vm102", layer: 1 }] } } });
    ctx.inventory = inv;
    const d = declared.find((x) => x.meta.id === "BOOT-001")!;
    const probe = guestConfigs([{ vmid: 102, type: "lxc" }, { vmid: 999, type: "qemu" }]);
    const facts = factsFrom([[probe, "guest-configs-missing.txt"]]);
    const v = evaluate(d.meta, d.def, inv.nodes[0]!, facts, [], { inventory: ctx.inventory });
    expect(v.status === "failed" && v.message.split("\n").slice(1)).toEqual([
      "  - vm102 (CT 102, layer 1 storage): expected a config on pve (`pct config 102`); actual none: Configuration file 'nodes/pve/lxc/102.conf' does not exist",
      "  - ghost (VM 999, layer 2 compute): expected a config on pve (`qm config 999`); actual none: Configuration file 'nodes/pve/qemu-server/999.conf' does not exist",
    ]);
  });
});
