// SnapRAID (§2.1): its configuration, the state of the files it names, `snapraid status` and
// `snapraid diff`. Formats were checked against SnapRAID 12.2 (Debian 12) output captured in
// fixtures/images/storage/captured/ and fixtures/captured/snapraid/ (see the README there).
//
// Every command here is read-only: `status` reads the content file, `diff` compares it with the
// disks (SnapRAID's manual: neither writes the array). Both take SnapRAID's lock (the `.lock` file
// next to the first content file); while a sync, scrub or fix holds it they exit 1 with
// "SnapRAID is already in use!", which the parsers report as { kind: "busy" }.
import { shQuote } from "../transport/shell.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

export const SNAPRAID_CONF = "/etc/snapraid.conf";

// ---------------------------------------------------------------------------------------------
// snapraid.conf

export interface ParityLevel {
  /** 1 for `parity`, 2 for `2-parity` (or the older `q-parity`, or `z-parity`), ... up to 6. */
  level: number;
  keyword: string;
  /** Parity files of the level; SnapRAID 11+ can split one level over several files ("a,b"). */
  files: string[];
}

export interface DataDisk {
  /** SnapRAID's name of the disk (`data d1 /mnt/disk1/` → "d1"). */
  name: string;
  /** Directory of the disk as configured, e.g. "/mnt/disk1/". */
  dir: string;
}

/** An `exclude`/`include` rule of snapraid.conf, in file order (the first that matches decides). */
export interface FilterRule {
  kind: "exclude" | "include";
  pattern: string;
  /** 1-based line number in snapraid.conf, for messages. */
  line: number;
}

export interface SnapraidConfig {
  parity: ParityLevel[];
  content: string[];
  data: DataDisk[];
  /** exclude/include rules, in order. */
  rules: FilterRule[];
  /** `nohidden`: files and directories whose name starts with a dot are left out of the array. */
  nohidden: boolean;
}

const CONF = "snapraid-conf";

/** The SnapRAID configuration file: parity, content and data (or the older `disk`) lines. */
export function snapraidConfig(path = SNAPRAID_CONF): Probe<SnapraidConfig> {
  return {
    name: CONF,
    command: `cat -- ${shQuote(path)}`,
    parse: ({ stdout, stderr, code }) => {
      if (code !== 0) throw new ProbeParseError(CONF, `cannot read ${path} (exit ${code}): ${stderr.trim()}`);
      const conf = parseSnapraidConf(stdout);
      // SnapRAID itself refuses a file without these: whatever else was read is not its config.
      const lacks = [conf.parity.length ? "" : "parity", conf.data.length ? "" : "data", conf.content.length ? "" : "content"].filter(Boolean);
      if (lacks.length) throw new ProbeParseError(CONF, `${path} names no ${lacks.join(", no ")} line: not a SnapRAID configuration SnapRAID would run`);
      return conf;
    },
  };
}

const PARITY_KEYWORD = /^(?:parity|([1-6])-parity|([qz])-parity)$/;

/** Parse snapraid.conf text. Unknown keywords (exclude, blocksize, pool, ...) are ignored. */
export function parseSnapraidConf(text: string): SnapraidConfig {
  const conf: SnapraidConfig = { parity: [], content: [], data: [], rules: [], nohidden: false };
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(\S+)\s+(.+)$/.exec(line);
    if (!m) {
      if (line === "nohidden") conf.nohidden = true;
      continue;
    }
    const [, keyword, rest] = m as unknown as [string, string, string];
    if (keyword === "exclude" || keyword === "include") {
      conf.rules.push({ kind: keyword, pattern: rest.trim(), line: i + 1 });
      continue;
    }
    const p = PARITY_KEYWORD.exec(keyword);
    if (p) {
      const level = p[1] ? Number(p[1]) : p[2] ? 2 : 1;
      conf.parity.push({ level, keyword, files: rest.split(",").map((f) => f.trim()).filter(Boolean) });
    } else if (keyword === "content") {
      conf.content.push(rest);
    } else if (keyword === "data" || keyword === "disk") {
      const d = /^(\S+)\s+(.+)$/.exec(rest);
      if (!d) throw new ProbeParseError(CONF, `a ${keyword} line needs a name and a directory: ${JSON.stringify(line)}`);
      conf.data.push({ name: d[1]!, dir: d[2]! });
    }
  }
  conf.parity.sort((a, b) => a.level - b.level);
  return conf;
}

// ---------------------------------------------------------------------------------------------
// The files and directories snapraid.conf names, as they are on the node

