// How a network mount presents the share's files on the consumer node (IDENT-004, §4.4 "validate
// UID/GID mapping expectations", §5.3): the numeric owner, group and mode of the mount's top
// directory and of one file under it (the first `find` lists, at most three levels down), as `stat` sees them through the mount. cifs shows its
// uid=/gid=/file_mode=/dir_mode= in the mount options, FUSE filesystems (the lab's smbfuse) do
// not: stat is what every consumer sees either way.
//
// Read-only, with the same deliberate side effect as the network-mounts probe: the stat of
// `PATH/.` triggers an automount (a read of the share's top directory, as the node's services do
// on first access). The file is the first `find` lists two levels down (bounded, no content read).
// Capture: fixtures/captured/mounts/presentation-*.txt.
import { shQuote } from "../transport/shell.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

export interface StatLine {
  uid: number;
  gid: number;
  /** Permission bits in octal as stat prints them, e.g. "750". */
  mode: string;
  /** What stat calls it: "directory", "regular file", ... */
  kind: string;
}

export interface MountPresentation {
  path: string;
  /** stat of PATH/. (undefined when it failed: not mounted, server down). */
  root?: StatLine;
  /** Why stat of the top directory failed. */
  rootError?: string;
  /** The first regular file under PATH (three levels down, its full path as `name`), when there is one. */
  file?: StatLine & { name: string };
}

export const MOUNT_PRESENTATION = "network-mount-presentation";
const MARK = "@@hlc-mntstat";
const FMT = "%u %g %a %F";

export function mountPresentation(paths: string[]): Probe<MountPresentation[]> {
  const lines = paths.map((p) => {
    const dot = shQuote(`${p.replace(/\/+$/, "")}/.`);
    return [
      `printf '%s\\tpath\\t%s\\n' '${MARK}' ${shQuote(p)}`,
      `if r=$(timeout 20 stat -c '${FMT}' -- ${dot} 2>&1); then printf '%s\\troot\\t%s\\n' '${MARK}' "$r";`,
      `  f=$(timeout 20 find ${dot} -mindepth 1 -maxdepth 3 -type f -print -quit 2>/dev/null);`,
      `  if [ -n "$f" ]; then s=$(stat -c '${FMT}' -- "$f" 2>/dev/null) && printf '%s\\tfile\\t%s\\t%s\\n' '${MARK}' "$s" "$(printf '%s' "$f" | tr '\\n\\t' '??')"; fi;`,
      `else printf '%s\\terror\\t%s\\n' '${MARK}' "$(printf '%s' "$r" | tr '\\n\\t' '  ')"; fi`,
    ].join("\n");
  });
  return { name: MOUNT_PRESENTATION, command: [...lines, "true"].join("\n"), parse: parsePresentation };
}

/** `%u %g %a %F`: the kind ("regular file") is the rest of the line. */
function statLine(text: string, line: string): StatLine {
  const [uid, gid, mode, ...rest] = text.split(" ");
  const kind = rest.join(" ");
  if (!/^\d+$/.test(uid ?? "") || !/^\d+$/.test(gid ?? "") || !/^[0-7]{1,4}$/.test(mode ?? "") || !kind) {
    throw new ProbeParseError(MOUNT_PRESENTATION, `unreadable stat line ${JSON.stringify(line)}`);
  }
  return { uid: Number(uid), gid: Number(gid), mode: mode!, kind };
}

export function parsePresentation({ stdout, stderr, code }: ProbeOutput): MountPresentation[] {
  if (code !== 0) throw new ProbeParseError(MOUNT_PRESENTATION, `exited ${code}: ${stderr.trim().split("\n").slice(-3).join(" / ")}`);
  const out: MountPresentation[] = [];
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    const [mark, kind, ...f] = line.split("\t");
    if (mark !== MARK) throw new ProbeParseError(MOUNT_PRESENTATION, `unrecognized line ${JSON.stringify(line)}`);
    const cur = out.at(-1);
    if (kind === "path") out.push({ path: f.join("\t") });
    else if (!cur) throw new ProbeParseError(MOUNT_PRESENTATION, `result before any path: ${JSON.stringify(line)}`);
    else if (kind === "root") cur.root = statLine(f.join("\t"), line);
    else if (kind === "error") cur.rootError = f.join("\t").trim() || "stat failed";
    else if (kind === "file") cur.file = { ...statLine(f[0] ?? "", line), name: f.slice(1).join("\t").replace("/./", "/") };
    else throw new ProbeParseError(MOUNT_PRESENTATION, `unrecognized line ${JSON.stringify(line)}`);
  }
  return out;
}

