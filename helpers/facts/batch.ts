// Many probes, one round trip: the probes' commands run one after another in a single shell on
// the node, each framed by markers on stdout and stderr, and are split apart again here.
//
// The framing cannot be forged by what a probe prints: every line a command writes passes
// through a filter on the node that prefixes it with "|" (and cuts it at OUTPUT_CAP bytes), so
// only the batch shell itself can write a line that starts with a marker. A node that prints
// marker-like lines (a guessed nonce, a stale one, or the real one read from the batch script)
// gets them back as the probe's own output. A line inside a frame without the prefix means
// something wrote to the session behind the filter's back: the whole batch is then refused.
//
// The filter is one awk per stream (issue #25: fork and exec are a probe's main cost on the node;
// `head -c | sed -u` was two processes per stream). awk cannot tell whether the last line ended
// in a newline (POSIX awk has no RT), so the batch shell writes one newline of its own after the
// command: awk then sees the output plus "\n", its records joined by "\n" are exactly what the
// command printed ("abc" -> ["abc"], "abc\n" -> ["abc", ""], "" -> [""]), and every record ends
// in the newline awk's print adds.
import { randomBytes } from "node:crypto";
import type { ProbeOutput } from "../probes/types.ts";

/** Bytes kept of each probe's stdout and of its stderr; more is cut on the node and said so. */
export const OUTPUT_CAP = 4 * 1024 * 1024;

export interface BatchScript {
  script: string;
  nonce: string;
  /** What the batch reads on its stdin (each command's `input`, one base64 line each), or "". */
  stdin: string;
}

export interface BatchCommand {
  command: string;
  /** Handed to the command on its stdin (never in any argv on the node): secrets. */
  input?: string;
}

/**
 * Each command runs in its own subshell with stdin closed (or fed its own input), so one probe
 * cannot eat another's input. Its stdout and stderr each pass through one awk (the cap and the
 * prefix, flushed line by line so a command killed by the timeout keeps what it printed).
 */
