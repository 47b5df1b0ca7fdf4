// Vaultwarden backups (§2.3, §6). Two probes per backup folder:
// - `vaultwarden-backups`: read-only listing of the backup folders and their files (find -printf),
//   with the node's clock, so the age of the newest backup is judged against the node's time.
// - `vaultwarden-restore`: the restore test of the newest backup. It copies the backup to a scratch
//   folder (mktemp -d, removed on exit), runs `sqlite3 … 'PRAGMA integrity_check'` on the copy and
//   parses both keys with `openssl pkey -noout`. The live data and the backup itself are never
//   opened for writing, but the scratch copy is a write: it runs only when the planner allows write
//   probes (restoreProbe below, given the run's write switch); otherwise the command only says why it did not run.
// Key material never reaches the output: `openssl pkey -noout` prints nothing on success and only
// its error lines otherwise. Captures in fixtures/captured/backups/.
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

export type RestoreTest =
  | { ran: false; reason: string }
  | { ran: true; backup?: string; copy?: RestoreStep; integrity?: RestoreStep; key?: RestoreStep; pubkey?: RestoreStep };

export function restoreTest(dir: string, writes: boolean, reason = ""): Probe<RestoreTest> {
  const d = shQuote(dir);
  const step = (label: string, cmd: string) =>
    `out=$(${cmd} 2>&1); rc=$?; printf '%s %s %s\\n' ${label} "$rc" "$(printf '%s' "$out" | head -n 5 | tr '\\n' '|')"`;
  const command = writes
    ? [
        `d=${d}; umask 077`,
        `newest=$(ls -1 "$d" 2>/dev/null | grep -E '^[0-9]{8}T[0-9]{6}Z$' | sort | tail -n 1)`,
        `if [ -z "$newest" ]; then echo 'backup -'; exit 0; fi`,
        `echo "backup $newest"`,
        `s=$(mktemp -d) || exit 1`,
        `trap 'rm -rf "$s"' EXIT; trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM`,
        step("copy", `cp "$d/$newest/db.sqlite3" "$d/$newest/rsa_key.pem" "$d/$newest/rsa_key.pub.pem" "$s/"`),
        step("integrity", `sqlite3 "$s/db.sqlite3" 'PRAGMA integrity_check;'`),
        step("key", `openssl pkey -in "$s/rsa_key.pem" -noout`),
        step("pubkey", `openssl pkey -pubin -in "$s/rsa_key.pub.pem" -noout`),
      ].join("\n")
    : `echo ${shQuote(`not run: ${reason}`)}`;
  return { name: RESTORE, command, parse: parseRestore, slow: true };
}

export function parseRestore({ stdout, stderr, code }: ProbeOutput): RestoreTest {
  const lines = stdout.split("\n").filter((l) => l !== "");
  if (lines[0]?.startsWith("not run: ")) return { ran: false, reason: lines[0].slice("not run: ".length) };
  if (code !== 0) throw new ProbeParseError(RESTORE, `exited ${code}: ${stderr.trim()}`);
  const b = /^backup (\S+)$/.exec(lines[0] ?? "");
  if (!b) throw new ProbeParseError(RESTORE, `first line is not "backup <name>": ${JSON.stringify(lines[0])}`);
  const out: RestoreTest & { ran: true } = { ran: true, ...(b[1] === "-" ? {} : { backup: b[1] }) };
  for (const line of lines.slice(1)) {
    const m = /^(copy|integrity|key|pubkey) (\d+) ?(.*)$/.exec(line);
    if (!m) throw new ProbeParseError(RESTORE, `unexpected line ${JSON.stringify(line)}`);
    const rc = Number(m[2]);
    const detail = m[3]!.replace(/\|$/, "");
    const ok = m[1] === "integrity" ? rc === 0 && detail === "ok" : rc === 0;
    out[m[1] as "copy" | "integrity" | "key" | "pubkey"] = { ok, code: rc, detail };
  }
  if (out.backup && !out.pubkey) throw new ProbeParseError(RESTORE, "the restore test stopped before its last step");
  return out;
}


export const RESTORE_OFF_LIVE = "write probes are off on live nodes: opt in with HLC_ALLOW_WRITE_PROBES=1 to restore-test the newest backup (it copies the backup to a scratch folder, removed again)";
export const RESTORE_OFF = "write probes are off (HLC_ALLOW_WRITE_PROBES=0): the newest backup was not restore-tested";

/** The restore test as this run may run it: it writes a scratch copy, so only where writes are allowed. */
export function restoreProbe(dir: string, writes: WriteSwitch): Probe<RestoreTest> {
  return restoreTest(dir, writes.allowed, writes.allowed ? "" : writes.optedOut ? RESTORE_OFF : RESTORE_OFF_LIVE);
}
