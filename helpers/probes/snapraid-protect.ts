// What SnapRAID really protects (§2.1 "single source of truth" behind parity): for each path the
// inventory says must have parity (`storage.snapraid.protect`), a sample of the files under it on
// every data disk (and on every declared MergerFS branch that is no SnapRAID data disk: files
// there have no parity at all), and which of them `snapraid list` shows — SnapRAID's own answer,
// read from its content file: what the last sync put under parity. A sampled file that SnapRAID
// does not list and `snapraid diff` does not show as waiting for the next sync is left out of the
// array by a rule of snapraid.conf (`exclude`/`include`, `nohidden`), which `filterVerdict` names
// by following SnapRAID's own filter order (its elem.c: rules in file order, each tried on every
// parent directory and then the file; the first match decides; with no match a file is excluded
// when the last rule is an include). Read-only: `snapraid list` reads the content file.
// Captures: fixtures/captured/snapraid/protect-*.txt (SnapRAID 12.2).
import { shQuote } from "../transport/shell.ts";
import type { FilterRule, SnapraidConfig } from "./snapraid.ts";
import { ProbeParseError, type Probe } from "./types.ts";

/** Files sampled per protected path and disk (the judgement is per path; a sample keeps output small). */
export const SAMPLE_PER_DISK = 200;

export interface ProtectSample {
  /** SnapRAID disk name, or "-" for a pool branch that is no data disk. */
  disk: string;
  /** The disk's (or branch's) directory. */
  dir: string;
  /** The protected path this sample is for, as declared. */
  protect: string;
  /** Path relative to the disk root, as SnapRAID names it. */
  path: string;
}

export interface SnapraidProtectFact {
  kind: "protect";
  samples: ProtectSample[];
  /** Sampled paths that `snapraid list` shows (relative, unescaped). */
  /** Paths `snapraid list` shows (an array: facts cross into the spec workers as plain JSON). */
  listed: string[];
  /** Protected paths that exist as a directory on no data disk. */
  absent: string[];
  /** Files in the array, from list's closing line. */
  arrayFiles?: number;
}

export interface SnapraidBusyProtect {
  kind: "busy";
  message: string;
}

const NAME = "snapraid-protect";
const M = "@@hlc-protect";

/** "/media/" → "media"; a protected path as SnapRAID's rules name it, relative to a disk root. */
export const protectPath = (p: string) => p.replace(/^\/+|\/+$/g, "").replace(/\/{2,}/g, "/");

export function snapraidProtect(conf: string, protect: string[], branches: string[] = []): Probe<SnapraidProtectFact | SnapraidBusyProtect> {
  const paths = protect.map(protectPath);
  const c = shQuote(conf);
  const lines = [
    // Data disks from the conf (data NAME DIR, or the older disk NAME DIR), then branches that are none.
    `disks=$(awk '($1 == "data" || $1 == "disk") && NF >= 3 { d = $3; sub(/\\/+$/, "", d); print $2 "\\t" d }' ${c}) || exit 1`,
    `for b in ${branches.map((b) => shQuote(b.replace(/\/+$/, ""))).join(" ")}; do printf '%s\\n' "$disks" | cut -f2 | grep -qxF -- "$b" || disks=$(printf '%s\\n-\\t%s' "$disks" "$b"); done`,
    `tab=$(printf '\\t')`,
    `samples=$(printf '%s\\n' "$disks" | while IFS="$tab" read -r n d; do [ -n "$d" ] || continue; for p in ${paths.map(shQuote).join(" ")}; do [ -d "$d/$p" ] || { [ "$n" = - ] || printf 'absent\\t%s\\t%s\\n' "$n" "$p"; continue; }; find "$d/$p" -type f 2>/dev/null | head -n ${SAMPLE_PER_DISK} | while IFS= read -r f; do printf 'file\\t%s\\t%s\\t%s\\t%s\\n' "$n" "$d" "$p" "\${f#"$d"/}"; done; done; done)`,
    `echo '${M} samples'`,
    `printf '%s\\n' "$samples"`,
    `echo '${M} listed'`,
    // snapraid list escapes blanks, parens, backslashes... with a backslash: unescape, keep only sampled paths.
    `snapraid -c ${c} list 2>&1 | S="$samples" awk 'BEGIN { n = split(ENVIRON["S"], a, "\\n"); for (i = 1; i <= n; i++) { k = split(a[i], f, "\\t"); if (f[1] == "file") want[f[5]] = 1 } }`
      + ` /already in use/ { print "BUSY " $0; next } /^ *[0-9]+ files, / { print "TOTAL " $1; next }`
      + ` /^ *[0-9]+ [0-9][0-9][0-9][0-9]\\/[0-9][0-9]\\/[0-9][0-9] [0-9][0-9]:[0-9][0-9] / { p = $0; sub(/^ *[0-9]+ [^ ]+ [^ ]+ /, "", p); u = ""; for (i = 1; i <= length(p); i++) { ch = substr(p, i, 1); if (ch == "\\\\") { i++; ch = substr(p, i, 1) } u = u ch } if (u in want) print "LISTED " u }'`,
    `echo '${M} end'`,
  ];
  return {
    name: NAME,
    command: lines.join("\n"),
    parse: ({ stdout, stderr, code }) => {
      if (code !== 0) throw new ProbeParseError(NAME, `exited ${code}: ${(stderr || stdout).trim().split("\n").slice(-2).join(" / ")}`);
      return parseSnapraidProtect(stdout);
    },
  };
}

