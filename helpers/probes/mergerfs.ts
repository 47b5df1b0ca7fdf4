// MergerFS (§2.2): the pool's LIVE branch list, read from the running mergerfs through its control
// file (`<mountpoint>/.mergerfs`, extended attribute user.mergerfs.branches), not from fstab: a
// remount with other branches, or a glob that matched differently, shows here. Checked against
// mergerfs 2.33.5 (Debian 12) output in fixtures/captured/mergerfs/.
import { shQuote } from "../transport/shell.ts";
import { ProbeParseError, type Probe } from "./types.ts";

export interface MergerfsBranch {
  /** Branch directory as mergerfs resolved it (globs expanded), e.g. "/mnt/disk1". */
  path: string;
  /** RW (read/write), RO (read-only) or NC (no create), as mergerfs reports it. */
  mode: string;
  /** Per-branch minfreespace, when set (`/mnt/disk1=RW,4G`). */
  minfreespace?: string;
}

const NAME = "mergerfs-branches";

/** `getfattr` of the pool's control file; needs the `attr` package on the storage node. */
export function mergerfsBranches(mountpoint = "/mnt/mergerfs"): Probe<MergerfsBranch[]> {
  const control = `${mountpoint.replace(/\/+$/, "")}/.mergerfs`;
  return {
    name: NAME,
    command: `getfattr --absolute-names --only-values -n user.mergerfs.branches -- ${shQuote(control)}`,
    parse({ stdout, stderr, code }) {
      if (code === 127) throw new ProbeParseError(NAME, "getfattr is not installed (Debian package attr)");
      if (code !== 0) {
        const why = stderr.trim() || `exit ${code}`;
        throw new ProbeParseError(NAME, `cannot read the branches of ${mountpoint} from ${control}: ${why}`);
      }
      return parseBranches(stdout);
    },
  };
}

/**
 * `/mnt/disk1=RW:/mnt/disk2=RO:/mnt/disk3=NC,4G`: branches separated by ":", each
 * `path[=MODE[,minfreespace]]`. mergerfs lets a path hold ":" or "=" escaped with a backslash.
 */
export function parseBranches(text: string): MergerfsBranch[] {
  const value = text.replace(/\n$/, "");
  if (value.trim() === "") throw new ProbeParseError(NAME, "empty branch list");
  return splitUnescaped(value, ":").map((entry) => {
    const [path, spec] = splitUnescaped(entry, "=", 2) as [string, string | undefined];
    const clean = path.replace(/\\(.)/g, "$1");
    if (!clean.startsWith("/")) throw new ProbeParseError(NAME, `branch is not an absolute path: ${JSON.stringify(entry)}`);
    const [mode = "RW", minfreespace] = (spec ?? "").split(",");
    const b: MergerfsBranch = { path: clean, mode: mode || "RW" };
    if (minfreespace) b.minfreespace = minfreespace;
    return b;
  });
}

function splitUnescaped(s: string, sep: string, limit = Infinity): string[] {
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "\\" && i + 1 < s.length) {
      cur += c + s[++i];
    } else if (c === sep && parts.length < limit - 1) {
      parts.push(cur);
      cur = "";
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}
