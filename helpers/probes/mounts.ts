// Mounted filesystems from findmnt's JSON output (util-linux 2.38 captures in
// fixtures/captured/probes/findmnt-*.txt). JSON sidesteps mountinfo's octal escapes: findmnt
// decodes "\040" etc. and JSON-escapes the result, so targets with spaces/tabs/backslashes arrive intact.
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

export interface Mount {
  target: string;
  /** As findmnt prints it; a bind mount shows its root in brackets, e.g. "/dev/vda[/srv/data]". */
  source: string;
  fstype: string;
  /** VFS and superblock options merged, in findmnt's order, e.g. ["rw", "nosuid", "size=1024k"]. */
  options: string[];
  /** Same options keyed by name: flags map to true, "k=v" to "v" (last one wins). */
  optionMap: Record<string, string | true>;
}

const NAME = "mounts";

export const mounts: Probe<Mount[]> = {
  name: NAME,
  command: "findmnt -J -l -o TARGET,SOURCE,FSTYPE,OPTIONS",
  parse: (output) => parseFindmnt(output),
};

interface Row {
  target?: unknown;
  source?: unknown;
  fstype?: unknown;
  options?: unknown;
  children?: unknown;
}

function parseFindmnt({ stdout, stderr, code }: ProbeOutput): Mount[] {
  // findmnt exits 1 with no output when nothing matches; unfiltered, that means something is wrong.
  if (code !== 0) throw new ProbeParseError(NAME, `findmnt exited ${code}: ${stderr.trim()}`);
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch (e) {
    throw new ProbeParseError(NAME, `not JSON (${(e as Error).message}): ${JSON.stringify(stdout.slice(0, 200))}`);
  }
  const rows = (doc as { filesystems?: unknown } | null)?.filesystems;
  if (!Array.isArray(rows)) throw new ProbeParseError(NAME, `no "filesystems" array in findmnt output`);
  const out: Mount[] = [];
  walk(rows, out);
  return out;
}

// Without -l findmnt nests mounts under "children"; flatten depth-first so both forms give the
// same list (parents before children, which is also mount order).
function walk(rows: unknown[], out: Mount[]): void {
  for (const row of rows as Row[]) {
    const { target, source, fstype, options, children } = row ?? {};
    // findmnt prints null for an empty column (e.g. a mount with no source).
    const str = (v: unknown) => (v === null ? "" : v);
    const [t, s, f, o] = [target, str(source), str(fstype), str(options)];
    if (typeof t !== "string" || typeof s !== "string" || typeof f !== "string" || typeof o !== "string") {
      throw new ProbeParseError(NAME, `malformed filesystem entry: ${JSON.stringify(row)}`);
    }
    const opts = splitOptions(o);
    out.push({ target: t, source: s, fstype: f, options: opts, optionMap: optionMap(opts) });
    if (children !== undefined) {
      if (!Array.isArray(children)) throw new ProbeParseError(NAME, `"children" is not an array: ${JSON.stringify(row)}`);
      walk(children, out);
    }
  }
}

/** Split on commas outside double quotes: SELinux writes context="u:r:t:s0:c1,c2" as one option. */
export function splitOptions(options: string): string[] {
  return options === "" ? [] : (options.match(/(?:[^,"]|"[^"]*")+/g) ?? []);
}

function optionMap(options: string[]): Record<string, string | true> {
  const map: Record<string, string | true> = {};
  for (const opt of options) {
    const eq = opt.indexOf("=");
    if (eq < 0) map[opt] = true;
    else map[opt.slice(0, eq)] = opt.slice(eq + 1);
  }
  return map;
}
