// Vaultwarden backups (§2.3, §6). Two probes per backup folder:
// - `vaultwarden-backups`: read-only listing of the backup folders and their files (find -printf),
//   with the node's clock, so the age of the newest backup is judged against the node's time.
// - `vaultwarden-restore`: the restore test of the newest backup, in place and read-only (see
//   restoreTest below): SQLite's integrity check on the database opened read-only and immutable,
//   both keys parsed by openssl. It writes nothing, so it runs on every run, live nodes included.
// Key material never reaches the output: `openssl … -noout` prints nothing of the key, only
// `RSA key ok` or its error lines. Captures in fixtures/captured/backups/.
import { shQuote } from "../transport/shell.ts";
import { ProbeParseError, type Probe, type ProbeOutput, type WriteSwitch } from "./types.ts";

export const BACKUP_NAME = /^\d{8}T\d{6}Z$/;

export interface BackupFile {
  name: string;
  size: number;
  /** mtime, epoch seconds. */
  mtime: number;
}

export interface BackupDir {
  /** Folder name, e.g. 20261125T030000Z. */
  name: string;
  /** Time from the name (epoch seconds); undefined when the name is not a UTC timestamp. */
  time?: number;
  mtime: number;
  files: BackupFile[];
}

export interface BackupListing {
  dir: string;
  /** The node's clock, epoch seconds. */
  now: number;
  exists: boolean;
  /** Timestamped backup folders, oldest first (other entries, e.g. .partial-*, are left out). */
  backups: BackupDir[];
}

const LIST = "vaultwarden-backups";
const RESTORE = "vaultwarden-restore";

export function backupListing(dir: string): Probe<BackupListing> {
  const d = shQuote(dir);
  return {
    name: LIST,
    command: `d=${d}; echo "now $(date -u +%s)"; if [ -d "$d" ]; then echo exists; find "$d" -mindepth 1 -maxdepth 2 -printf '%P\\t%y\\t%s\\t%T@\\n'; else echo missing; fi`,
    parse: (o) => parseListing(dir, o),
  };
}

export function parseListing(dir: string, { stdout, stderr, code }: ProbeOutput): BackupListing {
  if (code !== 0) throw new ProbeParseError(LIST, `exited ${code}: ${stderr.trim()}`);
  const lines = stdout.split("\n").filter((l) => l !== "");
  const now = /^now (\d+)$/.exec(lines[0] ?? "");
  if (!now) throw new ProbeParseError(LIST, `first line is not "now <epoch>": ${JSON.stringify(lines[0])}`);
  const state = lines[1];
  if (state === "missing") return { dir, now: Number(now[1]), exists: false, backups: [] };
  if (state !== "exists") throw new ProbeParseError(LIST, `expected "exists" or "missing", got ${JSON.stringify(state)}`);
  const dirs = new Map<string, BackupDir>();
  const files: Array<[string, BackupFile]> = [];
  for (const line of lines.slice(2)) {
    const f = line.split("\t");
    if (f.length !== 4 || !/^\d+$/.test(f[2]!) || !/^\d+(\.\d+)?$/.test(f[3]!)) throw new ProbeParseError(LIST, `not a find line: ${JSON.stringify(line)}`);
    const [path, type, size, mtime] = [f[0]!, f[1]!, Number(f[2]), Math.floor(Number(f[3]))];
    const slash = path.indexOf("/");
    if (slash < 0) {
      if (type === "d" && BACKUP_NAME.test(path)) dirs.set(path, { name: path, time: stampTime(path), mtime, files: [] });
    } else if (type === "f") {
      files.push([path.slice(0, slash), { name: path.slice(slash + 1), size, mtime }]);
    }
  }
  for (const [parent, file] of files) dirs.get(parent)?.files.push(file);
  const backups = [...dirs.values()].sort((a, b) => a.name.localeCompare(b.name));
  for (const b of backups) b.files.sort((x, y) => x.name.localeCompare(y.name));
  return { dir, now: Number(now[1]), exists: true, backups };
}

/** 20261125T030000Z → epoch seconds. */
export function stampTime(name: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(name);
  if (!m) return undefined;
  const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Number.isNaN(t) ? undefined : t / 1000;
}

export interface RestoreStep {
  ok: boolean;
  code: number;
  /** Output of the step (at most a few lines, "|"-joined); never key material. */
  detail: string;
}

