// A small YAML writer for drafts: block mappings and sequences, short scalar lists in flow style,
// scalars quoted by js-yaml (so the loader reads back exactly these values), and a comment after
// the line of any value by its path (`nodes.2.services.1.scope`).
import { dump } from "js-yaml";

const scalar = (v: unknown): string => dump(v, { flowLevel: 0, lineWidth: -1 }).trimEnd();
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const simple = (v: unknown) => !isObj(v) && !Array.isArray(v);

export function toYaml(value: unknown, comments: Map<string, string> = new Map()): string {
  const lines: string[] = [];
  const note = (path: string) => (comments.has(path) ? `  # ${comments.get(path)!.replace(/\n/g, " ")}` : "");
  const emit = (v: unknown, indent: string, path: string, firstPrefix?: string) => {
    let prefix = firstPrefix;
    const line = (text: string) => {
      lines.push(`${prefix ?? indent}${text}`);
      prefix = undefined;
    };
    if (isObj(v)) {
      for (const [k, x] of Object.entries(v)) {
        const p = path ? `${path}.${k}` : k;
        if (simple(x)) line(`${k}: ${scalar(x)}${note(p)}`);
        else if (Array.isArray(x) && (x.length === 0 || x.every(simple))) line(`${k}: [${x.map(scalar).join(", ")}]${note(p)}`);
        else {
          line(`${k}:${note(p)}`);
          emit(x, `${indent}  `, p);
        }
      }
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => {
        const p = `${path}.${i}`;
        if (simple(x)) lines.push(`${indent}- ${scalar(x)}${note(p)}`);
        else emit(x, `${indent}  `, p, `${indent}- `);
      });
    }
  };
  emit(value, "", "");
  return `${lines.join("\n")}\n`;
}
