// Who the containers of a node run as (IDENT-005, §4.5 "verify container user/UID/GID
// alignment", §5.3): what the container asks for — `docker inspect` Config.User, and the PUID/PGID
// variables of images following the linuxserver.io convention (only those two are printed: the
// rest of Config.Env holds secrets) — and what its processes really run as: the real uid and gid
// of the main process (State.Pid) and of its descendants, read from /proc/PID/status on the node.
// Read-only. Works with Docker and with rootful podman (podman-docker), whose State.Pid is a pid of
// the node (with rootless podman or a user-namespaced container the uids seen are the node's, not
// the container's).
//
// Kept apart from the `containers` probe (CONT-001/002, BOOT-005, EXPOSE-003), whose fixed
// inspect format is shared: this one only adds what identity needs. Captures in
// fixtures/captured/containers/users-*.txt.
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

export interface ContainerProcess {
  pid: number;
  /** Real uid and gid (first field of the Uid:/Gid: lines), as the node sees them. */
  uid: number;
  gid: number;
  /** Name: line of /proc/PID/status (the command, cut at 15 characters). */
  command: string;
  main: boolean;
}

export interface ContainerUser {
  name: string;
  /** Config.User as inspect prints it ("" when the image's default applies, normally root). */
  configUser: string;
  /** PUID / PGID of Config.Env, when set. */
  puid?: string;
  pgid?: string;
  pid: number;
  /** The main process first, then its descendants; empty when it could not be read (it just exited). */
  processes: ContainerProcess[];
}

export const CONTAINER_USERS = "container-users";
const MARK = "@@hlc-cuser";
/** At most this many processes per container. */
export const MAX_PROCESSES = 40;

// One pass over every /proc/PID/status of the node (readable without ptrace rights, unlike
// /proc/PID/ns/*: a root without CAP_SYS_PTRACE cannot readlink another uid's namespaces): the main
// process, then its descendants by PPid, as "pid uid gid name main|child" lines.
const tree = (max: number) =>
  `awk -v root="$pid" -v m="$M" -v max=${max} '` +
  `/^Name:/ { n = $2 } /^Pid:/ { p = $2 } /^PPid:/ { pp = $2 } /^Uid:/ { u = $2 } ` +
  `/^Gid:/ { name[p] = n; par[p] = pp; uid[p] = u; gid[p] = $2 } ` +
  `END { if (!(root in uid)) exit; mine[root] = 1; printf "%s\\tproc\\t%s\\t%s\\t%s\\t%s\\tmain\\n", m, root, uid[root], gid[root], name[root]; k = 1; ` +
  `do { more = 0; for (q in par) if (!(q in mine) && (par[q] in mine)) { mine[q] = 1; more = 1; if (k < max) { k++; printf "%s\\tproc\\t%s\\t%s\\t%s\\t%s\\tchild\\n", m, q, uid[q], gid[q], name[q] } } } while (more) }'`;

export const containerUsers: Probe<ContainerUser[]> = {
  name: CONTAINER_USERS,
  command: [
    // Every container, not only the running ones: what a container asks for is read even while it
    // is between two runs of a restart loop (`docker ps -q` would leave it out, and a looping
    // container would look unread); its processes are read only when it has a main pid.
    `ids=$(docker ps -aq) || exit $?`,
    `[ -n "$ids" ] || exit 0`,
    `M='${MARK}'`,
    // One snapshot of every process, one inspect of every container (each docker call costs ~0.1 s
    // of CPU on the node: three per container made this probe the costliest but one). Per
    // container: a "C<pid> <json>" line, then "E<json string>" per Config.Env entry — JSON-quoted,
    // so a value holding a newline cannot pass for a line of its own. A container gone between
    // ps and inspect is left out (inspect prints the others and exits 1).
    `st=$(cat /proc/[0-9]*/status 2>/dev/null)`,
    `{ docker inspect --format 'C{{json .State.Pid}} {"Name":{{json .Name}},"Pid":{{json .State.Pid}},"User":{{json .Config.User}}}{{println}}{{range .Config.Env}}E{{json .}}{{println}}{{end}}' $ids 2>/dev/null; true; } | while IFS= read -r l; do`,
    `  case $l in`,
    `  C*) printf '%s\\tct\\t%s\\n' "$M" "\${l#* }"; pid=\${l%% *}; pid=\${pid#C}`,
    `    case $pid in '' | 0 | *[!0-9]*) ;; *) printf '%s\\n' "$st" | ${tree(MAX_PROCESSES)} ;; esac ;;`,
    // PUID/PGID only (the rest of Config.Env holds secrets), unquoted again.
    `  'E"PUID='* | 'E"PGID='*) l=\${l#E\\"}; printf '%s\\tenv\\t%s\\n' "$M" "\${l%\\"}" ;;`,
    `  esac`,
    `done`,
  ].join("\n"),
  parse: (o) => parseContainerUsers(o),
};

const bad = (msg: string) => new ProbeParseError(CONTAINER_USERS, msg);

export function parseContainerUsers({ stdout, stderr, code }: ProbeOutput): ContainerUser[] {
  if (code !== 0) throw bad(`exited ${code}: ${stderr.trim().split("\n").slice(-3).join(" / ")}`);
  const out: ContainerUser[] = [];
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    const [mark, kind, ...f] = line.split("\t");
    if (mark !== MARK) throw bad(`unrecognized line ${JSON.stringify(line)}`);
    const cur = out.at(-1);
    if (kind === "ct") {
      let j: unknown;
      try {
        j = JSON.parse(f.join("\t"));
      } catch (e) {
        throw bad(`not JSON (${(e as Error).message}): ${JSON.stringify(line.slice(0, 200))}`);
      }
      const o = j as { Name?: unknown; Pid?: unknown; User?: unknown };
      if (typeof o?.Name !== "string" || typeof o.Pid !== "number" || typeof o.User !== "string") throw bad(`malformed container line ${JSON.stringify(line)}`);
      out.push({ name: o.Name.replace(/^\//, ""), configUser: o.User, pid: o.Pid, processes: [] });
      continue;
    }
    if (!cur) throw bad(`result before any container: ${JSON.stringify(line)}`);
    if (kind === "env") {
      const m = /^(PUID|PGID)=(.*)$/.exec(f.join("\t"));
      if (!m) throw bad(`unreadable env line ${JSON.stringify(line)}`);
      if (m[1] === "PUID") cur.puid = m[2]!;
      else cur.pgid = m[2]!;
    } else if (kind === "proc") {
      const [pid, uid, gid, command, role] = f;
      if (![pid, uid, gid].every((x) => /^\d+$/.test(x ?? "")) || (role !== "main" && role !== "child")) throw bad(`unreadable process line ${JSON.stringify(line)}`);
      cur.processes.push({ pid: Number(pid), uid: Number(uid), gid: Number(gid), command: command ?? "", main: role === "main" });
    } else {
      throw bad(`unrecognized line ${JSON.stringify(line)}`);
    }
  }
  return out;
}
