// systemd unit files as directives, for comparing a repo's unit snippet (§7 "systemd units
// snippets (sanitized)") with the unit a node runs. systemd.syntax(7): a file is `[Section]`
// headers and `Key=Value` lines; lines starting with `#` or `;` are comments; a line ending in `\`
// continues on the next. systemd.unit(5): drop-ins (`UNIT.d/*.conf`) are read after the fragment
// and their directives add to it; for list settings an empty assignment (`ExecStart=`) resets the
// list; for the others the last assignment wins. `systemctl cat UNIT` prints the fragment, then
// each drop-in, each after a `# /path` line.
//
// Environment= values may be secrets (the snippet is sanitized, the node's are not): the node
// masks them (`Environment=NAME=<hidden>`), and only names are compared.
import { shQuote } from "../transport/shell.ts";
import { repoFileCommand, repoFileText } from "./repo-file.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

export interface Directive {
  section: string;
  key: string;
  value: string;
}

/**
 * awk on the node: an Environment= line keeps only the names it sets (`Environment= A=<hidden>
 * B=<hidden>`), its words split as systemd splits them (double or single quotes group a word).
 */
const MASK_ENV_AWK = String.raw`/^[ \t]*Environment[ \t]*=/ {
  i = index($0, "="); rest = substr($0, i + 1); out = substr($0, 1, i)
  while (length(rest) > 0) {
    sub(/^[ \t]+/, "", rest); if (rest == "") break
    q = substr(rest, 1, 1)
    if (q == "\"" || q == "'") { j = index(substr(rest, 2), q); tok = (j ? substr(rest, 2, j - 1) : substr(rest, 2)); rest = (j ? substr(rest, j + 2) : "") }
    else if (match(rest, /[ \t]/)) { tok = substr(rest, 1, RSTART - 1); rest = substr(rest, RSTART) }
    else { tok = rest; rest = "" }
    k = tok; sub(/=.*/, "", k); out = out " " k "=<hidden>"
  }
  print out; next
}
{ print }`;
const MASK_ENV = `awk ${shQuote(MASK_ENV_AWK)}`;

/** Parse one unit file's text (or `systemctl cat`'s, whose `# /path` lines are comments) into directives, in order. */
export function parseUnitText(text: string): Directive[] {
  const out: Directive[] = [];
  let section = "";
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    while (line.endsWith("\\") && i + 1 < lines.length) line = line.slice(0, -1).trimEnd() + " " + lines[++i]!.trim();
    const h = /^\[([^\]]+)\]$/.exec(line);
    if (h) {
      section = h[1]!;
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    out.push({ section, key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim() });
  }
  return out;
}

/** Settings whose assignments add to a list (an empty one resets it): systemd.unit(5), systemd.service(5), systemd.exec(5). */
const LIST = /^(After|Before|Wants|Requires|Requisite|BindsTo|PartOf|Upholds|Conflicts|OnFailure|OnSuccess|PropagatesReloadTo|ReloadPropagatedFrom|JoinsNamespaceOf|RequiresMountsFor|WantedBy|RequiredBy|UpheldBy|Also|Alias|Documentation|Exec(Start|StartPre|StartPost|Stop|StopPost|Reload|Condition)|Environment|EnvironmentFile|PassEnvironment|UnsetEnvironment|Condition\w+|Assert\w+|ReadWritePaths|ReadOnlyPaths|InaccessiblePaths|BindPaths|BindReadOnlyPaths|SupplementaryGroups|DeviceAllow|Listen\w+|Sockets)$/;
/** Dependency and install lists: space-separated unit names, one item each. */
const WORDS = /^(After|Before|Wants|Requires|Requisite|BindsTo|PartOf|Upholds|Conflicts|OnFailure|OnSuccess|PropagatesReloadTo|ReloadPropagatedFrom|JoinsNamespaceOf|RequiresMountsFor|WantedBy|RequiredBy|UpheldBy|Also|Alias|Documentation|SupplementaryGroups)$/;

export const isListSetting = (key: string): boolean => LIST.test(key);

/**
 * The effective settings of a unit from its files in order (fragment, then drop-ins): per
 * `section.key`, the list of values (list settings accumulate and reset on an empty assignment;
 * the others keep the last). Dependency lists are split into their words.
 */
export function effectiveSettings(directives: Directive[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const d of directives) {
    const k = `${d.section}.${d.key}`;
    const items = WORDS.test(d.key) ? d.value.split(/\s+/).filter(Boolean) : [d.value];
    if (d.value === "") m.set(k, []);
    else if (isListSetting(d.key)) m.set(k, [...(m.get(k) ?? []), ...items]);
    else m.set(k, items);
  }
  return m;
}

