// HuJSON ("human JSON"), the format of Tailscale's policy file, read as tailscale's hujson package
// reads it (github.com/tailscale/hujson: "JSON with comments and trailing commas"): `//` line
// comments, `/* */` block comments, and a comma after the last element of an object or array are
// allowed; everything else is JSON (RFC 8259). Standardize() there turns a HuJSON value into JSON
// by blanking comments and trailing commas; this does the same, then JSON.parse.
export class HujsonError extends Error {}

export function standardizeHujson(text: string): string {
  let out = "";
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i]!;
    if (ch === '"') {
      // A JSON string: copy it whole, escapes included.
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      if (j >= n) throw new HujsonError(`unterminated string at offset ${i}`);
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (ch === "/" && text[i + 1] === "/") {
      while (i < n && text[i] !== "\n") i++;
    } else if (ch === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) throw new HujsonError(`unterminated block comment at offset ${i}`);
      out += text.slice(i, end + 2).replace(/[^\n]/g, " ");
      i = end + 2;
    } else if (ch === ",") {
      // A trailing comma: the next significant character closes the object or array.
      let j = i + 1;
      for (;;) {
        while (j < n && /\s/.test(text[j]!)) j++;
        if (text[j] === "/" && text[j + 1] === "/") {
          while (j < n && text[j] !== "\n") j++;
        } else if (text[j] === "/" && text[j + 1] === "*") {
          const end = text.indexOf("*/", j + 2);
          if (end < 0) break;
          j = end + 2;
        } else break;
      }
      // Only after a value: `[,]` and `{,}` stay invalid, as in hujson.
      const prev = out.trimEnd().at(-1);
      if ((text[j] === "}" || text[j] === "]") && prev !== "[" && prev !== "{" && prev !== ",") out += " ";
      else out += ",";
      i++;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

export function parseHujson(text: string): unknown {
  const json = standardizeHujson(text);
  try {
    return JSON.parse(json);
  } catch (e) {
    throw new HujsonError((e as Error).message);
  }
}
