// The JSON Schema of a waivers file (helpers/waivers/load.ts validates with it, with positions,
// the way the inventory is validated). A waiver accepts one known failure for a while: who
// accepted it, why, and until when. It never turns a failure into a pass (results.ts "waived").
import { NODE_NAME_PATTERN } from "../inventory/schema.ts";

export const WAIVERS_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "homelab-conformance waivers",
  type: "object",
  additionalProperties: false,
  required: ["version", "waivers"],
  properties: {
    version: { const: 1, description: "Always 1." },
    waivers: {
      type: "array",
      description: "One entry per accepted failure of one invariant on one node.",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["invariant", "node", "justification", "owner", "expires"],
        properties: {
          invariant: { type: "string", pattern: "^[A-Z]+-\\d{3}$", patternErrorMessage: "an invariant ID such as EXPOSE-001", description: "Invariant ID (npm run conformance -- --list)." },
          node: { type: "string", pattern: NODE_NAME_PATTERN, patternErrorMessage: "a node name of the inventory (e.g. vm102)", description: "Inventory node name." },
          justification: { type: "string", minLength: 10, description: "Why the failure is accepted for now, in words a reviewer understands (at least 10 characters)." },
          owner: { type: "string", minLength: 1, description: "Who accepted it and answers for it." },
          expires: {
            type: "string",
            pattern: "^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$",
            patternErrorMessage: "a date YYYY-MM-DD (the waiver holds through that day, UTC)",
            description: "Last day (UTC) the waiver holds; from the next day the failure fails again.",
          },
        },
      },
    },
  },
} as const;
