import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadInventory } from "../../helpers/inventory/load.ts";
import { loadCatalog, renderCatalog, renderChecksDoc } from "../../helpers/spec/catalog.ts";
import { ID_PATTERN } from "../../helpers/spec/meta.ts";

describe("the conformance catalogue", async () => {
  const items = await loadCatalog();

  it("has at least one invariant, each with a stable ID, a section of the document and a MUST statement", () => {
    expect(items.length).toBeGreaterThan(0);
    for (const { meta, def } of items) {
      expect(meta.id).toMatch(ID_PATTERN);
      expect(meta.section).toMatch(/§\d/);
      expect(meta.must).toMatch(/\bMUST\b/);
      expect(typeof def.reads).toBe("function");
    }
  });

  it("docs/CONFORMANCE.md is current (regenerate with npm run conformance:doc)", () => {
    expect(readFileSync("docs/CONFORMANCE.md", "utf8")).toBe(renderCatalog(items, loadInventory("inventory/example.yaml")));
  });

  it("docs/CHECKS.md's table is current (regenerate with npm run conformance:doc)", () => {
    const doc = readFileSync("docs/CHECKS.md", "utf8");
    expect(doc).toBe(renderChecksDoc(doc, items, loadInventory("inventory/example.yaml")));
  });
});
