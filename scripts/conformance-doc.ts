// npm run conformance:doc — writes docs/CONFORMANCE.md from the specs themselves, showing what
// each runs on the nodes of inventory/example.yaml.
import { writeFileSync } from "node:fs";
import { loadInventory } from "../helpers/inventory/load.ts";
import { loadCatalog, renderCatalog } from "../helpers/spec/catalog.ts";

const items = await loadCatalog();
writeFileSync("docs/CONFORMANCE.md", renderCatalog(items, loadInventory("inventory/example.yaml")));
console.log(`docs/CONFORMANCE.md: ${items.length} invariant(s)`);
