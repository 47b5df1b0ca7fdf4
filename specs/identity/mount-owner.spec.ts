// §4.4 "Validate UID/GID mapping expectations", §5.3 "Consistent UID/GID handling across
// boundaries": a consumer's network mount presents the share's files as the identity of the service
// that consumes them (cifs/smbfuse `uid=`, `gid=`, `file_mode=`, `dir_mode=`). Otherwise the files
// show as root's (or another account's) and the service, running as its own user, cannot use them.
// Judged from the fstab line (names resolved with the node's getent, as mount.cifs does), the
// live mount's options where the filesystem reports them (cifs does, FUSE does not), and what
// `stat` shows through the mount (the top directory and one file).
import { presentedMounts, type NetworkMountDecl } from "../../helpers/inventory/sections/mounts.ts";
import { accounts, type Accounts } from "../../helpers/probes/accounts.ts";
import { type MountPresentation } from "../../helpers/probes/mount-presentation.ts";
import { mountDefinition, option, type NetworkMountsFact } from "../../helpers/probes/network-mounts.ts";
import { networkMountsProbe } from "../../helpers/probes/network-mounts.ts";
import { mountPresentation } from "../../helpers/probes/mount-presentation.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";
import { describeId, modeText, nameOf, octal, resolveId, type IdKind } from "./resolve.ts";

export default invariant(
  {
    id: "IDENT-004",
    title: "Consumer mounts map files to the consuming service's identity",
    must:
      "For every network mount that declares `uid`, `gid`, `fileMode` or `dirMode`: its /etc/fstab line MUST carry `uid=`/`gid=` naming the declared user and group (a name or a number, compared as numbers through the node's getent) and `file_mode=`/`dir_mode=` equal to the declared modes; where the mounted filesystem reports these options (cifs) they MUST agree; and the mounted share MUST present its top directory and files with that owner, group and mode (`stat` through the mount).",
    fix: (f, node) => `on ${node.name}: in the /etc/fstab line of ${path(f) ?? "the mount"} set ${f.expected.replace(/^.*?((?:uid|gid|file_mode|dir_mode)=\S+).*$/, "$1") || f.expected} (uid=, gid=, file_mode=, dir_mode= as declared); then umount ${path(f) ?? "<mount>"} && mount ${path(f) ?? "<mount>"}`,
    section: "§4.4, §5.3",
    family: "identity",
    severity: "critical",
  },
  {
    appliesTo: (node) => presentedMounts(node.mounts).length > 0,
    planned: (node) =>
      (node.mounts?.length ?? 0) > 0
        ? "planned in §5.3: declare mounts[].uid / gid (and fileMode / dirMode) to check that each mount presents its files as the consuming service's identity"
        : undefined,
    reads: (node) => ({ networkMounts: networkMountsProbe(node.mounts!), accounts, presentation: mountPresentation(presentedMounts(node.mounts).map((m) => m.path)) }),
    check(ctx) {
      const net = ctx.facts.networkMounts;
      const acc = ctx.facts.accounts;
      const shown = ctx.facts.presentation;
      return presentedMounts(ctx.node.mounts).flatMap((m) => mountFindings(ctx.node.name, m, net, acc, shown));
    },
  },
);

const OPT = { uid: "uid", gid: "gid", fileMode: "file_mode", dirMode: "dir_mode" } as const;

