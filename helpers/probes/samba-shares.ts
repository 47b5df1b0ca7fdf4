// Where smbd's shares come from. `testparm -s` (samba-config) shows the shares of smb.conf, of
// the files it `include`s (expanded in place) and of the registry when `registry shares = yes`,
// `include = registry` or `config backend = registry` — but not **usershares** (`net usershare`),
// which smbd serves from the usershare directory all the same whenever `usershare max shares` > 0.
// This probe reads each source on its own, so that every served share is seen and named by where
// it is defined: the config file and every file it includes (text, for attribution), the
// usershares (`net usershare info --long`: every user's), and the registry's shares (`net conf
// list`, only when registry.tdb exists: opening a missing one would create it). All read-only.
// Captures: fixtures/captured/samba/shares-*.txt (Samba 4.17).
import { ProbeParseError, type Probe } from "./types.ts";
import { isYes, type SambaConfig } from "./samba-config.ts";

export interface UserShare {
  name: string;
  path: string;
  comment: string;
  /** `usershare_acl` as net prints it, e.g. "Everyone:R,". */
  acl: string;
  guestOk: boolean;
}

export interface SambaSources {
  /** smb.conf and every file reached through `include =`, in the order read. */
  files: Array<{ path: string; exists: boolean; text: string }>;
  /** Usershares: `disabled` when net says "usershares are currently disabled". */
  usershares: { disabled: boolean; shares: UserShare[]; error?: string };
  /** Shares held in the registry (`net conf list`); `absent` when there is no registry.tdb. */
  registry: { absent: boolean; shares: Array<{ name: string; params: Record<string, string> }>; error?: string };
}

export const SAMBA_SHARES = "samba-shares";
const M = "@@hlc-smbsrc";

// Include paths may carry smbd's %-macros (e.g. %m per client): those cannot be read from here
// and are listed as such (exists: false) — the spec says so rather than guessing.
const COMMAND = [
  `cf=$(smbd -b 2>/dev/null | sed -n 's/^[[:space:]]*CONFIGFILE:[[:space:]]*//p'); cf=\${cf:-/etc/samba/smb.conf}`,
  `sd=$(smbd -b 2>/dev/null | sed -n 's/^[[:space:]]*STATEDIR:[[:space:]]*//p'); sd=\${sd:-/var/lib/samba}`,
  `todo=$cf seen='|' n=0`,
  `while [ -n "$todo" ] && [ $n -lt 32 ]; do`,
  `  f=$(printf '%s\\n' "$todo" | head -n 1); todo=$(printf '%s\\n' "$todo" | sed 1d); n=$((n+1))`,
  `  case "$seen" in *"|$f|"*) continue ;; esac; seen="$seen$f|"`,
  `  echo "${M} file $f"`,
  `  if [ -f "$f" ] && [ -r "$f" ]; then cat -- "$f"; echo; inc=$(sed -n 's/^[[:space:]]*include[[:space:]]*=[[:space:]]*//p' -- "$f" | sed 's/[[:space:]]*$//' | grep -vix registry); [ -z "$inc" ] || todo=$(printf '%s\\n%s' "$todo" "$inc" | sed '/^$/d'); else echo "${M} missing"; fi`,
  `done`,
  `echo "${M} usershares"`,
  `net usershare info --long 2>&1; echo "${M} rc $?"`,
  `echo "${M} registry"`,
  `if [ -e "$sd/registry.tdb" ]; then net conf list 2>&1; echo "${M} rc $?"; else echo "${M} absent"; fi`,
  `echo "${M} end"`,
].join("\n");

export const sambaShares: Probe<SambaSources> = {
  name: SAMBA_SHARES,
  command: COMMAND,
  parse({ stdout, stderr, code }) {
    if (code === 127) throw new ProbeParseError(SAMBA_SHARES, `a Samba tool is missing: ${stderr.trim()}`);
    return parseSambaSources(stdout);
  },
};

