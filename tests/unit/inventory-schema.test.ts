// The published JSON Schema: committed file in sync, strict-mode clean, self-documenting for
// editors; and the ajv error folding that turns composite-schema noise into one message.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseEvents } from "js-yaml";
import { describe, expect, it } from "vitest";
import { mapSource } from "../../helpers/inventory/positions.ts";
import { inventorySchema, renderSchemaJson } from "../../helpers/inventory/schema.ts";
import { editDistance, closest } from "../../helpers/inventory/suggest.ts";
import { createValidator, translateErrors } from "../../helpers/inventory/validate.ts";

const schemaFile = fileURLToPath(new URL("../../inventory/schema.json", import.meta.url));
const exampleFile = fileURLToPath(new URL("../../inventory/example.yaml", import.meta.url));

type Node = Record<string, unknown>;

/** Every subschema that describes a value, with its path for failure messages. */
function* subschemas(schema: Node, path = "#"): Generator<[string, Node]> {
  yield [path, schema];
  for (const [key, child] of Object.entries((schema.properties as Record<string, Node>) ?? {})) {
    yield* subschemas(child, `${path}/properties/${key}`);
  }
  if (schema.items) yield* subschemas(schema.items as Node, `${path}/items`);
}

describe("inventory JSON Schema", () => {
  it("inventory/schema.json is what `npm run schema` would write", () => {
    // On failure: run `npm run schema` and commit inventory/schema.json.
    expect(readFileSync(schemaFile, "utf8")).toBe(renderSchemaJson());
  });

  it("compiles in ajv strict mode", () => {
    expect(() => createValidator(inventorySchema as never)).not.toThrow();
  });

  it("describes every property and closes every mapping", () => {
    for (const [path, node] of subschemas(inventorySchema as unknown as Node)) {
      expect(typeof node.description, `${path} has a description`).toBe("string");
      if (node.type === "object") expect(node.additionalProperties, `${path} is closed`).toBe(false);
    }
  });

  it("is the modeline target of the example inventory", () => {
    expect(readFileSync(exampleFile, "utf8").split("\n")[0]).toBe("# yaml-language-server: $schema=./schema.json");
  });
});

describe("ajv error folding", () => {
  const schema = {
    type: "object",
    additionalProperties: false,
    properties: {
      x: { anyOf: [{ type: "string" }, { type: "integer", minimum: 1 }], description: "x" },
    },
  };
  const validate = createValidator(schema);
  const problemsFor = (text: string, data: unknown) => {
    expect(validate(data)).toBe(false);
    return translateErrors(validate.errors ?? [], data, mapSource(text, parseEvents(text, {})));
  };

  it("reports a value failing every anyOf branch once, naming all the types", () => {
    expect(problemsFor("x: true\n", { x: true })).toEqual([
      { line: 1, column: 4, path: "x", message: "must be a string or an integer of at least 1, got true" },
    ]);
  });

  it("prefers the branch whose type matched", () => {
    expect(problemsFor("x: 0\n", { x: 0 })).toEqual([
      { line: 1, column: 4, path: "x", message: "must be an integer of at least 1, got 0" },
    ]);
  });
});

describe("did-you-mean", () => {
  it("counts a transposition as one edit", () => {
    expect(editDistance("hots", "host")).toBe(1);
    expect(editDistance("identityfile", "identityFile")).toBe(1);
  });

  it("suggests only within two edits", () => {
    expect(closest("hots", ["port", "host", "user"])).toBe("host");
    expect(closest("hostname", ["port", "host", "user"])).toBeUndefined();
  });
});