/** What is wrong with one declared mount's presentation (one finding per mount, or none). */
export function mountFindings(node: string, m: NetworkMountDecl, net: NetworkMountsFact, acc: Accounts, shown: MountPresentation[]): Finding[] {
  const subject = `mount ${m.path} (${m.source})`;
  const problems: string[] = [];
  const want: { uid?: number; gid?: number; fileMode?: number; dirMode?: number } = {};
  const wantText: string[] = [];
  for (const [key, kind] of [["uid", "user"], ["gid", "group"]] as const) {
    const v = m[key];
    if (v === undefined) continue;
    const id = resolveId(acc, kind, v);
    if (id === undefined) {
      problems.push(`declared ${OPT[key]} ${v}: no ${kind} ${v} on ${node} (getent)`);
      continue;
    }
    want[key] = id;
    wantText.push(`${OPT[key]}=${/^\d+$/.test(v) ? describeId(acc, kind, id) : `${v} (${id})`}`);
  }
  for (const key of ["fileMode", "dirMode"] as const) {
    const v = m[key];
    if (v === undefined) continue;
    want[key] = octal(v);
    wantText.push(`${OPT[key]}=${modeText(want[key]!)}`);
  }
  const expected = `${wantText.join(", ")} in fstab and on the mounted files`;

  // fstab, or the explicit mount unit (judged alike)
  const line = mountDefinition(net, m.path);
  const where = line?.kind === "units" ? line.origin : "fstab";
  if (!line) {
    problems.push(`no /etc/fstab line or mount unit for ${m.path}`);
  } else {
    for (const [key, kind] of [["uid", "user"], ["gid", "group"]] as const) {
      if (want[key] === undefined) continue;
      const got = option(line.options, OPT[key]);
      if (got === undefined || got === true) {
        problems.push(`${where} has no ${OPT[key]}= (the mount presents files as the mounting user, root)`);
        continue;
      }
      const id = resolveId(acc, kind as IdKind, got);
      if (id === undefined) problems.push(`${where} ${OPT[key]}=${got}: no ${kind} ${got} on ${node}, the mount fails`);
      else if (id !== want[key]) problems.push(`${where} ${OPT[key]}=${got} (${/^\d+$/.test(got) ? (nameOf(acc, kind, id) ?? `no ${kind} of that id`) : id})`);
    }
    for (const key of ["fileMode", "dirMode"] as const) {
      if (want[key] === undefined) continue;
      const got = option(line.options, OPT[key]);
      const n = typeof got === "string" ? octal(got) : undefined;
      if (got === undefined || got === true) problems.push(`${where} has no ${OPT[key]}=`);
      else if (n !== want[key]) problems.push(`${where} ${OPT[key]}=${got}`);
    }
  }

  // Live mount options, where the filesystem reports them (cifs: uid=, gid=, file_mode=, dir_mode=).
  const live = net.mounts.filter((x) => x.target === m.path && x.fstype !== "autofs").at(-1);
  if (live) {
    for (const key of ["uid", "gid", "fileMode", "dirMode"] as const) {
      const got = option(live.options, OPT[key]);
      if (want[key] === undefined || typeof got !== "string") continue;
      const n = key === "uid" || key === "gid" ? (/^\d+$/.test(got) ? Number(got) : undefined) : octal(got);
      if (n !== want[key]) problems.push(`mounted with ${OPT[key]}=${got}`);
    }
  }

  // What stat shows through the mount.
  const p = shown.find((x) => x.path === m.path);
  if (!p) problems.push("not probed (stat through the mount)");
  else if (!p.root) problems.push(`cannot stat ${m.path}/.: ${p.rootError ?? "unknown error"}`);
  else {
    const seen: string[] = [];
    if (want.uid !== undefined && p.root.uid !== want.uid) seen.push(`owner ${describeId(acc, "user", p.root.uid)}`);
    if (want.gid !== undefined && p.root.gid !== want.gid) seen.push(`group ${describeId(acc, "group", p.root.gid)}`);
    if (want.dirMode !== undefined && octal(p.root.mode) !== want.dirMode) seen.push(`mode ${modeText(octal(p.root.mode)!)}`);
    if (seen.length) problems.push(`${m.path} shows ${seen.join(", ")}`);
    if (p.file && want.fileMode !== undefined && octal(p.file.mode) !== want.fileMode) problems.push(`${p.file.name} shows mode ${modeText(octal(p.file.mode)!)}`);
    if (p.file && (want.uid !== undefined && p.file.uid !== want.uid)) problems.push(`${p.file.name} shows owner ${describeId(acc, "user", p.file.uid)}`);
  }
  if (problems.length === 0) return [];
  const who = m.uid !== undefined ? `${m.uid}` : m.gid !== undefined ? `group ${m.gid}` : "the declared modes";
  return [{ subject, expected, actual: `${problems.join("; ")}: the service consuming ${m.source} on ${node} (declared ${who}) sees files that are not presented as its own` }];
}

// Where a finding names it (the subject the check above writes), for the fix line.
const path = (f: Finding): string => /\/[^\s,;:()]+/.exec(f.subject)?.[0] ?? "<mount point>";
