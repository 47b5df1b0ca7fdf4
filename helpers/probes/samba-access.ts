// The SMB access matrix, probed live with the real smbclient on the storage node against its own
// smbd (§0 "strong segmentation at SMB layer", §5.3): for each declared share and each declared
// identity, what the identity can actually do. And the guest probe: anonymous and unknown-user
// logins against every share of the effective config.
//
// One smbclient run per step (a run with several commands interleaves its stdout and stderr, so a
// result could not be told apart from the next); each run is framed by `<marker>\tstep\t…` and
// `<marker>\trc\tN` lines. Results are judged by the NT_STATUS text smbclient prints, never by its
// exit code: a read-only identity's `put` exits 1 but a denied `mkdir`, `del` or `rename` exits 0.
//
// What runs, and why it is safe (captures in fixtures/captured/samba/):
// - Every identity: `ls` at the share root, and `get` of one existing file to /dev/null.
// - Read-only identity, only when write probes are on (the lab; live nodes with
//   --allow-writes; without it it attempts nothing that could write, and SHARE-001
//   judges it from the effective config): `put` of a new probe file and `mkdir` of a new probe folder (must be
//   denied; whatever an identity still manages to create is removed at once, as root), `rename`
//   of the sampled file to its own name (the open for DELETE access a rename needs; when allowed
//   it changes nothing), and `rmdir` of the sampled file's folder (a real delete attempt that
//   cannot succeed: the folder is not empty, so an identity allowed to delete gets
//   NT_STATUS_DIRECTORY_NOT_EMPTY instead of NT_STATUS_ACCESS_DENIED).
// - Read-write identity, only when write probes are on (the lab; live nodes with
//   --allow-writes): `put` of a uniquely named probe file (its server-side owner
//   `stat -c %u:%g` is noted, for IDENT-006), `rename` it, `del` it.
//   Every probe name is removed again as root, and a shell trap removes them on any exit.
// - Identity not listed on the share: `ls` must end in `tree connect failed: NT_STATUS_ACCESS_DENIED`.
//
// Passwords never appear in any argv on the node: they travel as the probe's input on the SSH
// channel's stdin (helpers/facts/batch.ts), are read into shell variables by `read` (a builtin),
// and handed to smbclient as $PASSWD in its environment (/proc/PID/environ: root only). The run
// redacts them from the evidence as known secrets (helpers/facts/run.ts).
//
// Speed: the shares are probed SMB_PARALLEL at a time (each share's steps in order; shares of
// one folder together), each block's lines buffered in the temp dir and printed in order.
import { shQuote } from "../transport/shell.ts";
import { declaredAccess, resolvePassword, type SharesDecl } from "../inventory/sections/shares.ts";
import { ProbeParseError, type Probe, type ProbeOutput, type WriteSwitch } from "./types.ts";

export type Expectation = "ro" | "rw" | "none";

export interface AccessPlan {
  /** Host smbclient connects to (the node's own smbd). */
  host: string;
  /** Unique per run: probe file names and output markers. */
  nonce: string;
  /** Mutating write probes on read-write pairs are allowed. */
  writes: boolean;
  /** Why write probes are off (evidence and findings say so). */
  writesOff?: string;
  shares: Array<{
    name: string;
    /** Declared path: shares exporting the same folder are probed one after another. */
    path?: string;
    identities: Array<{ name: string; expect: Expectation; password: { ok: true; value: string } | { ok: false; why: string } }>;
  }>;
}

export interface SmbResult {
  ok: boolean;
  /** First NT_STATUS_… smbclient printed; absent when it printed none. */
  status?: string;
  /** Where it stopped: before login, at login, at the tree connect, or at the operation itself. */
  at?: "connect" | "login" | "tree connect" | "operation";
}

export interface SmbStep extends SmbResult {
  share: string;
  /** Identity, or "-" for an anonymous (-N) login. */
  identity: string;
  step: string;
  /** smbclient's output (stdout and stderr). */
  output: string;
  rc: number | null;
  /** Observations of the probe around the step (e.g. created: yes, removed: yes). */
  notes: Record<string, string>;
}

export interface AccessMatrix {
  steps: SmbStep[];
  /** Share-level and skip notes: share → identity → step → key → value. */
  notes: Array<{ share: string; identity: string; step: string; key: string; value: string }>;
}

