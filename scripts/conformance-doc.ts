// npm run conformance:doc — writes docs/CONFORMANCE.md (and the table of docs/CHECKS.md) from the specs themselves, showing what
// each runs on the nodes of inventory/example.yaml.
import { readFileSync, writeFileSync } from "node:fs";
import { loadInventory } from "../helpers/inventory/load.ts";
import { loadCatalog, renderCatalog, renderChecksDoc } from "../helpers/spec/catalog.ts";

const items = await loadCatalog();
const example = loadInventory("inventory/example.yaml");
writeFileSync("docs/CONFORMANCE.md", renderCatalog(items, example));
writeFileSync("docs/CHECKS.md", renderChecksDoc(readFileSync("docs/CHECKS.md", "utf8"), items, example));
console.log(`docs/CONFORMANCE.md: ${items.length} invariant(s)`);