export interface UnitCat {
  unit: string;
  exists: boolean;
  /** Paths of the files systemctl cat showed (fragment first, then drop-ins). */
  files: string[];
  directives: Directive[];
}

const CAT = "unit-cat";

/** `systemctl cat UNIT` on the node, Environment= values masked there. */
export function unitCat(unit: string): Probe<UnitCat> {
  const u = shQuote(unit);
  const command = `if [ -d /run/systemd/system ]; then out=$(systemctl cat --no-pager -- ${u} 2>&1); rc=$?; if [ $rc -ne 0 ]; then case $out in *'No files found'*) echo 'hlc-unit missing'; exit 0 ;; esac; printf '%s\\n' "$out" >&2; exit $rc; fi; printf '%s\\n' "$out" | ${MASK_ENV}; else echo 'hlc-probe: no systemd'; fi`;
  return { name: `${CAT} ${unit}`, command, parse: (o) => parseUnitCat(unit, o) };
}

export function parseUnitCat(unit: string, { stdout, stderr, code }: ProbeOutput): UnitCat {
  if (code !== 0) throw new ProbeParseError(CAT, `systemctl cat exited ${code}: ${stderr.trim()}`);
  const t = stdout.trim();
  if (t === "hlc-probe: no systemd") throw new ProbeParseError(CAT, "the node does not run systemd");
  if (t === "hlc-unit missing" || /^No files found for /.test(t)) return { unit, exists: false, files: [], directives: [] };
  const files = [...t.matchAll(/^# (\/\S+)$/gm)].map((m) => m[1]!);
  if (!files.length) throw new ProbeParseError(CAT, `expected "# /path" before each file, got ${JSON.stringify(t.slice(0, 120))}`);
  return { unit, exists: true, files, directives: parseUnitText(t) };
}

export interface UnitSnippet {
  file: string;
  exists: boolean;
  directives: Directive[];
}

const SNIPPET = "unit-snippet";
const MAX = 256 * 1024;

/** A unit snippet kept in the repo checkout, read on the node that keeps it (Environment= values masked there). */
export function unitSnippet(file: string): Probe<UnitSnippet> {
  return { name: `${SNIPPET} ${file}`, command: repoFileCommand(file, MAX, MASK_ENV), parse: (o) => parseUnitSnippet(file, o) };
}

export function parseUnitSnippet(file: string, output: ProbeOutput): UnitSnippet {
  const text = repoFileText(SNIPPET, output);
  if (text === undefined) return { file, exists: false, directives: [] };
  return { file, exists: true, directives: parseUnitText(text) };
}

/**
 * What of the snippet the unit does not have: per section and key, each of the snippet's values
 * must be among the unit's effective ones (list settings) or be its effective value (the others).
 * Environment= is compared by the names it sets.
 */
export function missingFromUnit(snippet: Directive[], unit: Directive[]): Array<{ setting: string; expected: string; actual: string }> {
  const have = effectiveSettings(unit);
  const want = effectiveSettings(snippet);
  const out: Array<{ setting: string; expected: string; actual: string }> = [];
  const names = (vs: string[]) => vs.flatMap((v) => [...v.matchAll(/(?:^|\s)"?([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]!));
  for (const [k, values] of want) {
    const key = k.slice(k.indexOf(".") + 1);
    const actual = have.get(k) ?? [];
    const shown = actual.length ? actual.join(" | ") : "not set";
    if (key === "Environment") {
      const absent = names(values).filter((n) => !names(actual).includes(n));
      if (absent.length) out.push({ setting: `[${k.replace(".", "] ")}`, expected: `sets ${names(values).join(", ")} (names only)`, actual: `does not set ${absent.join(", ")}` });
      continue;
    }
    if (isListSetting(key)) {
      const absent = values.filter((v) => !actual.includes(v));
      if (absent.length) out.push({ setting: `[${k.replace(".", "] ")}`, expected: `${key}= ${values.join(" | ")}`, actual: `${key}= ${shown} (missing ${absent.join(" | ")})` });
    } else if (values.at(-1) !== actual.at(-1)) out.push({ setting: `[${k.replace(".", "] ")}`, expected: `${key}=${values.at(-1)}`, actual: actual.length ? `${key}=${actual.at(-1)}` : "not set" });
  }
  return out;
}
