// Nextcloud database dumps (§2.3 "automated DB dumps + integrity verification", §6). Two probes:
// - `nextcloud-dump`: read-only. The newest file matching the declared pattern in the dump folder
//   (by mtime), its age against the node's clock and size, `gzip -t`, the first comment line among
//   the first 5 lines of the decompressed stream (the mysqldump/mariadb-dump header) and its last
//   line (the `-- Dump completed` trailer). Only those two lines leave the node, and only when they
//   are dump comments (`-- …`): any other line (a truncated INSERT with row data) is reported by its
//   length only.
// - `nextcloud-restore`: the restore test, read-only on the node. The node only picks the newest
//   dump (its name on stderr) and `cat`s it; the bytes stream over one more channel of the node's
//   SSH connection (Probe.runner) into a throwaway MariaDB on the machine running the suite
//   (scratch-mariadb.ts), where `zcat | mariadb <scratch database>` imports it, its tables are
//   listed and the scratch database dropped (trap). Nothing of the dump is written to the runner's
//   disk outside that container, which the run removes. A dump that names its own database (`USE`
//   / `CREATE DATABASE`, as `mysqldump --databases` writes) is refused: the stream stops at that
//   statement (it is not a dump of one database's contents a scratch database can take). No
//   container engine on the runner: the probe says "not run" with why (SKIPPED, never passed).
// Of the client's output only its ERROR lines are kept (it also echoes a failing statement), cut
// before MariaDB's `near '…'` excerpt and with quoted literals masked: no row data reaches the
// evidence. Captures in fixtures/captured/backups/.
import { shQuote } from "../transport/shell.ts";
import type { StreamResult } from "../transport/types.ts";
import type { NextcloudDumpDecl } from "../inventory/sections/backups.ts";
import { scratchMariadb, type ScratchMariadb } from "./scratch-mariadb.ts";
import { ProbeParseError, type Probe, type ProbeOutput, type RunnerStep } from "./types.ts";

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
      /** Reading it on the node (`cat`): its exit and first stderr lines. */
      read?: { ok: boolean; code: number | null; detail: string };
      /** The scratch database's name (in the throwaway MariaDB on the runner). */
      db?: string;
      /** The dump names its own database (USE / CREATE DATABASE): the import stopped there. */
      refused?: string;
      create?: SqlStep;
      /** The import: the client's exit and zcat's exit (a stream cut short fails the import). */
      load?: SqlStep & { zcat: number };
      /** Tables of the scratch database after the import. */
      tables?: SqlStep & { names: string[] };
      /** The scratch database dropped again (the trap). */
      drop?: SqlStep;
      /** Wall time of the whole test (stream and import), ms. */
      ms?: number;
    };

/** Mask MariaDB client messages: cut at `near '…'` and blank quoted literals (row data). */
export const MASK_SQL_ERRORS = `sed -e "s/ near '.*//" -e "s/; check the manual.*//" -e "s/'[^']*'/'…'/g"`;

/** On the node, read-only: the newest dump's name on stderr, its bytes on stdout. */
export function restoreStreamCommand(spec: RestoreSpec): string {
  return [
    `d=${shQuote(spec.dir)}`,
    `n=$(${newestCmd('"$d"', shQuote(spec.pattern))} | cut -f3)`,
    `if [ -z "$n" ]; then echo 'dump -' >&2; exit 0; fi`,
    `printf 'dump %s\\n' "$n" >&2`,
    `exec cat -- "$d/$n"`,
  ].join("\n");
}

/**
 * In the throwaway MariaDB's container, the dump on stdin, the scratch database's name as $1:
 * create it, `zcat | mariadb` into it (stopping at a statement that names a database), list its
 * tables, drop it on exit. Only status lines and masked ERROR lines are printed; stdin is drained
 * to its end so the node's `cat` ends normally. Its /tmp holds status files only, never the dump.
 */
const step = (label: string, cmd: string) =>
  `out=$(${cmd} 2>&1); rc=$?; printf '%s %s %s\\n' ${label} "$rc" "$(printf '%s' "$out" | grep -E '^(ERROR|mariadb:|mysql:)' | ${MASK_SQL_ERRORS} | head -n 3 | tr '\\n' '|')"`;
