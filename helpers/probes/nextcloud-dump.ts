// Nextcloud database dumps (§2.3 "automated DB dumps + integrity verification", §6). Two probes:
// - `nextcloud-dump`: read-only. The newest file matching the declared pattern in the dump folder
//   (by mtime), its age against the node's clock and size, `gzip -t`, the first comment line among
//   the first 5 lines of the decompressed stream (the mysqldump/mariadb-dump header) and its last
//   line (the `-- Dump completed` trailer). Only those two lines leave the node, and only when they
//   are dump comments (`-- …`): any other line (a truncated INSERT with row data) is reported by its
//   length only.
// - `nextcloud-restore`: the restore test. It creates a uniquely named scratch database on the
//   node's MariaDB, imports the newest dump into it and lists its tables, then drops the scratch
//   database on exit (trap), whatever happened. A dump that names its own database (`USE` /
//   `CREATE DATABASE`, as `mysqldump --databases` writes) is refused before anything is imported:
//   it would write the live database. It is a write (a database created and dropped), so it runs
//   only when the run allows write probes (dumpRestoreProbe below); otherwise the
//   command only says why it did not run.
// The client logs in as the SSH user through MariaDB's unix socket (root on Debian), or with the
// declared defaults file on the node: no credential is ever part of a command or its output.
// Of the client's output only its ERROR lines are kept (it also echoes a failing statement), cut
// before MariaDB's `near '…'` excerpt and with quoted literals masked: no row data reaches the
// evidence. Captures in fixtures/captured/backups/.
import { shQuote } from "../transport/shell.ts";
import type { NextcloudDumpDecl } from "../inventory/sections/backups.ts";
import { ProbeParseError, type Probe, type ProbeOutput, type WriteSwitch } from "./types.ts";

const DUMP = "nextcloud-dump";
const RESTORE = "nextcloud-restore";

export interface DumpFile {
  name: string;
  size: number;
  /** mtime, epoch seconds. */
  mtime: number;
}

export interface DumpLine {
  /** The line, when it is a dump comment (`-- …`); else undefined. */
  text?: string;
  /** Its length in bytes (always). */
  length: number;
}

export interface DumpCheck {
  dir: string;
  /** The node's clock, epoch seconds. */
  now: number;
  exists: boolean;
  /** Files matching the pattern. */
  count: number;
  newest?: DumpFile;
  /** `gzip -t` of the newest dump: exit code and its first message lines. */
  gzip?: { code: number; detail: string };
  /** Header (first `-- ` line within the first 5, else the first line) and last line of the
   * decompressed newest dump; undefined when the stream is empty. */
  head?: DumpLine;
  tail?: DumpLine;
}

/** The mysqldump / mariadb-dump header: `-- MariaDB dump 10.19 …` or `-- MySQL dump 10.13 …`. */
export const DUMP_HEADER = /^-- (MariaDB|MySQL) dump \d/;
export const DUMP_TRAILER = /^-- Dump completed( on .*)?$/;

const newestCmd = (d: string, pat: string) =>
  `find ${d} -mindepth 1 -maxdepth 1 -type f -name ${pat} -printf '%T@\\t%s\\t%f\\n' | sort -n | tail -n 1`;

/** A dump-comment line is printed as such; anything else only by its length. */
const LINE_FN = `line() { l=$(printf '%s' "$2" | tr -d '\\r'); case "$l" in '-- '*) printf '%s text %s\\n' "$1" "$(printf '%s' "$l" | cut -c1-200)" ;; *) printf '%s other %s\\n' "$1" "$(printf '%s' "$l" | wc -c)" ;; esac; }`;

export function nextcloudDump(dir: string, pattern: string): Probe<DumpCheck> {
  const d = shQuote(dir);
  const p = shQuote(pattern);
  const command = [
    `d=${d}; echo "now $(date -u +%s)"`,
    `if [ ! -d "$d" ]; then echo missing; exit 0; fi; echo exists`,
    `echo "count $(find "$d" -mindepth 1 -maxdepth 1 -type f -name ${p} | wc -l)"`,
    `n=$(${newestCmd('"$d"', p)})`,
    `if [ -z "$n" ]; then echo 'newest -'; exit 0; fi`,
    `printf 'newest %s\\n' "$n"; f="$d/$(printf '%s' "$n" | cut -f3)"`,
    `out=$(gzip -t "$f" 2>&1); rc=$?; printf 'gzip %s %s\\n' "$rc" "$(printf '%s' "$out" | head -n 3 | tr '\\n' '|')"`,
    LINE_FN,
    // MariaDB >= 10.11.8 puts a sandbox-mode comment (/*M!999999\- …*/) before the header.
    `h=$(zcat "$f" 2>/dev/null | head -n 5 | grep -m 1 '^-- ' || zcat "$f" 2>/dev/null | head -n 1); [ -n "$h" ] && line head "$h"`,
    `t=$(zcat "$f" 2>/dev/null | tail -n 1); [ -n "$t" ] && line tail "$t"`,
    `exit 0`,
  ].join("\n");
  return { name: DUMP, command, parse: (o) => parseDump(dir, o) };
}