export interface RestoreTest {
  /** The newest backup folder's name; undefined when there is none. */
  backup?: string;
  files?: RestoreStep;
  integrity?: RestoreStep;
  key?: RestoreStep;
  pubkey?: RestoreStep;
}

/**
 * An SQLite URI for a path (https://www.sqlite.org/uri.html §3.1: "%HH" escapes in the path; "?"
 * starts the query and "#" the fragment, so both, and "%" itself, are escaped).
 */
export function sqliteUri(path: string): string {
  return `file:${path.replace(/[%?#]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`)}`;
}

/**
 * The restore test of the newest backup, IN PLACE and read-only (issue 21): nothing is copied,
 * created or locked on the node, so it runs on every run, live nodes included.
 * - The database is opened as an SQLite URI `file:…?mode=ro&immutable=1`: `mode=ro` opens it
 *   read-only, `immutable=1` tells SQLite the file cannot change, so it takes no lock and writes no
 *   journal or -shm file beside it (https://www.sqlite.org/uri.html §3.3 "immutable"). The sqlite3
 *   shell recognises URI filenames: its main() calls sqlite3_config(SQLITE_CONFIG_URI, 1)
 *   (shell.c), checked on Debian 12's sqlite3 3.40 (a missing file under mode=ro is an error, never
 *   created). `PRAGMA integrity_check` reads every page and prints `ok` only for a sound file.
 * - The private key is checked with `openssl rsa -check -noout` (parses it and verifies the RSA
 *   key's consistency, printing only `RSA key ok`); the public key parsed by
 *   `openssl pkey -pubin -noout`. Neither prints key material.
 */
export function restoreTest(dir: string): Probe<RestoreTest> {
  const d = shQuote(dir);
  const u = shQuote(sqliteUri(dir.replace(/\/+$/, "")));
  const step = (label: string, cmd: string) =>
    `out=$(${cmd} 2>&1); rc=$?; printf '%s %s %s\\n' ${label} "$rc" "$(printf '%s' "$out" | head -n 5 | tr '\\n' '|')"`;
  const command = [
    `d=${d}; u=${u}`,
    `newest=$(ls -1 "$d" 2>/dev/null | grep -E '^[0-9]{8}T[0-9]{6}Z$' | sort | tail -n 1)`,
    `if [ -z "$newest" ]; then echo 'backup -'; exit 0; fi`,
    `echo "backup $newest"; b="$d/$newest"`,
    step("files", `for f in db.sqlite3 rsa_key.pem rsa_key.pub.pem; do [ -f "$b/$f" ] && [ -r "$b/$f" ] || { echo "missing or unreadable: $f"; exit 1; }; done`),
    // The backup folder's name matches [0-9TZ] only: nothing in it needs URI escaping.
    step("integrity", `sqlite3 "$u/$newest/db.sqlite3?mode=ro&immutable=1" 'PRAGMA integrity_check;'`),
    step("key", `openssl rsa -check -noout -in "$b/rsa_key.pem"`),
    step("pubkey", `openssl pkey -pubin -in "$b/rsa_key.pub.pem" -noout`),
  ].join("\n");
  return { name: RESTORE, command, parse: parseRestore, slow: true };
}

export function parseRestore({ stdout, stderr, code }: ProbeOutput): RestoreTest {
  const lines = stdout.split("\n").filter((l) => l !== "");
  if (code !== 0) throw new ProbeParseError(RESTORE, `exited ${code}: ${stderr.trim()}`);
  const b = /^backup (\S+)$/.exec(lines[0] ?? "");
  if (!b) throw new ProbeParseError(RESTORE, `first line is not "backup <name>": ${JSON.stringify(lines[0])}`);
  const out: RestoreTest = b[1] === "-" ? {} : { backup: b[1] };
  for (const line of lines.slice(1)) {
    const m = /^(files|integrity|key|pubkey) (\d+) ?(.*)$/.exec(line);
    if (!m) throw new ProbeParseError(RESTORE, `unexpected line ${JSON.stringify(line)}`);
    const rc = Number(m[2]);
    const detail = m[3]!.replace(/\|$/, "");
    const ok = m[1] === "integrity" ? rc === 0 && detail === "ok" : rc === 0;
    out[m[1] as "files" | "integrity" | "key" | "pubkey"] = { ok, code: rc, detail };
  }
  if (out.backup && !out.pubkey) throw new ProbeParseError(RESTORE, "the restore test stopped before its last step");
  return out;
}

