// Users and groups through NSS (`getent`), so LDAP/sssd accounts count as well as /etc files.
// One command prints both databases with a separator line; captures in fixtures/captured/probes/getent-*.txt.
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

export interface User {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface Group {
  name: string;
  gid: number;
  /** Supplementary members only; users whose primary gid is this group are not listed here. */
  members: string[];
}

export interface Accounts {
  users: User[];
  groups: Group[];
}

const NAME = "accounts";
export const GROUP_SEPARATOR = "--- hlc-probe: getent group ---";

export const accounts: Probe<Accounts> = {
  name: NAME,
  // "&&" so a failing getent shows in the exit status instead of an empty list.
  command: `getent passwd && echo '${GROUP_SEPARATOR}' && getent group`,
  parse: (output) => parseAccounts(output),
};

function parseAccounts({ stdout, stderr, code }: ProbeOutput): Accounts {
  if (code !== 0) throw new ProbeParseError(NAME, `getent exited ${code}: ${stderr.trim()}`);
  const lines = stdout.split("\n");
  const sep = lines.indexOf(GROUP_SEPARATOR);
  if (sep < 0) throw new ProbeParseError(NAME, "group separator line missing");
  const users = lines.slice(0, sep).filter((l) => l !== "").map(parseUser);
  const groups = lines.slice(sep + 1).filter((l) => l !== "").map(parseGroup);
  return { users, groups };
}

// name:password:uid:gid:gecos:home:shell; GECOS may hold commas/spaces but never ":".
function parseUser(line: string): User {
  const f = line.split(":");
  if (f.length !== 7 || f[0] === "") throw bad("passwd", line);
  return { name: f[0]!, uid: id(f[2]!, line), gid: id(f[3]!, line), home: f[5]!, shell: f[6]! };
}

// name:password:gid:member1,member2 (members empty when none).
function parseGroup(line: string): Group {
  const f = line.split(":");
  if (f.length !== 4 || f[0] === "") throw bad("group", line);
  return { name: f[0]!, gid: id(f[2]!, line), members: f[3] === "" ? [] : f[3]!.split(",") };
}

function id(text: string, line: string): number {
  if (!/^\d+$/.test(text)) throw new ProbeParseError(NAME, `non-numeric id ${JSON.stringify(text)} in ${JSON.stringify(line)}`);
  return Number(text);
}

function bad(db: string, line: string): ProbeParseError {
  return new ProbeParseError(NAME, `not a ${db} entry: ${JSON.stringify(line)}`);
}