export const SAMBA_ACCESS = "samba-access";
export const SAMBA_GUEST = "samba-guest";

const marker = (nonce: string) => `@@smb-${nonce}`;

/** Shell helpers both probes use: framing, a smbclient run per step, notes. */
function prelude(nonce: string, host: string): string[] {
  return [
    `command -v smbclient >/dev/null 2>&1 || { echo 'smbclient is not installed on this node' >&2; exit 127; }`,
    `M='${marker(nonce)}' H=${shQuote(host)} W=''`,
    `note() { printf '%s\\tnote\\t%s\\t%s\\t%s\\t%s\\t%s\\n' "$M" "$1" "$2" "$3" "$4" "$5"; }`,
    // smb SHARE ID STEP COMMANDS: ID "-" logs in anonymously; otherwise the password is $W.
    `smb() { printf '%s\\tstep\\t%s\\t%s\\t%s\\n' "$M" "$1" "$2" "$3"; if [ "$2" = - ]; then smbclient "//$H/$1" -N -t 10 -c "$4" </dev/null 2>&1; else PASSWD="$W" smbclient "//$H/$1" -U "$2" -t 10 -c "$4" </dev/null 2>&1; fi; printf '\\n%s\\trc\\t%s\\n' "$M" "$?"; }`,
  ];
}

/** One argument of smbclient's -c (commands split at ";", arguments in double quotes), written
 * inside a double-quoted shell string: the shell expands $f etc., smbclient sees the quotes. */
const smbArg = (s: string) => `\\"${s}\\"`;

/** Share blocks run at once (each its own smbclient sessions, one after another within it). */
export const SMB_PARALLEL = 4;

