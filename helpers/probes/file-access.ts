// A file judged as its reader opens it (issue 21, "a file is judged as its reader opens it").
//
// open(2) follows symbolic links (path_resolution(7): every symlink met while resolving a path is
// followed, the last component too unless O_NOFOLLOW), so mount.cifs's fopen() of a credentials
// file, SnapRAID's of its conf, restic's of its password file read the file at the END of the
// links: its owner and mode are what protect the secret, the link's own bits (always 0777 on
// Linux, symlink(7): "the permissions of a symbolic link are not used") mean nothing. And anyone
// who may write a directory on the path may replace the file under the reader's feet (rename(2)
// into that directory; sticky bit aside), so every directory from / down to the file counts too.
//
// The probe side is one POSIX sh snippet run on the node for a path in a shell variable; it prints
//   S <owner> <group> <mode> <type>     stat -L: the file really read (after every link)
//   L <real path>                       when the path named is (or passes through) a symlink
//   D <owner> <group> <mode> <dir>      each directory on the real path, from its parent up to /
// or `missing` (nothing there, or a dangling link: `L` says where it points), or
//   E <stat's error>                    the path cannot be looked at (a directory on the way the
//                                       probe's user may not search): not read, never "missing".
/** What is wrong, as the judge's Finding has it (helpers/spec/message.ts; probes sit below the judge). */
export interface FileFinding {
  subject: string;
  expected: string;
  actual: string;
}

export interface DirAccess {
  path: string;
  owner: string;
  group: string;
  /** Octal as stat prints it, e.g. "755", "1777". */
  mode: string;
}

export interface FileAccess {
  /** The path as named (by the inventory, fstab, a unit). */
  path: string;
  exists: boolean;
  /** Owner, group, mode and kind of the file really read (`stat -L`). */
  owner?: string;
  group?: string;
  mode?: string;
  kind?: string;
  /** Where the links lead (readlink -f), when the named path is not the real one. */
  real?: string;
  /** The directories on the real path, nearest first. Absent from captures of older probes. */
  dirs?: DirAccess[];
}

/**
 * The sh snippet for the path in "$VAR": prints the lines above. `readlink -f` and `stat -L` are
 * coreutils (Debian's, the nodes' own); a dangling link prints `missing` and its `L` target.
 *
 * The directories on the path are worked out with the shell's own expansions, as POSIX
 * dirname(1) does (trailing slashes dropped, then the last component, then trailing slashes
 * again; nothing left is `/`, no slash at all is `.`), and handed to ONE stat: a probe that looks
 * at a dozen files forks two programs a file instead of two a directory (dirname and stat each,
 * ~5 ms a fork on a busy node). stat goes on past a directory it cannot stat, as the loop of
 * separate stats did (errors are dropped either way). It replaces the positional parameters.
 */
export function fileAccessScript(v: string): string {
  return (
    `r=$(readlink -f -- "$${v}" 2>/dev/null || printf '%s' "$${v}"); ` +
    `if [ "$r" != "$${v}" ]; then printf 'L %s\\n' "$r"; fi; ` +
    `if [ -e "$${v}" ]; then stat -L -c 'S %U %G %a %F' -- "$${v}"; ` +
    `d=$r; set --; while :; do ` +
    `case $d in *[!/]*) while [ "\${d%/}" != "$d" ]; do d=\${d%/}; done ;; *) d=/ ;; esac; ` +
    `case $d in /) ;; */*) d=\${d%/*}; while [ "\${d%/}" != "$d" ]; do d=\${d%/}; done; d=\${d:-/} ;; *) d=. ;; esac; ` +
    `set -- "$@" "$d"; case $d in /|.) break ;; esac; done; ` +
    `stat -c 'D %U %G %a %n' -- "$@" 2>/dev/null; ` +
    // Not there, or not visible: stat -L says which (ENOENT/ENOTDIR: missing; EACCES and the rest: E).
    `else e=$(LC_ALL=C stat -L -c %F -- "$${v}" 2>&1 >/dev/null); case $e in *'No such file or directory'*|*'Not a directory'*) echo missing ;; *) printf 'E %s\\n' "$(printf '%s' "\${e:-stat -L failed}" | head -n 1)" ;; esac; fi`
  );
}

/** Reads the lines of fileAccessScript (and of older probes: one `owner group mode` line). */
export function parseFileAccess(path: string, lines: string[]): { access: FileAccess; rest: string[]; error?: string } {
  const access: FileAccess = { path, exists: false };
  const rest: string[] = [];
  let error: string | undefined;
  let sawStat = false;
  let unread: string | undefined;
  for (const line of lines) {
    let m: RegExpExecArray | null;
    if (line === "missing") access.exists = false;
    else if ((m = /^E (.*)$/.exec(line))) unread = m[1]!;
    else if ((m = /^L (\/.*)$/.exec(line))) access.real = m[1]!;
    else if ((m = /^S (\S+) (\S+) ([0-7]{3,4}) (.+)$/.exec(line))) {
      Object.assign(access, { exists: true, owner: m[1]!, group: m[2]!, mode: m[3]!, kind: m[4]! });
      sawStat = true;
    } else if ((m = /^D (\S+) (\S+) ([0-7]{3,4}) (\/.*)$/.exec(line))) (access.dirs ??= []).push({ owner: m[1]!, group: m[2]!, mode: m[3]!, path: m[4]! });
    else if (!sawStat && !access.exists && rest.length === 0 && (m = /^(\S+) (\S+) ([0-7]{3,4})$/.exec(line))) {
      // the older probe's `stat -c '%U %G %a'` (captures taken before the S/L/D lines)
      Object.assign(access, { exists: true, owner: m[1]!, group: m[2]!, mode: m[3]! });
      sawStat = true;
    } else rest.push(line);
  }
  if (lines.includes("missing") && sawStat) error = "both a stat line and `missing`";
  if (!lines.includes("missing") && !sawStat) error = `no stat line (${JSON.stringify(lines[0] ?? "")})`;
  // The node could not look at it: unknown, neither there nor missing.
  if (unread !== undefined) error = `cannot be looked at by the probe's user: ${unread}`;
  return { access, rest, ...(error ? { error } : {}) };
}

