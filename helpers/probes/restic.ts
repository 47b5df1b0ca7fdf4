// The off-site/immutable backup target of §2.4 (planned: "restic + append-only repo"), when the
// inventory declares it. Two read-only probes, run on the node that holds the repository's
// password file:
// - `restic-snapshots`: `restic snapshots --json --latest 1` (optionally filtered by host/tag),
//   with the node's clock, so the newest snapshot's age is judged by the node's time.
// - `restic-check`: `restic check` (structure: index, packs, snapshots, trees; not --read-data).
// Both pass `--no-lock` (no lock file is written into the repository; restic 0.14, Debian
// bookworm, accepts it for `check` too) and `--no-cache` (no local cache is written, and `check`
// makes no temporary cache either). restic reads the password itself from `--password-file` on the
// node: the suite never reads, sends or prints it. Captures in fixtures/captured/restic/.
import { shQuote } from "../transport/shell.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

const SNAPSHOTS = "restic-snapshots";
const CHECK = "restic-check";

export interface ResticTarget {
  repository: string;
  passwordFile: string;
  host?: string;
  tag?: string;
}

export interface ResticSnapshot {
  id: string;
  /** Snapshot time, epoch seconds. */
  time: number;
  hostname: string;
  paths: string[];
  tags: string[];
}

export type ResticSetup = { ok: true } | { ok: false; why: string };

export interface ResticSnapshots {
  now: number;
  /** restic installed and the password file readable; else why not. */
  setup: ResticSetup;
  /** restic's exit status (undefined when it did not run). */
  code?: number;
  /** restic's error lines when it failed. */
  error?: string;
  /** The newest snapshot of each host/path group restic printed, newest first. */
  snapshots: ResticSnapshot[];
}

export interface ResticCheck {
  setup: ResticSetup;
  code?: number;
  /** `no errors were found` was printed. */
  clean: boolean;
  /** Lines naming a problem (e.g. `pack …: does not exist`, `Fatal: repository contains errors`). */
  errors: string[];
  /** How many problem lines there were in all (only the first few are kept). */
  errorCount: number;
}

/**
 * Each restic command is bounded: restic retries a pack it cannot load with back-off (~45 s for one
 * missing tree pack), which would otherwise take the node's whole batch past its command timeout
 * and lose every other fact of the node. 124 = timed out.
 */
export const RESTIC_TIMEOUT_SEC = 20;

function base(t: ResticTarget): string {
  return `timeout ${RESTIC_TIMEOUT_SEC} restic -r ${shQuote(t.repository)} --password-file ${shQuote(t.passwordFile)} --no-lock --no-cache`;
}

/** Refuse to run restic when it cannot: not installed, or the password file cannot be read. */
function setup(t: ResticTarget): string {
  const f = shQuote(t.passwordFile);
  return [
    `command -v restic >/dev/null 2>&1 || { echo 'setup restic is not installed'; exit 0; }`,
    `[ -r ${f} ] || { echo "setup password file ${t.passwordFile.replace(/["`$\\]/g, "")} is not readable by $(id -un)"; exit 0; }`,
    `echo 'setup ok'`,
  ].join("\n");
}

export function resticSnapshots(t: ResticTarget): Probe<ResticSnapshots> {
  const filters = [t.host ? `--host ${shQuote(t.host)}` : "", t.tag ? `--tag ${shQuote(t.tag)}` : ""].filter(Boolean).join(" ");
  const command = [
    `echo "now $(date -u +%s)"`,
    setup(t),
    `${base(t)} snapshots --json --latest 1${filters ? ` ${filters}` : ""}; rc=$?; echo; echo "rc $rc"`,
  ].join("\n");
  return { name: SNAPSHOTS, command, parse: parseSnapshots, slow: true };
}

function parseSetup(line: string | undefined, probe: string): ResticSetup {
  const m = /^setup (.*)$/.exec(line ?? "");
  if (!m) throw new ProbeParseError(probe, `expected a "setup" line, got ${JSON.stringify(line)}`);
  return m[1] === "ok" ? { ok: true } : { ok: false, why: m[1]! };
}

/** restic's messages, without its progress lines. */
function errorLines(stderr: string): string {
  return stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !/^\[\d+:\d+\]/.test(l))
    .slice(0, 5)
    .join(" | ");
}

