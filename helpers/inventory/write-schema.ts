// `npm run schema`: regenerate inventory/schema.json, the file editors load through the
// `# yaml-language-server: $schema=./schema.json` modeline. A unit test fails when it is stale.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderSchemaJson } from "./schema.ts";

const target = fileURLToPath(new URL("../../inventory/schema.json", import.meta.url));
writeFileSync(target, renderSchemaJson());
console.log(`wrote ${target}`);