export function buildBatch(commands: Array<string | BatchCommand>, nonce = randomBytes(6).toString("hex"), cap = OUTPUT_CAP): BatchScript {
  const mark = `@@HLC-${nonce}`;
  const cmds = commands.map((c) => (typeof c === "string" ? { command: c } : c));
  const head = [
    // fd 5: the session's stdout, for the stdout filter; fds 3-5 are closed for the command.
    `exec 5>&1`,
    // The filter: LC_ALL=C so length() counts bytes (gawk counts characters in a UTF-8 locale;
    // mawk always counts bytes). n is the body's length once this record is joined to it; past the
    // cap it prints just enough of the record for the body to be cap + 1 bytes (read as
    // truncated) and exits, as \`head -c\` did: the command then gets SIGPIPE. One difference:
    // awk reads a whole record before it cuts it, so a single line longer than the cap is read
    // whole on the node (in awk's memory there); what reaches the runner is capped all the same.
    `hlc_p='{ l = length($0); if (n + l > c) { print "|" substr($0, 1, c + 1 - n); exit } n += l + 1; print "|" $0; fflush() }'`,
    // A probe's own time on the node, from /proc/uptime (centiseconds) read with the shell's
    // \`read\` builtin: no process started for it. "-" where /proc/uptime cannot be read.
    // And its CPU on the node: the batch shell's cutime + cstime (proc(5) /proc/[pid]/stat fields
    // 16 and 17, the CPU of every descendant it has waited for: the probe's subshell, its commands
    // and its output filters; not the daemons it talks to), in clock ticks of USER_HZ = 100 (the
    // kernel's fixed unit for these fields on every Linux architecture but alpha). Read with
    // \`read\` too; the function's own positional parameters split it. "-" where it cannot be read.
    `hlc_cs() { hlc_c=- hlc_k=-; { IFS=' ' read -r hlc_u hlc_x </proc/uptime; } 2>/dev/null && case $hlc_u in [1-9]*.[0-9][0-9]) hlc_c="\${hlc_u%.*}\${hlc_u#*.}";; esac; { read -r hlc_s </proc/$$/stat; } 2>/dev/null || return 0; hlc_s=\${hlc_s##*) }; set -- $hlc_s; [ $# -ge 15 ] && case "\${14}\${15}" in *[!0-9]*) ;; *) hlc_k=$(( \${14} + \${15} ));; esac; return 0; }`,
  ];
  const parts = cmds.map(({ command, input }, i) => {
    const src = input === undefined ? `</dev/null` : "";
    const feed = input === undefined ? "" : `IFS= read -r hlc_in || hlc_in=''; printf '%s\\n' "$hlc_in" | base64 -d 2>/dev/null | `;
    return (
      `printf '%s\\n' '${mark} BEGIN ${i}'; printf '%s\\n' '${mark} BEGIN ${i}' >&2; hlc_cs; hlc_t0=$hlc_c hlc_k0=$hlc_k\n` +
      // After the command: its status to fd 4, then the newline that closes each stream for awk
      // (builtins; SIGPIPE ignored from here on, so a filter that stopped at the cap costs the
      // other stream nothing; set after the command, which must not inherit it).
      `hlc_rc=$( { { { ${feed}( ${command}\n) ${src} 3>&- 4>&- 5>&-; echo $? >&4; trap '' PIPE; echo; echo >&2; } 2>&1 1>&3 3>&- | LC_ALL=C awk -v c=${cap} "$hlc_p" >&2 3>&-; } 3>&1 | LC_ALL=C awk -v c=${cap} "$hlc_p" >&5; } 4>&1 )\n` +
      `hlc_cs; case "$hlc_t0$hlc_c" in *-*) hlc_ms=-;; *) hlc_ms=$(( (hlc_c - hlc_t0) * 10 ));; esac; case "$hlc_k0$hlc_k" in *-*) hlc_cpu=-;; *) hlc_cpu=$(( (hlc_k - hlc_k0) * 10 ));; esac\n` +
      `printf '%s %s %s %s\\n' '${mark} END ${i}' "$hlc_rc" "$hlc_ms" "$hlc_cpu"; printf '%s\\n' '${mark} END ${i}' >&2`
    );
  });
  const stdin = cmds
    .filter((c) => c.input !== undefined)
    .map((c) => `${Buffer.from(c.input!, "utf8").toString("base64")}\n`)
    .join("");
  // The batch's own trailer, written by the batch shell after the last frame: only a batch that
  // prints it AND ends with exit status 0 on the channel ran to its end (batchCompleted).
  const trailer = `printf '%s\\n' '${mark} DONE ${cmds.length}'; printf '%s\\n' '${mark} DONE ${cmds.length}' >&2\nexit 0`;
  return { script: [...head, ...parts, trailer].join("\n"), nonce, stdin };
}

interface Frame {
  body: string;
  code?: number;
  /** The probe's own time on the node (END's third field), when the node could tell. */
  nodeMs?: number;
  /** The CPU its processes used on the node (END's fourth field), when the node could tell. */
  nodeCpuMs?: number;
  /** The END marker came. */
  closed: boolean;
  truncated: boolean;
}

/** Why a batch's output was refused (a frame written around the filter). */
export class FramingError extends Error {}

/**
 * Read the frames of one stream. Before the first marker anything may come (a login shell's rc
 * files print there). After it, outside a frame only the batch shell writes; inside a frame every
 * line carries the filter's prefix. Anything else, or a frame seen twice or out of order, is a
 * forgery (strict on stdout; on stderr the shell's own errors between frames are let through).
 */