export const RESTORE_SCRIPT = [
  `db=$1; umask 077; t=$(mktemp -d)`,
  `m() { mariadb --batch --skip-column-names "$@"; }`,
  `echo "db $db"`,
  `trap 'out=$(m -e "DROP DATABASE IF EXISTS \\\`$db\\\`" 2>&1); rc=$?; printf "drop %s %s\\n" "$rc" "$(printf "%s" "$out" | head -n 2 | tr "\\n" "|")"; rm -rf "$t"' EXIT`,
  step("create", `m -e "CREATE DATABASE \\\`$db\\\`"`),
  `if [ "$rc" != 0 ]; then cat >/dev/null; exit 0; fi`,
  // GNU sed: a line that names a database is written aside and the stream ends before it (Q).
  step("load", `{ { zcat; echo $? >"$t/z"; } | sed -e "/^\\(USE \\|CREATE DATABASE \\)/{w $t/r" -e 'Q 3' -e '}'; } | m "$db"`),
  `cat >/dev/null`,
  `if [ -s "$t/r" ]; then printf 'refused %s\\n' "$(head -n 1 "$t/r" | cut -c1-80)"; fi`,
  `echo "zcat $(cat "$t/z" 2>/dev/null || echo 255)"`,
  `out=$(m -e "SELECT table_name FROM information_schema.tables WHERE table_schema = '$db' ORDER BY table_name" 2>&1); rc=$?`,
  `printf 'tables %s %s\\n' "$rc" "$(printf '%s' "$out" | head -n 1000 | tr '\\n' ' ')"`,
].join("\n");

/** The scratch database of one node's restore: its own name in the shared throwaway server. */
export const scratchDbName = (node: string, now = new Date()): string =>
  `hlc_restore_${node.replace(/[^A-Za-z0-9_]/g, "_").slice(0, 32)}_${now.toISOString().replace(/\D/g, "").slice(0, 14)}`;

/** The node's first stderr lines but its own `dump` line, `|`-joined, for the read step. */
const readDetail = (stderr: string) =>
  stderr.split("\n").filter((l) => l !== "" && !/^dump /.test(l)).slice(0, 3).join("|").slice(0, 300);

/** The runner-side step: the node's stream into the throwaway MariaDB, reported as parseRestore reads it. */
export const restoreOnRunner: RunnerStep<ScratchMariadb> = {
  resource: scratchMariadb,
  async consume(db, stream, node) {
    if (!db.ok) return { stdout: `not run: ${db.unavailable}\n`, stderr: "", code: 0 };
    const t0 = performance.now();
    let read: StreamResult | undefined;
    let failed: unknown;
    const r = await db.run(RESTORE_SCRIPT, [scratchDbName(node)], async (stdin) => {
      try {
        read = await stream(stdin);
      } catch (e) {
        failed = e;
      }
    });
    // The node's command did not end (timeout, connection lost): the gather records why.
    if (failed) throw failed;
    const name = /^dump (.+)$/m.exec(read!.stderr)?.[1];
    if (name === undefined) return { stdout: "", stderr: read!.stderr, code: read!.code };
    if (name === "-") return { stdout: "dump -\n", stderr: "", code: 0 };
    const ms = Math.round(performance.now() - t0);
    const stdout = `dump ${name}\nread ${read!.code ?? "-"} ${readDetail(read!.stderr)}\n${r.stdout}ms ${ms}\n`;
    return { stdout, stderr: r.stderr, code: r.code };
  },
};

export function nextcloudRestore(spec: RestoreSpec): Probe<DumpRestore> {
  return { name: RESTORE, command: restoreStreamCommand(spec), parse: parseRestore, runner: restoreOnRunner };
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
    else if ((m = /^read (\d+|-) ?(.*)$/.exec(line))) out.read = { ok: m[1] === "0", code: m[1] === "-" ? null : Number(m[1]), detail: m[2]!.trim() };
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
  if (out.dump && !out.read) throw new ProbeParseError(RESTORE, "no read status of the dump on the node");
  if (out.load) {
    if (zcat === undefined) throw new ProbeParseError(RESTORE, "no zcat status after the import");
    out.load.zcat = zcat;
    if (zcat !== 0) out.load.ok = false;
  }
  if (out.db && !out.drop) throw new ProbeParseError(RESTORE, `the scratch database ${out.db} has no drop line`);
  return out;
}

/** The dump's restore test: read-only on the node, the import in a throwaway MariaDB on the runner. */
export function dumpRestoreProbe(nc: NextcloudDumpDecl): Probe<DumpRestore> {
  return nextcloudRestore({ dir: nc.dir, pattern: nc.pattern });
}
