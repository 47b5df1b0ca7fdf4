// npm run conformance:doc — writes docs/CONFORMANCE.md from the specs' own metadata.
import { writeFileSync } from "node:fs";
import { loadCatalog, renderCatalog } from "../helpers/spec/catalog.ts";

const items = await loadCatalog();
writeFileSync("docs/CONFORMANCE.md", renderCatalog(items));
console.log(`docs/CONFORMANCE.md: ${items.length} invariant(s)`);