export function parseSambaSources(stdout: string): SambaSources {
  const sections: Array<{ head: string; body: string[] }> = [];
  for (const line of stdout.split("\n")) {
    if (line.startsWith(`${M} `)) sections.push({ head: line.slice(M.length + 1), body: [] });
    else if (sections.length) sections.at(-1)!.body.push(line);
    else if (line.trim()) throw new ProbeParseError(SAMBA_SHARES, `output before the first section: ${JSON.stringify(line)}`);
  }
  if (sections.at(-1)?.head !== "end") throw new ProbeParseError(SAMBA_SHARES, "output is truncated (no end marker)");
  const out: SambaSources = { files: [], usershares: { disabled: false, shares: [] }, registry: { absent: false, shares: [] } };
  for (let i = 0; i < sections.length; i++) {
    const s = sections[i]!;
    if (s.head.startsWith("file ")) {
      const missing = sections[i + 1]?.head === "missing";
      out.files.push({ path: s.head.slice(5), exists: !missing, text: s.body.join("\n") });
      if (missing) i++;
    } else if (s.head === "usershares") {
      const rc = sections[i + 1]?.head.match(/^rc (\d+)$/)?.[1];
      const text = s.body.join("\n").trim();
      if (/usershares are currently disabled/.test(text)) out.usershares.disabled = true;
      else if (rc !== "0") out.usershares.error = `net usershare info exited ${rc ?? "?"}: ${text.split("\n").slice(-2).join(" / ")}`;
      else out.usershares.shares = parseUsershares(text);
    } else if (s.head === "registry") {
      const next = sections[i + 1]?.head ?? "";
      if (next === "absent") out.registry.absent = true;
      else if (next !== "rc 0") out.registry.error = `net conf list exited ${next.replace(/^rc /, "")}: ${s.body.join(" ").trim()}`;
      else out.registry.shares = parseIni(s.body).filter((x) => x.name.toLowerCase() !== "global");
    }
  }
  return out;
}

/** `net usershare info --long`: `[name]` then `key=value` lines, a blank line between shares. */
export function parseUsershares(text: string): UserShare[] {
  return parseIni(text.split("\n"), "=").map(({ name, params }) => ({
    name,
    path: params.path ?? "",
    comment: params.comment ?? "",
    acl: params.usershare_acl ?? "",
    guestOk: (params.guest_ok ?? "n").toLowerCase() === "y",
  }));
}

/** `[section]` headers and `key = value` (or `key=value`) lines. */
function parseIni(lines: string[], sep = " = "): Array<{ name: string; params: Record<string, string> }> {
  const out: Array<{ name: string; params: Record<string, string> }> = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      out.push({ name: sec[1]!, params: {} });
      continue;
    }
    const at = line.indexOf(sep.trim());
    if (at < 0 || !out.length) throw new ProbeParseError(SAMBA_SHARES, `unrecognized line: ${JSON.stringify(raw)}`);
    out.at(-1)!.params[line.slice(0, at).trim()] = line.slice(at + sep.trim().length).trim();
  }
  return out;
}

/** Where a share is defined, in words ("/etc/samba/extra.conf (included)", "registry", "usershare"). */
export interface ServedShare {
  name: string;
  source: string;
  path?: string;
  guestOk?: boolean;
}

/**
 * Every share smbd serves, with its source: the shares of the effective config (testparm), each
 * placed in the file that defines it (the last file to open its section: later ones override) or
 * in the registry; then the usershares, which smbd serves when `usershare max shares` > 0 and no
 * share of the config has the same name (smbd ignores such a usershare).
 */
export function servedShares(cfg: SambaConfig, src: SambaSources): ServedShare[] {
  const main = src.files[0]?.path;
  const definedIn = (name: string): string | undefined => {
    const re = new RegExp(`^\\s*\\[\\s*${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*\\]\\s*$`, "im");
    const f = src.files.filter((x) => x.exists && re.test(x.text)).at(-1);
    if (!f) return undefined;
    return f.path === main ? f.path : `${f.path} (included from ${main})`;
  };
  const out: ServedShare[] = cfg.shares.map((s) => {
    const file = definedIn(s.name);
    const reg = src.registry.shares.some((r) => r.name.toLowerCase() === s.name.toLowerCase());
    const source = file ?? (reg ? "the registry (net conf)" : "the effective config (no file of the include chain names it)");
    return { name: s.name, source, path: s.params.path ?? cfg.global.path };
  });
  const max = Number(cfg.global["usershare max shares"] ?? "0");
  if (max > 0 && !src.usershares.disabled) {
    const dir = cfg.global["usershare path"] ?? "the usershare directory";
    for (const u of src.usershares.shares) {
      if (out.some((s) => s.name.toLowerCase() === u.name.toLowerCase())) continue;
      out.push({ name: u.name, source: `a usershare (net usershare, ${dir}/${u.name.toLowerCase()})`, path: u.path, guestOk: u.guestOk && isYes(cfg.global["usershare allow guests"]) });
    }
  }
  return out;
}