export function parseSnapshots({ stdout, stderr, code }: ProbeOutput): ResticSnapshots {
  if (code !== 0) throw new ProbeParseError(SNAPSHOTS, `exited ${code}: ${stderr.trim()}`);
  const lines = stdout.split("\n");
  const now = /^now (\d+)$/.exec(lines[0] ?? "");
  if (!now) throw new ProbeParseError(SNAPSHOTS, `first line is not "now <epoch>": ${JSON.stringify(lines[0])}`);
  const out: ResticSnapshots = { now: Number(now[1]), setup: parseSetup(lines[1], SNAPSHOTS), snapshots: [] };
  if (!out.setup.ok) return out;
  let rcAt = lines.length - 1;
  while (rcAt >= 0 && !/^rc \d+$/.test(lines[rcAt]!)) rcAt--;
  if (rcAt < 0) throw new ProbeParseError(SNAPSHOTS, "no exit status line (restic did not finish?)");
  out.code = Number(lines[rcAt]!.slice(3));
  const json = lines.slice(2, rcAt).join("\n").trim();
  if (out.code !== 0) {
    out.error = errorLines(stderr) || json.slice(0, 300) || `restic exited ${out.code}`;
    return out;
  }
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    throw new ProbeParseError(SNAPSHOTS, `not JSON: ${JSON.stringify(json.slice(0, 200))}`);
  }
  // restic 0.14 prints `null`... or `[]` for an empty repository, else an array of snapshots.
  if (data === null) return out;
  if (!Array.isArray(data)) throw new ProbeParseError(SNAPSHOTS, "expected a JSON array of snapshots");
  for (const s of data as Array<Record<string, unknown>>) {
    const t = typeof s.time === "string" ? Date.parse(s.time) : NaN;
    if (typeof s.id !== "string" || Number.isNaN(t)) throw new ProbeParseError(SNAPSHOTS, `snapshot without id or time: ${JSON.stringify(s).slice(0, 200)}`);
    out.snapshots.push({
      id: typeof s.short_id === "string" ? s.short_id : s.id.slice(0, 8),
      time: Math.floor(t / 1000),
      hostname: typeof s.hostname === "string" ? s.hostname : "",
      paths: Array.isArray(s.paths) ? s.paths.map(String) : [],
      tags: Array.isArray(s.tags) ? s.tags.map(String) : [],
    });
  }
  out.snapshots.sort((a, b) => b.time - a.time);
  return out;
}

export function resticCheck(t: ResticTarget): Probe<ResticCheck> {
  const command = [
    setup(t),
    // Progress lines ([0:00] …) and restic's status lines are dropped; the rest are problems.
    `out=$(${base(t)} check 2>&1); rc=$?`,
    `printf '%s\\n' "$out" | grep -q '^no errors were found' && echo clean`,
    `e=$(printf '%s\\n' "$out" | grep -v -E '^(\\[[0-9:]+\\]|using temporary cache|created new cache|load indexes|check all packs|check snapshots, trees and blobs|no errors were found|read all data)|returned error, retrying after' | grep -v '^[[:space:]]*$')`,
    `echo "errors $(printf '%s' "$e" | grep -c '')"`,
    `[ -z "$e" ] || printf '%s\\n' "$e" | head -n 20 | sed 's/^/error /'`,
    `echo "rc $rc"`,
  ].join("\n");
  return { name: CHECK, command, parse: parseCheck, slow: true };
}

export function parseCheck({ stdout, stderr, code }: ProbeOutput): ResticCheck {
  if (code !== 0) throw new ProbeParseError(CHECK, `exited ${code}: ${stderr.trim()}`);
  const lines = stdout.split("\n").filter((l) => l !== "");
  const out: ResticCheck = { setup: parseSetup(lines[0], CHECK), clean: false, errors: [], errorCount: 0 };
  if (!out.setup.ok) return out;
  for (const line of lines.slice(1)) {
    let m: RegExpExecArray | null;
    if (line === "clean") out.clean = true;
    else if ((m = /^errors (\d+)$/.exec(line))) out.errorCount = Number(m[1]);
    else if ((m = /^error (.*)$/.exec(line))) out.errors.push(m[1]!.trim());
    else if ((m = /^rc (\d+)$/.exec(line))) out.code = Number(m[1]);
    else throw new ProbeParseError(CHECK, `unexpected line ${JSON.stringify(line)}`);
  }
  if (out.code === undefined) throw new ProbeParseError(CHECK, "no exit status line (restic check did not finish?)");
  return out;
}

