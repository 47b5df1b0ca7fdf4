// Hostile inventories are refused before anything is expanded or connects (issue 15): a YAML
// alias bomb (billion laughs) and an oversized file each get one clear problem with its position.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadInventory, MAX_INVENTORY_BYTES, parseInventory } from "../../helpers/inventory/load.ts";
import { inventoryProblems } from "./support.ts";

/** Nine levels of ten aliases each: 10^9 values once expanded. */
function aliasBomb(): string {
  const names = "abcdefghi".split("");
  const lines = [`${names[0]}: &${names[0]} [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]`];
  for (let i = 1; i < names.length; i++) lines.push(`${names[i]}: &${names[i]} [${Array(10).fill(`*${names[i - 1]}`).join(", ")}]`);
  return `version: 1\n${lines.join("\n")}\nnodes: []\n`;
}

describe("hostile inventories", () => {
  it("refuses a YAML alias bomb at the alias that crosses the bound, without expanding it", () => {
    const t0 = performance.now();
    expect(inventoryProblems(() => parseInventory(aliasBomb(), "bomb.yaml"))).toMatch(/^: YAML: aliases expand to more than 100000 values \(an alias bomb\?\): refused$/);
    expect(performance.now() - t0).toBeLessThan(5000);
    try {
      parseInventory(aliasBomb(), "bomb.yaml");
    } catch (e) {
      expect((e as Error).message).toMatch(/^bomb\.yaml:6:\d+: YAML: aliases expand/m);
    }
  });

  it("still reads an inventory that uses a few aliases", () => {
    const text = `version: 1\ndefaults:\n  ssh: {user: root, agent: true}\nnodes:\n  - name: a\n    role: service\n    layer: 3\n    ssh: {host: a.lan}\n    services: &svc [{name: sshd, port: 22, proto: tcp, scope: lan}]\n  - name: b\n    role: service\n    layer: 3\n    ssh: {host: b.lan}\n    services: *svc\n`;
    expect(inventoryProblems(() => parseInventory(text, "ok.yaml"))).toBe("");
  });

  it("refuses an oversized file unread, naming its size and the bound", () => {
    const dir = mkdtempSync(join(tmpdir(), "hlc-inv-"));
    const file = join(dir, "big.yaml");
    writeFileSync(file, `version: 1\n# ${"x".repeat(MAX_INVENTORY_BYTES)}\nnodes: []\n`);
    expect(inventoryProblems(() => loadInventory(file))).toMatch(/^\(root\): inventory file is \d+ bytes, more than the 1048576 an inventory may have: refused unread$/);
  });
});