function parseLine(kind: string, value: string): DumpLine {
  if (kind === "text") return { text: value, length: Buffer.byteLength(value) };
  if (!/^\d+$/.test(value.trim())) throw new ProbeParseError(DUMP, `bad line length ${JSON.stringify(value)}`);
  return { length: Number(value.trim()) };
}

export function parseDump(dir: string, { stdout, stderr, code }: ProbeOutput): DumpCheck {
  if (code !== 0) throw new ProbeParseError(DUMP, `exited ${code}: ${stderr.trim()}`);
  const lines = stdout.split("\n").filter((l) => l !== "");
  const now = /^now (\d+)$/.exec(lines[0] ?? "");
  if (!now) throw new ProbeParseError(DUMP, `first line is not "now <epoch>": ${JSON.stringify(lines[0])}`);
  const out: DumpCheck = { dir, now: Number(now[1]), exists: false, count: 0 };
  if (lines[1] === "missing") return out;
  if (lines[1] !== "exists") throw new ProbeParseError(DUMP, `expected "exists" or "missing", got ${JSON.stringify(lines[1])}`);
  out.exists = true;
  for (const line of lines.slice(2)) {
    let m: RegExpExecArray | null;
    if ((m = /^count (\d+)$/.exec(line))) out.count = Number(m[1]);
    else if (line === "newest -") continue;
    else if ((m = /^newest (\d+(?:\.\d+)?)\t(\d+)\t(.+)$/.exec(line))) out.newest = { mtime: Math.floor(Number(m[1])), size: Number(m[2]), name: m[3]! };
    else if ((m = /^gzip (\d+) ?(.*)$/.exec(line))) out.gzip = { code: Number(m[1]), detail: m[2]!.replace(/\|$/, "") };
    else if ((m = /^(head|tail) (text|other) (.*)$/.exec(line))) out[m[1] as "head" | "tail"] = parseLine(m[2]!, m[3]!);
    else throw new ProbeParseError(DUMP, `unexpected line ${JSON.stringify(line)}`);
  }
  if (out.newest && !out.gzip) throw new ProbeParseError(DUMP, "the probe stopped before gzip -t");
  return out;
}

export interface RestoreSpec {
  dir: string;
  pattern: string;
  /** MariaDB client option file on the node (--defaults-extra-file); default: the unix-socket login. */
  defaultsFile?: string;
}

export interface SqlStep {
  ok: boolean;
  code: number;
  /** The client's first ERROR lines, `|`-joined, masked (no row data). */
  detail: string;
}

export type DumpRestore =
  | { ran: false; reason: string }
  | {
      ran: true;
      /** The newest dump's file name; undefined when there is none. */
      dump?: string;
      /** The scratch database's name. */
      db?: string;
      /** The dump names its own database (USE / CREATE DATABASE): refused, nothing imported. */
      refused?: string;
      create?: SqlStep;
      /** The import: the client's exit and zcat's exit (a stream cut short fails the import). */
      load?: SqlStep & { zcat: number };
      /** Tables of the scratch database after the import. */
      tables?: SqlStep & { names: string[] };
      /** The scratch database dropped again (the trap). */
      drop?: SqlStep;
      /** Wall time of the whole test on the node, ms. */
      ms?: number;
    };

/** Mask MariaDB client messages: cut at `near '…'` and blank quoted literals (row data). */
export const MASK_SQL_ERRORS = `sed -e "s/ near '.*//" -e "s/; check the manual.*//" -e "s/'[^']*'/'…'/g"`;