export function sambaAccess(plan: AccessPlan): Probe<AccessMatrix> {
  const N = `.hlc-probe-${plan.nonce}`;
  const lines = [
    ...prelude(plan.nonce, plan.host),
    `N='${N}' p='' f=''`,
    `umask 077`,
    `T=$(mktemp -d /tmp/hlc-smb.XXXXXX) || exit 1`,
    // Whatever happens: every probe name under every share path (each block notes its path in
    // $T/p.K before it writes anything), then the temp dir.
    `cleanup() { cat "$T"/p.* 2>/dev/null | while IFS= read -r d; do [ -n "$d" ] && rm -rf -- "$d/$N"*; done; rm -rf -- "$T"; }`,
    `trap cleanup EXIT; trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM`,
    `printf 'hlc-conformance write probe, safe to delete\\n' >"$T/probe"`,
    // An existing file to read, relative to the share: one in a folder if any (its folder is the
    // rmdir target), without characters smbclient's -c cannot quote.
    `sample() { [ -n "$1" ] && [ -d "$1" ] || return 0; for depth in 2 1; do find "$1" -mindepth $depth -type f ! -name '.*' 2>/dev/null | head -n 50 | while IFS= read -r x; do case "$x" in *'"'*|*';'*|*'\\'*) continue;; esac; [ -f "$x" ] || continue; printf '%s\\n' "\${x#"$1"/}"; break; done | grep . && return 0; done; return 0; }`,
    // made SHARE ID STEP NAME: did the step create NAME? Remove it as root at once, and say so.
    `made() { if [ -n "$p" ] && [ -e "$p/$4" ]; then note "$1" "$2" "$3" created yes; rm -rf -- "$p/$4"; if [ -e "$p/$4" ]; then note "$1" "$2" "$3" removed no; else note "$1" "$2" "$3" removed yes; fi; else note "$1" "$2" "$3" created no; fi; }`,
    `there() { if [ -n "$p" ] && [ -e "$p/$1" ]; then echo yes; else echo no; fi; }`,
  ];
  // Passwords come on stdin, one a line, in the order of first use: read into variables (a
  // builtin, no argv), handed to smbclient as $PASSWD in its environment (readable by root only).
  const withPw = new Map<string, string>();
  const input: string[] = [];
  for (const s of plan.shares) {
    for (const id of s.identities) {
      if (!id.password.ok || withPw.has(id.name)) continue;
      const v = `W_${withPw.size + 1}`;
      withPw.set(id.name, v);
      input.push(id.password.value);
      lines.push(`IFS= read -r ${v} || :`);
    }
  }
  // Shares exporting the same folder share a block (their probes would race on its files); the
  // blocks run SMB_PARALLEL at a time, each writing its lines to a file printed in order after.
  const groups = new Map<string, AccessPlan["shares"]>();
  plan.shares.forEach((s, i) => {
    const key = s.path ?? `#${i}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  });
  let k = 0;
  let g = 0;
  for (const group of groups.values()) {
    const block: string[] = [];
    for (const s of group) {
      const S = shQuote(s.name);
      block.push(
        `p=$(testparm -s --section-name=${S} --parameter-name=path 2>/dev/null); p=\${p%/}`,
        // Only a run that writes notes the share's path for the cleanup: without write probes
        // nothing under a share is ever removed (nor attempted: issue 21).
        ...(plan.writes ? [`[ -n "$p" ] && printf '%s\\n' "$p" >>"$T/p.${g}"`] : []),
        `f=$(sample "$p" | head -n 1)`,
        `note ${S} - share path "$p"`,
        `note ${S} - share sample "$f"`,
      );
      for (const id of s.identities) {
        const I = shQuote(id.name);
        if (!id.password.ok) {
          block.push(`note ${S} ${I} all skipped ${shQuote(`no password: ${id.password.why}`)}`);
          continue;
        }
        block.push(`W="$${withPw.get(id.name)}"`);
        block.push(`smb ${S} ${I} list 'ls'`);
        if (id.expect === "none") continue;
        block.push(`if [ -n "$f" ]; then smb ${S} ${I} read "get ${smbArg("$f")} /dev/null"; else note ${S} ${I} read skipped 'no file under the share to read'; fi`);
        const name = `$N-${++k}`;
        if (id.expect === "ro" && !plan.writes) {
          // Read-only by construction (issue 21): without write probes a read-only identity
          // attempts no put, mkdir, rename or delete; SHARE-001 judges it from Samba's effective
          // configuration (samba-config, samba-shares) instead, and says so.
          block.push(`note ${S} ${I} write skipped ${shQuote(plan.writesOff ?? "write probes are off")}`);
        } else if (id.expect === "ro") {
          block.push(
            `smb ${S} ${I} put "put ${smbArg("$T/probe")} ${smbArg(name)}"; made ${S} ${I} put "${name}"`,
            `smb ${S} ${I} mkdir "mkdir ${smbArg(`${name}.d`)}"; made ${S} ${I} mkdir "${name}.d"`,
            `if [ -n "$f" ]; then smb ${S} ${I} rename "rename ${smbArg("$f")} ${smbArg("$f")}"; else note ${S} ${I} rename skipped 'no file under the share to rename'; fi`,
            `case "$f" in */*) smb ${S} ${I} delete "rmdir ${smbArg("${f%/*}")}" ;; *) note ${S} ${I} delete skipped 'no non-empty folder under the share' ;; esac`,
          );
        } else if (plan.writes) {
          block.push(
            `smb ${S} ${I} put "put ${smbArg("$T/probe")} ${smbArg(name)}"; note ${S} ${I} put created "$(there "${name}")"`,
            // The server-side owner of what the identity created (IDENT-006): what consumers see.
            `if [ -n "$p" ] && [ -e "$p/${name}" ]; then note ${S} ${I} put owner "$(stat -c '%u:%g' -- "$p/${name}" 2>/dev/null)"; fi`,
            `smb ${S} ${I} rename "rename ${smbArg(name)} ${smbArg(`${name}.renamed`)}"; note ${S} ${I} rename created "$(there "${name}.renamed")"`,
            `smb ${S} ${I} delete "del ${smbArg(`${name}.renamed`)}"; note ${S} ${I} delete gone "$(if [ "$(there "${name}.renamed")" = no ]; then echo yes; else echo no; fi)"`,
            `if [ -n "$p" ]; then rm -rf -- "$p/${name}" "$p/${name}.renamed"; fi; note ${S} ${I} write left "$(if [ "$(there "${name}")$(there "${name}.renamed")" = nono ]; then echo no; else echo yes; fi)"`,
          );
        } else {
          block.push(`note ${S} ${I} write skipped ${shQuote(plan.writesOff ?? "write probes are off")}`);
        }
      }
    }
    lines.push(`( trap - EXIT HUP INT TERM`, ...block, `) >"$T/out.${g}" 2>&1 </dev/null &`);
    if (++g % SMB_PARALLEL === 0) lines.push("wait");
  }
  lines.push("wait");
  for (let i = 0; i < g; i++) lines.push(`cat "$T/out.${i}"`);
  lines.push("exit 0");
  return {
    name: SAMBA_ACCESS,
    command: lines.join("\n"),
    input: input.length ? `${input.join("\n")}\n` : undefined,
    parse: (o) => parseSmbSteps(SAMBA_ACCESS, plan.nonce, o),
    slow: true,
    ...(plan.writes ? { writes: true } : {}),
  };
}

/**
 * Anonymous (`-N`) and unknown-user logins against every share of the effective config (declared
 * or not): with guest access off, each must be refused. The unknown user catches `map to guest =
 * bad user`, which turns any misspelt name into the guest.
 */
export function sambaGuest(host: string, nonce: string): Probe<AccessMatrix> {
  const unknown = `hlc-no-such-user-${nonce}`;
  const lines = [
    ...prelude(nonce, host),
    `W='not-a-secret-${nonce}'`,
    `shares=$(testparm -s 2>/dev/null | sed -n 's/^\\[\\(.*\\)\\]$/\\1/p') || exit 1`,
    // Shares SMB_PARALLEL at a time (each share's two logins in order), each block's lines
    // buffered in a private temp dir and printed in order: on a busy storage node the guest
    // probe then costs two smbclient sessions per wave, not two per share one after another.
    `T=$(mktemp -d /tmp/hlc-smbg.XXXXXX) || exit 1; trap 'rm -rf -- "$T"' EXIT; trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM`,
    `printf '%s\\n' "$shares" | { i=0; while IFS= read -r s; do`,
    `  [ -z "$s" ] || [ "$s" = global ] && continue`,
    `  i=$((i+1)); ( trap - EXIT HUP INT TERM; smb "$s" - anonymous 'ls'; smb "$s" '${unknown}' unknown-user 'ls' ) >"$T/$i" 2>&1 </dev/null &`,
    `  [ $((i % ${SMB_PARALLEL})) -eq 0 ] && wait`,
    `done; wait; n=1; while [ -e "$T/$n" ]; do cat "$T/$n"; n=$((n+1)); done; }`,
    `exit 0`,
  ];
  return { name: SAMBA_GUEST, command: lines.join("\n"), parse: (o) => parseSmbSteps(SAMBA_GUEST, nonce, o), slow: true };
}

/** Where smbclient stopped, from what it printed. */
export function classify(output: string): SmbResult {
  const at = (re: RegExp, where: SmbResult["at"]): SmbResult | undefined => {
    const m = re.exec(output);
    return m ? { ok: false, status: m[1]!, at: where } : undefined;
  };
  return (
    at(/do_connect: Connection to .* failed \(Error (NT_STATUS_[A-Z0-9_]+)\)/, "connect") ??
    at(/session setup failed: (NT_STATUS_[A-Z0-9_]+)/, "login") ??
    at(/tree connect failed: (NT_STATUS_[A-Z0-9_]+)/, "tree connect") ??
    at(/\b(NT_STATUS_[A-Z0-9_]+)/, "operation") ??
    { ok: true }
  );
}

export function parseSmbSteps(probe: string, nonce: string, { stdout, stderr, code }: ProbeOutput): AccessMatrix {
  const mark = `${marker(nonce)}\t`;
  if (!stdout.includes(mark)) {
    throw new ProbeParseError(probe, `no smbclient results (exit ${code}): ${(stderr || stdout).trim().split("\n").slice(-3).join(" / ")}`);
  }
  const steps: SmbStep[] = [];
  const notes: AccessMatrix["notes"] = [];
  let current: { step: SmbStep; lines: string[] } | undefined;
  const close = (rc: number | null) => {
    if (!current) return;
    const output = current.lines.join("\n").replace(/\n+$/, "");
    Object.assign(current.step, { output, rc }, classify(output));
    steps.push(current.step);
    current = undefined;
  };
  for (const line of stdout.split("\n")) {
    if (!line.startsWith(mark)) {
      current?.lines.push(line);
      continue;
    }
    const [, kind, ...f] = line.split("\t");
    if (kind === "step" && f.length >= 3) {
      close(null);
      current = { step: { share: f[0]!, identity: f[1]!, step: f[2]!, output: "", rc: null, ok: false, notes: {} }, lines: [] };
    } else if (kind === "rc" && f.length === 1 && /^\d+$/.test(f[0]!)) {
      close(Number(f[0]));
    } else if (kind === "note" && f.length >= 5) {
      const [share, identity, step, key, ...value] = f as [string, string, string, string, ...string[]];
      notes.push({ share, identity, step, key, value: value.join("\t") });
      // A note about a step that already ran belongs to it (created, removed, ...).
      const last = [...steps].reverse().find((s) => s.share === share && s.identity === identity && s.step === step);
      if (last) last.notes[key] = value.join("\t");
    } else {
      throw new ProbeParseError(probe, `unreadable marker line ${JSON.stringify(line)}`);
    }
  }
  close(null); // a step whose rc never came: the probe was killed mid-way
  return { steps, notes };
}

/** The last run of a step (share, identity, step), if it ran. */
export function findStep(m: AccessMatrix, share: string, identity: string, step: string): SmbStep | undefined {
  return [...m.steps].reverse().find((s) => s.share === share && s.identity === identity && s.step === step);
}

/** A note of the probe: share-level (identity "-") or why a step was skipped. */
export function findNote(m: AccessMatrix, share: string, identity: string, step: string, key: string): string | undefined {
  return [...m.notes].reverse().find((n) => n.share === share && n.identity === identity && n.step === step && n.key === key)?.value;
}

/** Statuses that mean "refused by permission" (Samba answers a read-only share with either). */
export const DENIED = new Set(["NT_STATUS_ACCESS_DENIED", "NT_STATUS_MEDIA_WRITE_PROTECTED"]);

/** What a step's failure means, in an operator's words. */
export function describeFailure(r: SmbResult & { rc?: number | null; output?: string }, what: string): string {
  if (r.ok) return `${what} succeeded`;
  switch (r.at) {
    case "connect":
      return `cannot connect to smbd (${r.status})`;
    case "login":
      return `login refused (${r.status})`;
    case "tree connect":
      return `tree connect refused (${r.status})`;
    case "operation":
      return `${what} failed (${r.status})`;
    default: {
      const last = (r.output ?? "").trim().split("\n").pop() ?? "";
      return r.rc === null ? `${what} did not finish (the probe stopped)` : `${what} failed without an NT_STATUS (exit ${r.rc}${last ? `: ${last}` : ""})`;
    }
  }
}

export const WRITE_PROBES_OFF = "write probes are off on live nodes (run with --allow-writes to try them): read-write access judged from the effective config only";
const WRITE_PROBES_OPTED_OUT = "write probes are off for this run (no --allow-writes): read-write access judged from the effective config only";

/** The access matrix to probe: every declared share × every declared identity (listed or not). */
export function accessPlan(decl: SharesDecl, nonce: string, writes: WriteSwitch, env: NodeJS.ProcessEnv = process.env): AccessPlan {
  const passwords = new Map(decl.identities.map((i) => [i.name, resolvePassword(i.password, env)]));
  const noSource = (name: string) => ({ ok: false as const, why: `${name} is not declared under shares.identities` });
  return {
    host: decl.smbHost,
    nonce,
    writes: writes.allowed,
    ...(writes.allowed ? {} : { writesOff: writes.optedOut ? WRITE_PROBES_OPTED_OUT : WRITE_PROBES_OFF }),
    shares: decl.exports.map((s) => {
      // Listed identities first (in declaration order), then every other declared identity.
      const names = [...new Set([...s.rw, ...s.ro, ...decl.identities.map((i) => i.name)])];
      return {
        name: s.name,
        path: s.path,
        identities: names.map((name) => ({ name, expect: declaredAccess(s, name) ?? "none", password: passwords.get(name) ?? noSource(name) })),
      };
    }),
  };
}
