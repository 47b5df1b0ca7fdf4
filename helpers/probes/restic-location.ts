// Where restic reaches its repository (DATA-031, §2.4 "off-site backup"), read on the node the way
// restic reaches it. The repository string as `restic -r` takes it (restic docs, "Preparing a new
// repository"): a local path (or `local:PATH`), `sftp:[user@]host:/path` or
// `sftp://[user@]host[:port]//path`, `rest:http(s)://[user:pass@]host[:port]/path`,
// `s3:https://host/bucket` or `s3:host/bucket`, and the cloud services `b2:`, `azure:`, `gs:`;
// `swift:` and `rclone:` take their host from their own configuration, not from the string.
// On the node: for a path, the filesystem holding it (`findmnt -T`), and for a network
// filesystem there (nfs, cifs, sshfs) the server it names; every host is resolved with the node's
// own resolver (`getent ahosts`), as restic's connection would be.
import { shQuote } from "../transport/shell.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

const NAME = "restic-location";

export type RepositoryTarget =
  | { kind: "path"; path: string }
  | { kind: "host"; backend: string; host: string }
  | { kind: "cloud"; backend: string; service: string }
  | { kind: "configured"; backend: string };

/** What the repository string names, as restic parses its prefix. */
export function repositoryTarget(repo: string): RepositoryTarget {
  let m: RegExpExecArray | null;
  if (repo.startsWith("/")) return { kind: "path", path: repo };
  if ((m = /^local:(.+)$/.exec(repo))) return { kind: "path", path: m[1]! };
  if ((m = /^sftp:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+)/.exec(repo))) return { kind: "host", backend: "sftp", host: m[1]!.replace(/^\[|\]$/g, "") };
  if ((m = /^sftp:(?:[^@:]*@)?([^:]+):/.exec(repo))) return { kind: "host", backend: "sftp", host: m[1]! };
  if ((m = /^(rest|s3):(?:https?:\/\/)?(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+)/.exec(repo))) return { kind: "host", backend: m[1]!, host: m[2]!.replace(/^\[|\]$/g, "") };
  if ((m = /^(b2|azure|gs):/.exec(repo))) return { kind: "cloud", backend: m[1]!, service: { b2: "Backblaze B2", azure: "Azure Blob Storage", gs: "Google Cloud Storage" }[m[1] as "b2"] };
  if ((m = /^(swift|rclone):/.exec(repo))) return { kind: "configured", backend: m[1]! };
  // restic itself takes anything else as a local path, relative to its working directory.
  return { kind: "path", path: repo };
}

export interface ResticLocation {
  target: RepositoryTarget;
  /** For a path: the mount holding it. */
  mount?: { source: string; fstype: string; target: string };
  /** The server host a network filesystem names (nfs host:/x, cifs //host/x, sshfs [user@]host:/x). */
  mountHost?: string;
  /** The addresses the node's resolver gives the host restic (or the mount) connects to. */
  addresses: string[];
}

const NETWORK_FS = /^(nfs4?|cifs|smb3|fuse\.sshfs|fuse\.rclone)$/;

export function resticLocation(repository: string): Probe<ResticLocation> {
  const target = repositoryTarget(repository);
  const resolve = (h: string) => `getent ahosts ${h} | awk '{print "addr " $1}' | sort -u`;
  let command: string;
  if (target.kind === "path") {
    command = [
      `m=$(findmnt -n -o SOURCE,FSTYPE,TARGET -T ${shQuote(target.path)} 2>/dev/null | head -n 1)`,
      `echo "mount $m"`,
      `set -- $m`,
      `case "$2" in nfs|nfs4|cifs|smb3|fuse.sshfs|fuse.rclone) h=$(printf '%s' "$1" | sed -E 's#^//([^/]+)/.*#\\1#; s#^([^@/]*@)?([^:/]+):.*#\\2#'); echo "mounthost $h"; ${resolve('"$h"')};; esac`,
    ].join("\n");
  } else if (target.kind === "host") command = resolve(shQuote(target.host));
  else command = "true";
  return { name: NAME, command, parse: (o) => parseResticLocation(target, o) };
}

export function parseResticLocation(target: RepositoryTarget, { stdout, code }: ProbeOutput): ResticLocation {
  if (code !== 0 && target.kind !== "host") throw new ProbeParseError(NAME, `exited ${code}`);
  const out: ResticLocation = { target, addresses: [] };
  for (const line of stdout.split("\n")) {
    let m: RegExpExecArray | null;
    if ((m = /^mount (\S+) (\S+) (\S+)$/.exec(line))) out.mount = { source: m[1]!, fstype: m[2]!, target: m[3]! };
    else if ((m = /^mounthost (\S+)$/.exec(line))) out.mountHost = m[1]!;
    else if ((m = /^addr (\S+)$/.exec(line))) out.addresses.push(m[1]!);
    else if (line.trim() !== "" && line !== "mount ") throw new ProbeParseError(NAME, `unexpected line ${JSON.stringify(line.slice(0, 120))}`);
  }
  if (target.kind === "path" && !out.mount) throw new ProbeParseError(NAME, `findmnt named no filesystem holding ${target.path}`);
  if (out.mount && NETWORK_FS.test(out.mount.fstype) && !out.mountHost) throw new ProbeParseError(NAME, `no server host in the ${out.mount.fstype} source ${out.mount.source}`);
  return out;
}

/** An address of the site itself: loopback, private (RFC 1918, IPv6 ULA), link-local. */
export function siteAddress(a: string): string | undefined {
  const v4 = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(a);
  if (v4) {
    const [x, y] = [Number(v4[1]), Number(v4[2])];
    if (x === 127) return "loopback";
    if (x === 10 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168)) return "a private (RFC 1918) address";
    if (x === 169 && y === 254) return "link-local";
    return undefined;
  }
  const l = a.toLowerCase();
  if (l === "::1") return "loopback";
  if (/^f[cd][0-9a-f]{2}:/.test(l)) return "a private (IPv6 ULA) address";
  if (/^fe[89ab][0-9a-f]:/.test(l)) return "link-local";
  return undefined;
}
