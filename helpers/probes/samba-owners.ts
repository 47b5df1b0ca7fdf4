// Who owns the files a share holds (§5.3 "consistent UID/GID handling"): a bounded sample of the
// files and folders under each share's path (the first N that `find` lists, the path itself
// included), and those not owned by the share's forced owner. Read-only. Names as `find -printf
// %u:%g` prints them (the number when the id has no name on the node). The node counts and keeps
// the first offenders, so the evidence stays small however large the library.
// Capture: fixtures/captured/samba/owners-*.txt.
import { shQuote } from "../transport/shell.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";
import type { SharesDecl } from "../inventory/sections/shares.ts";

export interface OwnerSampleDecl {
  share: string;
  path: string;
  /** Expected owner; empty: any. */
  user?: string;
  group?: string;
  /** At most this many entries are looked at. */
  sample: number;
}

export interface Offender {
  owner: string;
  group: string;
  path: string;
}

export interface OwnerSample {
  share: string;
  path: string;
  /** The path does not exist (or is not a directory) on the node. */
  missing: boolean;
  sampled: number;
  /** How many of the sampled entries have another owner or group. */
  offenders: number;
  /** The first offenders (at most FIRST_OFFENDERS). */
  first: Offender[];
}

export const SAMBA_OWNERS = "samba-share-owners";
export const FIRST_OFFENDERS = 5;
const MARK = "@@hlc-owners";

export function shareOwners(shares: OwnerSampleDecl[]): Probe<OwnerSample[]> {
  const lines = shares
    .filter((s) => s.sample > 0)
    .map((s) => {
      const p = shQuote(s.path);
      // NUL-separated so a name holding a newline stays one entry (printed with "?" for it).
      return [
        `printf '%s\\tshare\\t%s\\t%s\\n' '${MARK}' ${shQuote(s.share)} ${p}`,
        `if [ -d ${p} ]; then find ${p} -printf '%u:%g %p\\0' 2>/dev/null | head -z -n ${s.sample} | tr '\\n\\0' '?\\n' | ` +
          `awk -v u=${shQuote(s.user ?? "")} -v g=${shQuote(s.group ?? "")} -v m='${MARK}' -v k=${FIRST_OFFENDERS} ` +
          `'{ n++; i = index($1, ":"); o = substr($1, 1, i - 1); gr = substr($1, i + 1); if ((u != "" && o != u) || (g != "" && gr != g)) { bad++; if (bad <= k) print m "\\toffender\\t" $0 } } END { printf "%s\\tsampled\\t%d\\t%d\\n", m, n, bad }'; ` +
          `else printf '%s\\tmissing\\n' '${MARK}'; fi`,
      ].join("\n");
    });
  const asked = shares.filter((s) => s.sample > 0).map((s) => s.share);
  return {
    name: SAMBA_OWNERS,
    command: lines.join("\n") || "true",
    // Every share asked about must have its answer, to the end: a missing or cut one is no answer.
    parse: (o) => {
      const found = parseOwners(o);
      for (const share of asked) {
        const r = found.find((x) => x.share === share);
        if (!r) throw new ProbeParseError(SAMBA_OWNERS, `no result for share ${share}: the output is not the probe's`);
        if (!r.missing && r.sampled === 0) throw new ProbeParseError(SAMBA_OWNERS, `share ${share}: no "sampled" line: the output was cut`);
      }
      return found;
    },
  };
}

export function parseOwners({ stdout, stderr, code }: ProbeOutput): OwnerSample[] {
  if (code !== 0) throw new ProbeParseError(SAMBA_OWNERS, `exited ${code}: ${stderr.trim().split("\n").slice(-3).join(" / ")}`);
  const out: OwnerSample[] = [];
  let cur: OwnerSample | undefined;
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    const f = line.split("\t");
    if (f[0] !== MARK) throw new ProbeParseError(SAMBA_OWNERS, `unrecognized line ${JSON.stringify(line)}`);
    if (f[1] === "share" && f.length >= 4) {
      cur = { share: f[2]!, path: f.slice(3).join("\t"), missing: false, sampled: 0, offenders: 0, first: [] };
      out.push(cur);
    } else if (!cur) {
      throw new ProbeParseError(SAMBA_OWNERS, `result before any share: ${JSON.stringify(line)}`);
    } else if (f[1] === "missing") {
      cur.missing = true;
    } else if (f[1] === "sampled" && f.length === 4) {
      cur.sampled = Number(f[2]);
      cur.offenders = Number(f[3]);
    } else if (f[1] === "offender") {
      const m = /^([^:\s]*):(\S*) (.*)$/.exec(f.slice(2).join("\t"));
      if (!m) throw new ProbeParseError(SAMBA_OWNERS, `unreadable offender ${JSON.stringify(line)}`);
      cur.first.push({ owner: m[1]!, group: m[2]!, path: m[3]! });
    } else {
      throw new ProbeParseError(SAMBA_OWNERS, `unrecognized line ${JSON.stringify(line)}`);
    }
  }
  return out;
}


/** The owners of the files of every share that declares a forced owner (before any write probe runs). */
export function ownersProbe(decl: SharesDecl): Probe<OwnerSample[]> {
  return shareOwners(
    decl.exports
      .filter((s) => s.forceUser !== undefined || s.forceGroup !== undefined)
      .map((s) => ({ share: s.name, path: s.path, user: s.forceUser, group: s.forceGroup, sample: s.ownerSample })),
  );
}