export interface PathState {
  /** The conf keyword that names it: "parity", "2-parity", "content", "data". */
  kind: string;
  path: string;
  /** What is there: a regular file, a directory, something else, or nothing. */
  type: "file" | "directory" | "other" | "missing";
  /** Regular files: size in bytes. */
  size?: number;
  /** Regular files: its first byte could be read (the file is not just listed but readable). */
  readable?: boolean;
  /** Data directories: whether it holds no entry at all (an empty mountpoint). */
  empty?: boolean;
}

const PATHS = "snapraid-paths";

/**
 * For each parity file, content file and data directory of the conf: does it exist, is it
 * readable (one byte read with head), is a data directory empty. The conf is read on the node
 * so this needs no second round trip; awk splits it exactly like parseSnapraidConf.
 */
export function snapraidPaths(path = SNAPRAID_CONF): Probe<PathState[]> {
  const conf = shQuote(path);
  const awk = [
    `{ sub(/\\r$/, "") }`,
    `$1 ~ /^#/ || NF < 2 { next }`,
    `{ k = $1; rest = $0; sub(/^[ \\t]*[^ \\t]+[ \\t]+/, "", rest); sub(/[ \\t]+$/, "", rest) }`,
    `k ~ /^(([1-6]|q|z)-)?parity$/ { n = split(rest, f, ","); for (i = 1; i <= n; i++) { p = f[i]; gsub(/^[ \\t]+|[ \\t]+$/, "", p); if (p != "") print k "\\t" p } next }`,
    `k == "content" { print k "\\t" rest; next }`,
    `k == "data" || k == "disk" { sub(/^[^ \\t]+[ \\t]+/, "", rest); print "data\\t" rest }`,
  ].join("\n");
  const command = [
    `[ -r ${conf} ] || { echo cannot read ${conf} >&2; exit 2; }`,
    `awk '${awk.replace(/'/g, `'\\''`)}' ${conf} | while IFS="$(printf '\\t')" read -r k p; do`,
    `  if [ -f "$p" ]; then`,
    `    if head -c 1 -- "$p" >/dev/null 2>&1; then r=readable; else r=unreadable; fi`,
    `    printf '%s\\t%s\\tfile\\t%s\\t%s\\n' "$k" "$p" "$(stat -c %s -- "$p")" "$r"`,
    `  elif [ -d "$p" ]; then`,
    `    if [ -n "$(ls -A -- "$p" 2>/dev/null | head -n 1)" ]; then e=nonempty; else e=empty; fi`,
    `    printf '%s\\t%s\\tdirectory\\t-\\t%s\\n' "$k" "$p" "$e"`,
    `  elif [ -e "$p" ]; then printf '%s\\t%s\\tother\\t-\\t-\\n' "$k" "$p"`,
    `  else printf '%s\\t%s\\tmissing\\t-\\t-\\n' "$k" "$p"; fi`,
    `done`,
  ].join("\n");
  return {
    name: PATHS,
    command,
    parse: ({ stdout, stderr, code }) => {
      if (code !== 0) throw new ProbeParseError(PATHS, `exit ${code}: ${stderr.trim()}`);
      return parsePaths(stdout);
    },
  };
}

function parsePaths(stdout: string): PathState[] {
  const out: PathState[] = [];
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    const f = line.split("\t");
    if (f.length !== 5) throw new ProbeParseError(PATHS, `unrecognized line ${JSON.stringify(line)}`);
    const [kind, path, type, size, extra] = f as [string, string, string, string, string];
    if (type !== "file" && type !== "directory" && type !== "other" && type !== "missing") {
      throw new ProbeParseError(PATHS, `unknown type in ${JSON.stringify(line)}`);
    }
    const st: PathState = { kind, path, type };
    if (type === "file") {
      if (!/^\d+$/.test(size)) throw new ProbeParseError(PATHS, `bad size in ${JSON.stringify(line)}`);
      st.size = Number(size);
      st.readable = extra === "readable";
    }
    if (type === "directory") st.empty = extra === "empty";
    out.push(st);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// snapraid status

/** Another SnapRAID command holds the array's lock: a sync, scrub or fix is running right now. */
export interface SnapraidBusy {
  kind: "busy";
  message: string;
}

export interface StatusDisk {
  name: string;
  /** Files SnapRAID knows on the disk (from the content file, i.e. as of the last sync). */
  files: number;
}

export interface ScrubAges {
  oldestDays: number;
  medianDays: number;
  newestDays: number;
}

export interface SnapraidStatus {
  kind: "status";
  disks: StatusDisk[];
  /** "The array is empty.": no block was ever synced (no content file, or nothing in it). */
  empty: boolean;
  /** `The oldest block was scrubbed N days ago, the median M, the newest K.` (absent when empty). */
  ages?: ScrubAges;
  /**
   * Days since the last sync, derived: status prints no "last sync" line, but a sync stamps every
   * block it writes with the sync time (and marks it not yet scrubbed), so the NEWEST block time
   * is the last sync that wrote parity — or a later scrub, which re-stamps what it verifies.
   */
  syncAgeDays?: number;
  /** Days since the least recently verified block was scrubbed (or synced): the OLDEST block. */
  scrubAgeDays?: number;
  /** `The N% of the array is not scrubbed.` (12.2; 13.x drops "The"); 0 when fully scrubbed. */
  unscrubbedPercent: number;
  /** `You have a sync in progress at N%.`: a sync was interrupted; N% of the array is synced. */
  syncInProgressPercent?: number;
  /** `You have a rehash in progress at N%.` */
  rehashInProgressPercent?: number;
  /** `DANGER! In the array there are N errors!` and the blocks it lists; 0 for `No error detected.` */
  errors: { count: number; firstBlock?: number; lastBlock?: number; blocks: number[] };
  /** `WARNING! You have scrub dates in the future!` (a clock that went backwards). */
  futureDates: boolean;
  /** `You have N files with a zero sub-second timestamp.` */
  zeroSubsecondFiles: number;
  /** WARNING/DANGER lines SnapRAID printed on stderr (e.g. content files on the same disk). */
  warnings: string[];
}

const STATUS = "snapraid-status";

export function snapraidStatus(path = SNAPRAID_CONF): Probe<SnapraidStatus | SnapraidBusy> {
  return {
    name: STATUS,
    command: `snapraid -c ${shQuote(path)} status`,
    parse: (output) => parseSnapraidStatus(output),
  };
}

const BUSY = /already locked|SnapRAID is already in use/;

function notOk(probe: string, { stdout, stderr, code }: ProbeOutput): SnapraidBusy {
  const text = `${stderr}\n${stdout}`;
  if (code === 127 || /snapraid: (?:command )?not found/.test(text)) {
    throw new ProbeParseError(probe, "snapraid is not installed (command not found)");
  }
  if (code === 1 && BUSY.test(text)) {
    return { kind: "busy", message: text.split("\n").filter((l) => BUSY.test(l)).map((l) => l.trim()).join(" ") };
  }
  const tail = (stderr.trim() || stdout.trim()).split("\n").slice(-3).join(" | ");
  throw new ProbeParseError(probe, `snapraid exited ${code}: ${tail}`);
}

const int = (s: string | undefined) => Number(s);

export function parseSnapraidStatus(output: ProbeOutput): SnapraidStatus | SnapraidBusy {
  const { stdout, stderr, code } = output;
  if (code !== 0) return notOk(STATUS, output);
  if (!/^SnapRAID status report:$/m.test(stdout)) {
    throw new ProbeParseError(STATUS, `no "SnapRAID status report:" in the output: ${JSON.stringify(stdout.slice(0, 200))}`);
  }
  const all = `${stdout}\n${stderr}`;
  const disks: StatusDisk[] = [];
  // Files Fragmented Excess Wasted Used Free Use Name; Free and Use are "-" before the first sync.
  const table = stdout.slice(stdout.indexOf("SnapRAID status report:"));
  for (const line of table.split("\n")) {
    if (/^ -{10,}/.test(line)) break;
    const m = /^\s*(\d+)\s+\d+\s+\d+\s+(?:-?[\d.]+|-)\s+\S+\s+\S+\s+\S+\s+(\S+)\s*$/.exec(line);
    if (m) disks.push({ name: m[2]!, files: int(m[1]) });
  }
  const empty = /^The array is empty\.$/m.test(all);
  const status: SnapraidStatus = {
    kind: "status",
    disks,
    empty,
    unscrubbedPercent: 0,
    errors: { count: 0, blocks: [] },
    futureDates: /You have scrub dates in the future!/.test(all),
    zeroSubsecondFiles: int(/^You have (\d+) files with a zero sub-second timestamp\.$/m.exec(all)?.[1] ?? "0"),
    warnings: stderr.split("\n").filter((l) => /^(WARNING|DANGER)!/.test(l)).map((l) => l.trim()),
  };
  if (empty) return status;

  const need = (re: RegExp, what: string): RegExpExecArray => {
    const m = re.exec(stdout);
    if (!m) throw new ProbeParseError(STATUS, `no ${what} line in snapraid status`);
    return m;
  };
  const ages = need(/^The oldest block was scrubbed (\d+) days ago, the median (\d+), the newest (\d+)\.$/m, "oldest/median/newest");
  status.ages = { oldestDays: int(ages[1]), medianDays: int(ages[2]), newestDays: int(ages[3]) };
  status.syncAgeDays = status.ages.newestDays;
  status.scrubAgeDays = status.ages.oldestDays;

  const sync = need(/^(?:No sync is in progress\.|You have a sync in progress at (\d+)%\.)$/m, "sync-in-progress");
  if (sync[1] !== undefined) status.syncInProgressPercent = int(sync[1]);

  const scrub = need(/^(?:The full array was scrubbed at least one time\.|(?:The )?(\d+)% of the array is not scrubbed\.)$/m, "scrubbed");
  if (scrub[1] !== undefined) status.unscrubbedPercent = int(scrub[1]);

  const rehash = /^You have a rehash in progress at (\d+)%\.$/m.exec(stdout);
  if (rehash) status.rehashInProgressPercent = int(rehash[1]);

  const err = need(/^(?:No error detected\.|DANGER! In the array there are (\d+) errors!)$/m, "error");
  if (err[1] !== undefined) {
    status.errors.count = int(err[1]);
    // 12.2: "They are from block 3 to 3, specifically at blocks: 3"; 13.x: "They are from block A to B."
    const range = /^They are from block (\d+) to (\d+)(?:\.|, specifically at blocks:([\d ]*))/m.exec(stdout);
    if (range) {
      status.errors.firstBlock = int(range[1]);
      status.errors.lastBlock = int(range[2]);
      status.errors.blocks = (range[3] ?? "").trim().split(/\s+/).filter(Boolean).map(Number);
    }
  }
  return status;
}

// ---------------------------------------------------------------------------------------------
// snapraid diff

export type DiffOp = "add" | "remove" | "update" | "move" | "copy" | "restore";

export interface DiffCounts {
  equal: number;
  added: number;
  removed: number;
  updated: number;
  moved: number;
  copied: number;
  restored: number;
}

export interface SnapraidDiff {
  kind: "diff";
  counts: DiffCounts;
  /** "There are differences!" vs "No differences": files changed since the last sync. */
  differences: boolean;
  /**
   * Exit 2: SnapRAID says a sync is needed. That is the case with differences, and also after an
   * interrupted sync even though it then prints "No differences" (captured: interrupted-sync).
   */
  syncNeeded: boolean;
  /** One entry per file line (`remove media/x.mkv`), path relative to its disk, unescaped. */
  changes: Array<{ op: DiffOp; path: string }>;
  /**
   * SnapRAID's own missing-disk alarm (stderr): "All the files previously present in disk 'd2' at
   * dir '/mnt/disk2/' are now missing or rewritten! This could happen when some disks are not
   * mounted". Every file of such a disk is counted in `removed`.
   */
  missingDisks: Array<{ disk: string; dir: string }>;
  warnings: string[];
}

const DIFF = "snapraid-diff";

/** `snapraid diff`: exits 2 when a sync is needed (not a failure of the probe), 0 when not. */
export function snapraidDiff(path = SNAPRAID_CONF): Probe<SnapraidDiff | SnapraidBusy> {
  return {
    name: DIFF,
    slow: true,
    command: `snapraid -c ${shQuote(path)} diff`,
    parse: (output) => parseSnapraidDiff(output),
  };
}

const COUNT_KEYS: Array<keyof DiffCounts> = ["equal", "added", "removed", "updated", "moved", "copied", "restored"];

export function parseSnapraidDiff(output: ProbeOutput): SnapraidDiff | SnapraidBusy {
  const { stdout, stderr, code } = output;
  if (code !== 0 && code !== 2) return notOk(DIFF, output);
  const counts = {} as DiffCounts;
  for (const key of COUNT_KEYS) {
    const m = new RegExp(`^\\s*(\\d+) ${key}$`, "m").exec(stdout);
    if (!m) throw new ProbeParseError(DIFF, `no "${key}" count in snapraid diff`);
    counts[key] = int(m[1]);
  }
  const verdict = /^(No differences|There are differences!)$/m.exec(stdout);
  if (!verdict) throw new ProbeParseError(DIFF, `neither "No differences" nor "There are differences!" in snapraid diff`);
  const differences = verdict[1] !== "No differences";
  const changes: SnapraidDiff["changes"] = [];
  for (const line of stdout.split("\n")) {
    const m = /^(add|remove|update|move|copy|restore) (.+)$/.exec(line);
    if (m) changes.push({ op: m[1] as DiffOp, path: unescape(m[2]!) });
  }
  const missingDisks = [...stderr.matchAll(/All the files previously present in disk '([^']*)' at dir '([^']*)'/g)].map((m) => ({ disk: m[1]!, dir: m[2]! }));
  const warnings = stderr.split("\n").filter((l) => /^(WARNING|DANGER)!/.test(l)).map((l) => l.trim());
  return { kind: "diff", counts, differences, syncNeeded: code === 2, changes, missingDisks, warnings };
}

/** SnapRAID escapes spaces, parentheses and other shell specials with a backslash in diff lines. */
function unescape(path: string): string {
  return path.replace(/\\(.)/g, "$1");
}