export function nextcloudRestore(spec: RestoreSpec, writes: boolean, reason = ""): Probe<DumpRestore> {
  const d = shQuote(spec.dir);
  const p = shQuote(spec.pattern);
  const client = spec.defaultsFile ? `--defaults-extra-file=${shQuote(spec.defaultsFile)}` : "";
  // Only the client's ERROR lines are kept: on a failed statement it also echoes the statement.
  const step = (label: string, cmd: string) =>
    `out=$(${cmd} 2>&1); rc=$?; printf '%s %s %s\\n' ${label} "$rc" "$(printf '%s' "$out" | grep -E '^(ERROR|mariadb:|mysql:)' | ${MASK_SQL_ERRORS} | head -n 3 | tr '\\n' '|')"`;
  const command = writes
    ? [
        `d=${d}; umask 077; t0=$(date +%s%N)`,
        `n=$(${newestCmd('"$d"', p)} | cut -f3)`,
        `if [ -z "$n" ]; then echo 'dump -'; exit 0; fi`,
        `printf 'dump %s\\n' "$n"; f="$d/$n"`,
        `M=$(command -v mariadb || command -v mysql) || { echo 'create 127 no mariadb/mysql client'; exit 0; }`,
        `m() { "$M" ${client} --batch --skip-column-names "$@"; }`,
        // A dump that names a database would be restored into it: the live one. Refuse.
        `u=$(zcat "$f" 2>/dev/null | grep -m 1 -E '^(USE |CREATE DATABASE )' | cut -c1-80)`,
        `if [ -n "$u" ]; then printf 'refused %s\\n' "$u"; exit 0; fi`,
        `db="hlc_restore_$(date -u +%Y%m%d%H%M%S)_$$"; echo "db $db"; z=$(mktemp)`,
        `trap 'rm -f "$z"; out=$(m -e "DROP DATABASE IF EXISTS \\\`$db\\\`" 2>&1); rc=$?; printf "drop %s %s\\n" "$rc" "$(printf "%s" "$out" | head -n 2 | tr "\\n" "|")"; echo "ms $(( ($(date +%s%N) - t0) / 1000000 ))"' EXIT`,
        `trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM`,
        step("create", `m -e "CREATE DATABASE \\\`$db\\\`"`),
        `[ "$rc" = 0 ] || exit 0`,
        step("load", `{ zcat "$f"; echo $? >"$z"; } | m "$db"`),
        `echo "zcat $(cat "$z")"`,
        `out=$(m -e "SELECT table_name FROM information_schema.tables WHERE table_schema = '$db' ORDER BY table_name" 2>&1); rc=$?`,
        `printf 'tables %s %s\\n' "$rc" "$(printf '%s' "$out" | head -n 1000 | tr '\\n' ' ')"`,
      ].join("\n")
    : `echo ${shQuote(`not run: ${reason}`)}`;
  return { name: RESTORE, command, parse: parseRestore, slow: true };
}

export function parseRestore({ stdout, stderr, code }: ProbeOutput): DumpRestore {
  const lines = stdout.split("\n").filter((l) => l !== "");
  if (lines[0]?.startsWith("not run: ")) return { ran: false, reason: lines[0].slice("not run: ".length) };
  if (code !== 0) throw new ProbeParseError(RESTORE, `exited ${code}: ${stderr.trim()}`);
  const first = /^dump (.+)$/.exec(lines[0] ?? "");
  if (!first) throw new ProbeParseError(RESTORE, `first line is not "dump <name>": ${JSON.stringify(lines[0])}`);
  const out: DumpRestore & { ran: true } = { ran: true, ...(first[1] === "-" ? {} : { dump: first[1] }) };
  let zcat: number | undefined;
  for (const line of lines.slice(1)) {
    let m: RegExpExecArray | null;
    if ((m = /^db (\S+)$/.exec(line))) out.db = m[1];
    else if ((m = /^refused (.*)$/.exec(line))) out.refused = m[1];
    else if ((m = /^zcat (\d+)$/.exec(line))) zcat = Number(m[1]);
    else if ((m = /^ms (\d+)$/.exec(line))) out.ms = Number(m[1]);
    else if ((m = /^tables (\d+) ?(.*)$/.exec(line))) {
      const rc = Number(m[1]);
      const names = rc === 0 ? m[2]!.split(" ").filter((x) => x !== "") : [];
      out.tables = { ok: rc === 0, code: rc, detail: rc === 0 ? "" : m[2]!.trim(), names };
    } else if ((m = /^(create|load|drop) (\d+) ?(.*)$/.exec(line))) {
      const rc = Number(m[2]);
      const s = { ok: rc === 0, code: rc, detail: m[3]!.replace(/\|$/, "") };
      if (m[1] === "load") out.load = { ...s, zcat: 0 };
      else out[m[1] as "create" | "drop"] = s;
    } else throw new ProbeParseError(RESTORE, `unexpected line ${JSON.stringify(line)}`);
  }
  if (out.load) {
    if (zcat === undefined) throw new ProbeParseError(RESTORE, "no zcat status after the import");
    out.load.zcat = zcat;
    if (zcat !== 0) out.load.ok = false;
  }
  if (out.db && !out.drop) throw new ProbeParseError(RESTORE, `the scratch database ${out.db} has no drop line`);
  return out;
}


export const DUMP_RESTORE_OFF_LIVE =
  "write probes are off on live nodes: opt in with HLC_ALLOW_WRITE_PROBES=1 to restore-test the newest Nextcloud dump (it creates a scratch database in MariaDB on the node, dropped again)";
export const DUMP_RESTORE_OFF = "write probes are off (HLC_ALLOW_WRITE_PROBES=0): the newest Nextcloud dump was not restore-tested";

/** The dump's restore test as this run may run it: it creates a scratch database, so only where writes are allowed. */
export function dumpRestoreProbe(nc: NextcloudDumpDecl, writes: WriteSwitch): Probe<DumpRestore> {
  return nextcloudRestore(
    { dir: nc.dir, pattern: nc.pattern, ...(nc.defaultsFile ? { defaultsFile: nc.defaultsFile } : {}) },
    writes.allowed,
    writes.allowed ? "" : writes.optedOut ? DUMP_RESTORE_OFF : DUMP_RESTORE_OFF_LIVE,
  );
}