const octal = (mode: string) => parseInt(mode, 8);
const show = (mode: number) => `0${(mode & 0o7777).toString(8).padStart(3, "0")}`;

/** What a secret file (or folder) must be, as its reader opens it. */
export interface SecretRule {
  /** Who may own it: root (default), or the service that writes it; root may always. */
  owner?: string | string[];
  /** Bits it may have: default 0600 for a file (no group/other bits), 0755 for a folder (no group/other write). */
  allowed?: number;
  /** A regular file (default) or a folder. */
  kind?: "file" | "directory";
  /**
   * The service's own folder, as a real path: folders at or below it may belong to an `owner` too
   * (the service writes there); every folder above it belongs to root. Default: none, root only.
   */
  ownedBelow?: string;
}

const within = (path: string, top: string) => top === "/" || path === top || path.startsWith(top.endsWith("/") ? top : top + "/");

/**
 * Findings for a secret file judged as its reader opens it: the file really read must be a regular
 * file (or, `kind: "directory"`, a folder) owned by root or a declared `owner`, with no bits outside
 * `allowed` (default 0600: no group/other bits; a folder 0755: no group/other write), and no
 * directory on its path may be writable by anyone but root (a world- or group-writable directory,
 * or one owned by another user, lets them swap the file) — save the service's own folder
 * (`ownedBelow`), which its owner may hold. Sticky bit (inode(7), S_ISVTX; rename(2)/unlink(2):
 * EPERM): in a sticky directory only the entry's owner, the directory's owner and root may remove
 * or replace an entry, so a world- or group-writable sticky directory (/tmp) is no finding when
 * the entry on the path below it belongs to root or a declared owner. A dangling link is a missing
 * file. The link, if any, is named, never judged.
 */
export function judgeSecretFile(subject: string, fa: FileAccess | undefined, opts: SecretRule = {}): FileFinding[] {
  const owners = ["root", ...[opts.owner ?? []].flat()].filter((o, i, a) => a.indexOf(o) === i);
  const ownerText = owners.join(" or ");
  const dir = opts.kind === "directory";
  const allowed = opts.allowed ?? (dir ? 0o755 : 0o600);
  const what = dir ? "a directory" : "a file";
  if (!fa || !fa.exists) return [{ subject, expected: what, actual: fa?.real ? `missing (a dangling symlink to ${fa.real})` : "missing" }];
  const via = fa.real ? ` (the ${dir ? "directory" : "file"} read through the symlink: ${fa.real})` : "";
  const findings: FileFinding[] = [];
  const kindOk = dir ? fa.kind === undefined || fa.kind === "directory" : fa.kind === undefined || fa.kind === "regular file" || fa.kind === "regular empty file";
  if (!kindOk) findings.push({ subject: `${subject} type`, expected: dir ? "a directory" : "a regular file", actual: `${fa.kind}${via}` });
  if (!owners.includes(fa.owner!)) findings.push({ subject: `${subject} owner`, expected: ownerText, actual: `${fa.owner}:${fa.group}${via}` });
  const mode = octal(fa.mode!);
  if ((mode & ~allowed & 0o7777) !== 0) findings.push({ subject: `${subject} mode`, expected: `${show(allowed)} (${dir ? "no group/other write" : "no group/other bits"})`, actual: `${show(mode)}${via}` });
  const dirs = fa.dirs ?? [];
  dirs.forEach((d, i) => {
    const m = octal(d.mode);
    // The entry on the path right below this directory: the next one down, or the file itself.
    const below = i === 0 ? fa.owner! : dirs[i - 1]!.owner;
    const mayOwn = opts.ownedBelow !== undefined && within(d.path, opts.ownedBelow) ? owners : ["root"];
    const sticky = (m & 0o1000) !== 0 && owners.includes(below);
    const worldW = (m & 0o002) !== 0 && !sticky;
    const groupW = (m & 0o020) !== 0 && d.group !== "root" && !sticky;
    const badOwner = !mayOwn.includes(d.owner);
    if (badOwner || worldW || groupW) {
      const why = [badOwner ? `owned by ${d.owner}` : "", worldW ? "writable by everyone" : "", groupW ? `writable by group ${d.group}` : ""].filter(Boolean).join(", ");
      findings.push({ subject: `${subject} directory ${d.path}`, expected: `owned by ${mayOwn.join(" or ")}, writable by ${mayOwn.length === 1 ? "root" : "its owner"} only (anyone who may write it can replace the ${dir ? "directory" : "file"})`, actual: `${d.owner}:${d.group} ${show(m)}: ${why}` });
    }
  });
  return findings;
}
