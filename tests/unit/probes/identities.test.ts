// IDENT-001 on real getent output: the storage image (vm102) and the calibre image (lxc212),
// as built and after drift/uid-mismatch, with the lab's declaration (fixtures/lab/declared/identities.ts).
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { identitiesDeclared } from "../../../fixtures/lab/declared/identities.ts";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import type { Inventory } from "../../../helpers/inventory/types.ts";
import { accounts } from "../../../helpers/probes/accounts.ts";
import { evaluate, type Verdict } from "../../../helpers/spec/evaluate.ts";
import { declared, planOf } from "../catalog-support.ts";

const read = (f: string) => readFileSync(`fixtures/captured/${f}`, "utf8");
const nodeFacts = (node: string, file: string): NodeFacts => {
  const stdout = read(file);
  const value = accounts.parse({ stdout, stderr: "", code: 0 });
  return { node, reachable: true, roundTrips: 1, gatherMs: 1, facts: { accounts: { ok: true, value, evidence: { probe: "accounts", command: accounts.command, stdout, stderr: "", code: 0 } } } } as NodeFacts;
};

function inventory(decl: Record<string, unknown>): Inventory {
  const nodes = ["vm102", "lxc212"].map((name) => ({ name, role: name === "vm102" ? "storage" : "service", layer: name === "vm102" ? 1 : 3, ssh: { host: name }, identities: decl[name] }));
  return parseInventory(dump({ version: 1, defaults: { ssh: { agent: true } }, nodes }), "/lab/abc/inventory.yaml");
}

function judge(inv: Inventory, lxc212File: string): Record<string, Verdict> {
  const facts = { vm102: nodeFacts("vm102", "samba/accounts-storage.txt"), lxc212: nodeFacts("lxc212", `backups/${lxc212File}`) };
  const d = declared.find((x) => x.meta.id === "IDENT-001")!;
  return Object.fromEntries(inv.nodes.map((n) => [n.name, evaluate(d.meta, d.def, n, facts[n.name as "vm102"], [], { inventory: inv, nodes: facts })]));
}
const msg = (v: Verdict | undefined) => (v && v.status !== "passed" ? v.message : "");

beforeAll(async () => {
});

describe("identities section and IDENT-001", () => {
  const lab = inventory(identitiesDeclared);

  it("normalizes the declared list and plans getent where identities are declared", () => {
    expect(lab.nodes[1]!.identities).toEqual([{ name: "media", uid: 1000, gid: 1000 }]);
    expect(planOf("vm102", lab).map((p) => p.name)).toContain("accounts");
    const bare = inventory({});
    expect(planOf("vm102", bare).map((p) => p.name)).not.toContain("accounts");
  });

  it("passes on the images as built", () => {
    const v = judge(lab, "getent-lxc212.txt");
    expect([msg(v.vm102), msg(v.lxc212)]).toEqual(["", ""]);
  });

  it("uid-mismatch fails lxc212 only, naming each node's value", () => {
    const v = judge(lab, "getent-lxc212-uid-mismatch.txt");
    expect(v.vm102!.status).toBe("passed");
    expect(msg(v.lxc212)).toBe(
      "IDENT-001 [lxc212] One identity, one uid/gid on every node (§5.3)\n" +
        "  - identity media: expected user media uid 1000 gid 1000, group media gid 1000; actual uid 1010, primary gid 1010, group media gid 1010 on lxc212; 1000:1000 on vm102 (declared 1000:1000)",
    );
  });

  it("a missing account and a conflicting declaration are named", () => {
    const inv = inventory({ ...identitiesDeclared, lxc212: [{ name: "media", uid: 1010, gid: 1010 }, { name: "calibre", uid: 1102, gid: 1102 }] });
    const v = judge(inv, "getent-lxc212-uid-mismatch.txt");
    expect(msg(v.lxc212)).toContain("identity media (inventory): expected the same uid:gid wherever media is declared; actual declared 1010:1010 on lxc212, 1000:1000 on vm102");
    expect(msg(v.lxc212)).toContain("identity calibre: expected user calibre uid 1102 gid 1102, group calibre gid 1102; actual no user calibre, no group calibre on lxc212");
    expect(msg(v.vm102)).toContain("actual declared 1000:1000 on vm102, 1010:1010 on lxc212");
  });
});
