// Where Nextcloud keeps its users' files (§2.3), read the way Nextcloud reads it, without PHP:
// lib/private/Config.php readData() includes config/config.php, then every `*.config.php` in the
// same folder (glob, natsort), each `$CONFIG` merged over the last with array_merge: a later file
// wins; within one file a repeated array key keeps its last value (PHP array literal semantics).
// Nextcloud writes config.php with var_export: `'datadirectory' => '/path',` on one line, single
// quotes, only \' and \\ escaped. Hand-written files may also use `$CONFIG['datadirectory'] = …;`.
//
// The probe never prints a config file (it holds dbpassword, secret, passwordsalt): only the lines
// that mention `datadirectory` (and the next line when one ends at `=>`). For each value found it
// resolves the path on the node (realpath -m, after listing it once, which mounts an automount as
// Nextcloud's own first access would) and names the mount that holds it (findmnt -T).
// Not read: an `NC_datadirectory` environment variable of the web server (Config::getValue
// prefers it; Nextcloud 24+), and a value spread over lines by a block comment.
// Captures: fixtures/captured/nextcloud/.
import { shQuote } from "../transport/shell.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

const NAME = "nextcloud-datadir";

export interface DatadirSetting {
  file: string;
  line: number;
  value: string;
}

export interface DatadirResolution {
  value: string;
  real: string;
  /** The mount that holds `real` (findmnt -T): target, fstype, source. */
  mount?: { target: string; fstype: string; source: string };
}

export interface NextcloudDatadir {
  config: string;
  /** config.php exists. */
  exists: boolean;
  /** Files read, in Nextcloud's order (config.php first). */
  files: string[];
  unreadable: string[];
  /** Every datadirectory setting, in the order Nextcloud applies them (the last wins). */
  settings: DatadirSetting[];
  /** Settings that mention datadirectory in a way this reader does not evaluate (double quotes with $ or escapes). */
  unsupported: Array<{ file: string; line: number; text: string }>;
  resolved: DatadirResolution[];
}

export function nextcloudDatadir(config: string): Probe<NextcloudDatadir> {
  const c = shQuote(config);
  const command = [
    `c=${c}; d=$(dirname "$c")`,
    `[ -e "$c" ] || { echo "missing"; exit 0; }`,
    // config.php, then *.config.php in natural order (PHP natsort ~ sort -V); glob's * skips dotfiles as ls does.
    `{ echo "$c"; ls -1 "$d" 2>/dev/null | grep '\\.config\\.php$' | LC_ALL=C sort -V | sed "s|^|$d/|"; } | while IFS= read -r f; do`,
    `  if [ ! -r "$f" ]; then echo "unreadable $f"; continue; fi`,
    `  echo "file $f"`,
    `  awk 'p { print "cont " $0; p=0 } /datadirectory/ { print "line " NR " " $0; if ($0 ~ /=>[ \\t]*$/) p=1 }' "$f"`,
    `done`,
    // Each quoted value after datadirectory (no escapes: those are judged unreadable), resolved once.
    `{ echo "$c"; ls -1 "$d" 2>/dev/null | grep '\\.config\\.php$' | sed "s|^|$d/|"; } | while IFS= read -r f; do [ -r "$f" ] && awk 'p { print; p=0 } /datadirectory/ { print; if ($0 ~ /=>[ \\t]*$/) p=1 }' "$f"; done \\`,
    `  | tr '\\n' ' ' | grep -oE "datadirectory['\\"][[:space:]]*\\]?[[:space:]]*=>?[[:space:]]*'[^'\\\\]*'" | sed "s/^datadirectory.//; s/^[^']*'//; s/'$//" | sort -u | while IFS= read -r v; do`,
    `  echo "value $v"; r=$(realpath -m -- "$v" 2>/dev/null) || r=$v; ls "$r" >/dev/null 2>&1; echo "real $r"`,
    `  findmnt -n -r -o TARGET,FSTYPE,SOURCE -T "$r" 2>/dev/null | head -n 1 | sed 's/^/mount /'`,
    `done`,
  ].join("\n");
  return { name: NAME, command, parse: (o) => parseNextcloudDatadir(config, o) };
}

/** findmnt -r escapes blanks and other specials as \xHH. */
const unhex = (s: string) => s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