export function parseSnapraidProtect(stdout: string): SnapraidProtectFact | SnapraidBusyProtect {
  const at = (s: string) => stdout.indexOf(`${M} ${s}\n`);
  if (at("samples") < 0 || at("listed") < 0 || at("end") < 0) throw new ProbeParseError(NAME, "output is truncated (missing section markers)");
  const sampleText = stdout.slice(at("samples") + `${M} samples\n`.length, at("listed"));
  const listText = stdout.slice(at("listed") + `${M} listed\n`.length, at("end"));
  const fact: SnapraidProtectFact = { kind: "protect", samples: [], listed: [], absent: [] };
  for (const line of sampleText.split("\n").filter(Boolean)) {
    const f = line.split("\t");
    if (f[0] === "file" && f.length >= 5) fact.samples.push({ disk: f[1]!, dir: f[2]!, protect: f[3]!, path: f.slice(4).join("\t") });
    else if (f[0] === "absent" && f.length >= 3) fact.absent.push(`${f[2]} (disk ${f[1]})`);
    else throw new ProbeParseError(NAME, `unreadable sample line ${JSON.stringify(line)}`);
  }
  for (const line of listText.split("\n").filter(Boolean)) {
    if (line.startsWith("BUSY ")) return { kind: "busy", message: line.slice(5).trim() };
    if (line.startsWith("TOTAL ")) fact.arrayFiles = Number(line.slice(6));
    else if (line.startsWith("LISTED ")) fact.listed.push(line.slice(7));
  }
  if (fact.arrayFiles === undefined) throw new ProbeParseError(NAME, `snapraid list printed no closing "N files" line: ${listText.trim().split("\n").slice(-2).join(" / ")}`);
  return fact;
}

/** fnmatch(3) as SnapRAID calls it: `pathname` for rules with a path (`*` and `?` never match '/'). */
export function fnmatch(pattern: string, text: string, pathname: boolean): boolean {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "*") re += pathname ? "[^/]*" : ".*";
    else if (ch === "?") re += pathname ? "[^/]" : ".";
    else if (ch === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) re += "\\[";
      else {
        let cls = pattern.slice(i + 1, end);
        if (cls.startsWith("!")) cls = `^${cls.slice(1)}`;
        re += `[${cls.replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else if (ch === "\\" && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += ch.replace(/[.+^${}()|\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "s").test(text);
}

interface Rule extends FilterRule {
  isDir: boolean;
  isPath: boolean;
  body: string;
  isDisk: boolean;
}

function shape(r: FilterRule): Rule {
  const p = r.pattern;
  if (p.endsWith(":") && !p.includes("/")) return { ...r, isDir: false, isPath: false, isDisk: true, body: p.slice(0, -1) };
  const isDir = p.endsWith("/");
  const body = isDir ? p.slice(0, -1) : p;
  return { ...r, isDir, isPath: body.includes("/"), isDisk: false, body };
}

const ruleText = (r: FilterRule) => `\`${r.kind} ${r.pattern}\` (snapraid.conf line ${r.line})`;

/**
 * Is a file (or directory) of the array left out, and by what? Follows SnapRAID's filter order:
 * `nohidden` first (a hidden name anywhere in the path), then the rules.
 */
export function filterVerdict(conf: Pick<SnapraidConfig, "rules" | "nohidden">, disk: string, path: string, isDir = false): { excluded: boolean; by?: string } {
  const parts = path.split("/").filter(Boolean);
  if (conf.nohidden) {
    const hidden = parts.find((p) => p.startsWith("."));
    if (hidden) return { excluded: true, by: `\`nohidden\` (${hidden} is a hidden name)` };
  }
  const rules = conf.rules.map(shape);
  const apply = (r: Rule, sub: string, name: string, dir: boolean) => {
    if (r.isDir !== dir) return false;
    return r.isPath ? fnmatch(r.body.slice(1), sub, true) : fnmatch(r.body, name, false);
  };
  let last: Rule | undefined;
  for (const r of rules) {
    let hit: boolean;
    if (r.isDisk) hit = fnmatch(r.body, disk, false);
    else {
      hit = false;
      for (let i = 0; i < parts.length - 1 && !hit; i++) hit = apply(r, parts.slice(0, i + 1).join("/"), parts[i]!, true);
      if (!hit) hit = apply(r, parts.join("/"), parts.at(-1) ?? "", isDir);
    }
    if (hit) return r.kind === "exclude" ? { excluded: true, by: ruleText(r) } : { excluded: false };
    last = r;
  }
  if (!isDir && last?.kind === "include") return { excluded: true, by: `no include rule matches it, and the last rule ${ruleText(last)} is an include (everything else is excluded)` };
  return { excluded: false };
}