function frames(text: string, mark: string, stream: "stdout" | "stderr", cap: number): Map<number, Frame> {
  const found = new Map<number, Frame>();
  // END on stdout: exit status, then the probe's own milliseconds on the node and the CPU
  // milliseconds of its processes there ("-": unknown).
  const re = new RegExp(`^${mark} (BEGIN|END) (\\d+)(?: (\\d+)(?: (\\d+|-)(?: (\\d+|-))?)?)?$`);
  const done = new RegExp(`^${mark} DONE \\d+$`);
  const lines = text.split("\n");
  let open: { i: number; lines: string[] } | undefined;
  let seen = false;
  let next = 0;
  const forged = (why: string) => new FramingError(`the batch's ${stream} framing was broken (${why}): something wrote to the session around the probe filter, so no probe's output can be trusted`);
  const close = (code: number | undefined, closed: boolean, nodeMs?: number, nodeCpuMs?: number) => {
    const o = open!;
    // The lines between BEGIN and END are awk's records: joined by "\n", the command's output.
    let body = o.lines.map((l) => l.slice(1)).join("\n");
    let truncated = false;
    if (Buffer.byteLength(body, "utf8") > cap) {
      truncated = true;
      body = Buffer.from(body, "utf8").subarray(0, cap).toString("utf8");
    }
    found.set(o.i, { body, code, closed, truncated, ...(nodeMs !== undefined ? { nodeMs } : {}), ...(nodeCpuMs !== undefined ? { nodeCpuMs } : {}) });
    open = undefined;
  };
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    const m = re.exec(line);
    if (m) {
      const i = Number(m[2]);
      seen = true;
      if (m[1] === "BEGIN") {
        if (open) throw forged(`BEGIN ${i} inside frame ${open.i}`);
        if (i !== next || found.has(i)) throw forged(`BEGIN ${i} out of order`);
        open = { i, lines: [] };
        next = i + 1;
      } else {
        if (!open || open.i !== i) throw forged(`END ${i} outside its frame`);
        if ((stream === "stdout") !== (m[3] !== undefined)) throw forged(`END ${i} malformed`);
        const num = (v: string | undefined) => (v !== undefined && v !== "-" ? Number(v) : undefined);
        close(m[3] === undefined ? undefined : Number(m[3]), true, num(m[4]), num(m[5]));
      }
      continue;
    }
    if (open) {
      // The body's lines, each prefixed (awk ends every record with a newline, so END follows the
      // last one directly); the very last piece of a stream cut short may be anything the filter
      // had not finished.
      if (line.startsWith("|")) open.lines.push(line);
      else if (n < lines.length - 1) throw forged(`an unprefixed line inside frame ${open.i}`);
      else if (line !== "") open.lines.push(`|${line}`);
      continue;
    }
    if (!open && done.test(line)) continue; // the trailer (judged by batchCompleted)
    if (seen && line !== "" && stream === "stdout") throw forged("a line between frames");
  }
  if (open) close(undefined, false);
  return found;
}

/**
 * Split a batch's output back into one output per command. A command whose END marker never
 * came (the batch was killed) gets code null and whatever it printed. Throws FramingError when
 * the framing was forged.
 */
export function splitBatch(batch: BatchScript, count: number, stdout: string, stderr: string, cap = OUTPUT_CAP): ProbeOutput[] {
  const mark = `@@HLC-${batch.nonce}`;
  const outs = frames(stdout, mark, "stdout", cap);
  const errs = frames(stderr, mark, "stderr", cap);
  const results: ProbeOutput[] = [];
  for (let i = 0; i < count; i++) {
    const o = outs.get(i);
    const e = errs.get(i);
    const truncated = [...(o?.truncated ? ["stdout" as const] : []), ...(e?.truncated ? ["stderr" as const] : [])];
    results.push({
      stdout: o?.body ?? "",
      stderr: e?.body ?? "",
      code: o?.closed && o.code !== undefined ? o.code : null,
      ...(o?.nodeMs !== undefined ? { nodeMs: o.nodeMs } : {}),
      ...(o?.nodeCpuMs !== undefined ? { nodeCpuMs: o.nodeCpuMs } : {}),
      ...(truncated.length ? { truncated } : {}),
    });
  }
  return results;
}

/**
 * Whether a batch ran to its end: its channel's exit status is 0 (the batch shell's `exit 0`
 * after its last frame) AND its own trailer `DONE <count>` is the last line of stdout. A batch
 * shell killed on the node (a signal gives no exit status, or 137) or dying half-way has neither,
 * whatever frames came before: whatever killed it could have written them (issue 21, point 10).
 */
export function batchCompleted(batch: BatchScript, count: number, stdout: string, code: number | null): { ok: true } | { ok: false; why: string } {
  const last = stdout.split("\n").filter((l) => l !== "").at(-1) ?? "";
  const trailer = last === `@@HLC-${batch.nonce} DONE ${count}`;
  if (code === 0 && trailer) return { ok: true };
  const status = code === null ? "no exit status (killed by a signal)" : `exit status ${code}`;
  return { ok: false, why: `${status}${trailer ? "" : ", no trailer"}` };
}