/** The line with PHP comments (`//`, `#`, one-line `/* … *\/`) removed, strings kept intact. */
export function stripPhpComments(line: string): string {
  let out = "";
  let q: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (q) {
      out += ch;
      if (ch === "\\") out += line[++i] ?? "";
      else if (ch === q) q = undefined;
      continue;
    }
    if (ch === "'" || ch === '"') {
      q = ch;
      out += ch;
    } else if (ch === "#" || (ch === "/" && line[i + 1] === "/")) break;
    else if (ch === "/" && line[i + 1] === "*") {
      const end = line.indexOf("*/", i + 2);
      if (end < 0) break;
      i = end + 1;
    } else out += ch;
  }
  return out;
}

const KEY = `(?:(['"])datadirectory\\1\\s*=>|\\$CONFIG\\s*\\[\\s*(['"])datadirectory\\2\\s*\\]\\s*=)\\s*`;
const SINGLE = new RegExp(`${KEY}'((?:[^'\\\\]|\\\\.)*)'`, "g");
const DOUBLE = new RegExp(`${KEY}"((?:[^"\\\\]|\\\\.)*)"`, "g");

/** PHP single-quoted string: only \\ and \' are escapes (php.net, "Single quoted"). */
const unquoteSingle = (s: string) => s.replace(/\\([\\'])/g, "$1");

export function parseNextcloudDatadir(config: string, { stdout, stderr, code }: ProbeOutput): NextcloudDatadir {
  if (code !== 0) throw new ProbeParseError(NAME, `exited ${code}: ${stderr.trim()}`);
  const out: NextcloudDatadir = { config, exists: true, files: [], unreadable: [], settings: [], unsupported: [], resolved: [] };
  const lines = stdout.split("\n").filter((l) => l !== "");
  if (lines[0] === "missing") return { ...out, exists: false };
  let file: string | undefined;
  let pending: { line: number; text: string } | undefined;
  const take = (lineNo: number, text: string) => {
    const php = stripPhpComments(text);
    let found = false;
    for (const m of php.matchAll(SINGLE)) {
      out.settings.push({ file: file!, line: lineNo, value: unquoteSingle(m[3]!) });
      found = true;
    }
    for (const m of php.matchAll(DOUBLE)) {
      found = true;
      // A double-quoted PHP string interpolates $vars and has many escapes: evaluated only when it has neither.
      if (/[$\\]/.test(m[3]!)) out.unsupported.push({ file: file!, line: lineNo, text: text.trim() });
      else out.settings.push({ file: file!, line: lineNo, value: m[3]! });
    }
    if (!found && /(['"])datadirectory\1\s*(=>|\])/.test(php) && !/=>\s*$/.test(php)) out.unsupported.push({ file: file!, line: lineNo, text: text.trim() });
  };
  for (const l of lines) {
    let m: RegExpExecArray | null;
    if ((m = /^file (.+)$/.exec(l))) {
      file = m[1]!;
      out.files.push(file);
      pending = undefined;
    } else if ((m = /^unreadable (.+)$/.exec(l))) out.unreadable.push(m[1]!);
    else if ((m = /^line (\d+) (.*)$/.exec(l))) {
      if (!file) throw new ProbeParseError(NAME, `a line before any file: ${JSON.stringify(l)}`);
      const text = m[2]!;
      if (/=>\s*$/.test(stripPhpComments(text))) pending = { line: Number(m[1]), text };
      else take(Number(m[1]), text);
    } else if ((m = /^cont (.*)$/.exec(l))) {
      if (pending) take(pending.line, `${pending.text} ${m[1]!}`);
      pending = undefined;
    } else if ((m = /^value (.*)$/.exec(l))) out.resolved.push({ value: m[1]!, real: m[1]! });
    else if ((m = /^real (.*)$/.exec(l))) {
      const r = out.resolved.at(-1);
      if (!r) throw new ProbeParseError(NAME, `"real" before "value": ${JSON.stringify(l)}`);
      r.real = m[1]!;
    } else if ((m = /^mount (\S+) (\S+) (\S+)$/.exec(l))) {
      const r = out.resolved.at(-1);
      if (!r) throw new ProbeParseError(NAME, `"mount" before "value": ${JSON.stringify(l)}`);
      r.mount = { target: unhex(m[1]!), fstype: m[2]!, source: unhex(m[3]!) };
    } else throw new ProbeParseError(NAME, `unexpected line ${JSON.stringify(l)}`);
  }
  if (out.files[0] !== config && !out.unreadable.includes(config)) throw new ProbeParseError(NAME, `config.php (${config}) was not read first`);
  return out;
}

/** The value Nextcloud uses: the last setting of the last file that sets it; undefined when none does. */
export function effectiveDatadir(d: NextcloudDatadir): DatadirSetting | undefined {
  return d.settings.at(-1);
}

