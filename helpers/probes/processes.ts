// The processes a node runs, by the name the kernel keeps for each: /proc/<pid>/comm. The kernel
// sets comm at execve from the basename of the file executed (fs/exec.c begin_new_exec():
// __set_task_comm(me, kbasename(bprm->filename), true)), so `exec -a innocent cloudflared` still
// shows "cloudflared", and a script started as /usr/local/bin/frpc shows "frpc" (its interpreter
// is not what is named); only a process that renames itself (prctl PR_SET_NAME) can hide. comm is
// cut at 15 bytes (TASK_COMM_LEN 16). Containers' processes are the node's too: Docker and Podman
// run them in a PID namespace below the node's, so the node's /proc lists them.
//
// One `grep` reads every comm at once (no fork per process); the command line is then read only
// for the processes whose name matters (`wanted`), cut at 512 bytes, one word (argv element) per
// line: NULs become newlines (the gather refuses control characters in a probe's output, so no
// other separator byte will do); a word that itself holds a newline reads as two words.
// Captures: fixtures/captured/processes/.
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

const NAME = "processes";

export interface NodeProcess {
  pid: number;
  /** The kernel's name for it (/proc/<pid>/comm). */
  comm: string;
  /** Its command line, word by word (argv), read only for the names asked for. */
  argv?: string[];
}

export interface Processes {
  processes: NodeProcess[];
}

/** `wanted`: the comm names whose command lines are read too. */
export function processesProbe(wanted: readonly string[]): Probe<Processes> {
  const names = wanted.filter((n) => /^[A-Za-z0-9._+-]{1,15}$/.test(n));
  const command = [
    // -s: a process that ended between the glob and the read is skipped, not an error.
    `grep -s -H '' /proc/[0-9]*/comm | sed -n 's#^/proc/\\([0-9]*\\)/comm:#C \\1 #p'`,
    names.length
      ? `for f in /proc/[0-9]*/comm; do IFS= read -r c < "$f" 2>/dev/null || continue; case "$c" in ${names.join("|")}) p=\${f#/proc/}; p=\${p%/comm}; echo "A $p"; head -c 512 "/proc/$p/cmdline" 2>/dev/null | tr '\\0' '\\n' | sed 's/^/a /';; esac; done`
      : ":",
    "echo end",
  ].join("\n");
  return { name: NAME, command, parse: parseProcesses };
}

export function parseProcesses({ stdout, stderr, code }: ProbeOutput): Processes {
  if (code !== 0) throw new ProbeParseError(NAME, `exited ${code}: ${stderr.trim()}`);
  const lines = stdout.split("\n");
  if (!lines.includes("end")) throw new ProbeParseError(NAME, "no end line: the process list was cut short");
  const byPid = new Map<number, NodeProcess>();
  let current: NodeProcess | undefined;
  for (const line of lines) {
    let m: RegExpExecArray | null;
    if ((m = /^C (\d+) (.*)$/.exec(line))) byPid.set(Number(m[1]), { pid: Number(m[1]), comm: m[2]! });
    else if ((m = /^A (\d+)$/.exec(line))) {
      // A process that ended between the two reads has no words: its command line stays unread.
      current = byPid.get(Number(m[1]));
    } else if (current && line.startsWith("a ")) (current.argv ??= []).push(line.slice(2));
  }
  // A node always runs something (the probe's own shell at least): none means /proc was not read.
  if (byPid.size === 0) throw new ProbeParseError(NAME, "no process listed (is /proc mounted and readable?)");
  return { processes: [...byPid.values()] };
}
