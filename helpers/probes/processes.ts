// The processes a node runs, by the name the kernel keeps for each: /proc/<pid>/comm. The kernel
// sets comm at execve from the basename of the file executed (fs/exec.c begin_new_exec():
// __set_task_comm(me, kbasename(bprm->filename), true)), so `exec -a innocent cloudflared` still
// shows "cloudflared", and a script started as /usr/local/bin/frpc shows "frpc" (its interpreter
// is not what is named); only a process that renames itself (prctl PR_SET_NAME) can hide. comm is
// cut at 15 bytes (TASK_COMM_LEN 16). Containers' processes are the node's too: Docker and Podman
// run them in a PID namespace below the node's, so the node's /proc lists them.
//
// One `grep` reads every comm at once (no fork per process); the command line is then read only
// for the processes whose name matters (`wanted`), its NUL separators made US (0x1f, which no
// shell word typed by hand holds) so that the words keep their boundaries, cut at 512 bytes.
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
      ? `for f in /proc/[0-9]*/comm; do IFS= read -r c < "$f" 2>/dev/null || continue; case "$c" in ${names.join("|")}) p=\${f#/proc/}; p=\${p%/comm}; a=$(tr '\\0' '\\037' < "/proc/$p/cmdline" 2>/dev/null | head -c 512); printf 'A %s %s\\n' "$p" "$a";; esac; done`
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
  for (const line of lines) {
    let m: RegExpExecArray | null;
    if ((m = /^C (\d+) (.*)$/.exec(line))) byPid.set(Number(m[1]), { pid: Number(m[1]), comm: m[2]! });
    else if ((m = /^A (\d+) ?(.*)$/.exec(line))) {
      const p = byPid.get(Number(m[1]));
      if (p) p.argv = m[2]!.split("\x1f").filter((w, i, all) => w !== "" || i < all.length - 1);
    }
  }
  // A node always runs something (the probe's own shell at least): none means /proc was not read.
  if (byPid.size === 0) throw new ProbeParseError(NAME, "no process listed (is /proc mounted and readable?)");
  return { processes: [...byPid.values()] };
}
