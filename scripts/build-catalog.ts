// Build step (npm run build, after tsc): the catalogue's index, dist/catalog.json
// (helpers/spec/catalog-index.ts). Every invariant's meta from the compiled spec files, and where
// each applies on the inventory `--list` reads by default (inventory/example.yaml), so that --list
// answers from one JSON file instead of importing every spec file and what they import.
// tests/unit/catalog-index.test.ts proves it equal to the catalogue the spec files give.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { applicability } from "../helpers/cli/select.ts";
import { loadInventory } from "../helpers/inventory/load.ts";
import { packagePath } from "../helpers/paths.ts";
import { loadCatalog } from "../helpers/spec/catalog.ts";
import { buildCatalogIndex, CATALOG_INDEX_FILE } from "../helpers/spec/catalog-index.ts";

const catalog = await loadCatalog();
// The path list.ts loads it from (the key is the inventory as loaded, its absolute path included).
const example = loadInventory(packagePath("inventory", "example.yaml"));
const index = buildCatalogIndex(catalog, [{ inventory: example, rows: applicability(catalog, example) }]);
mkdirSync(dirname(CATALOG_INDEX_FILE), { recursive: true });
writeFileSync(CATALOG_INDEX_FILE, JSON.stringify(index, null, 1) + "\n");
console.log(`catalogue index written: ${CATALOG_INDEX_FILE} (${index.invariants.length} invariants, applicability on ${index.applicability.length} inventory)`);
