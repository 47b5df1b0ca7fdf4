// §3.1 layer 1 "All disks mounted (/mnt/disk*, /mnt/parity)", §4.1 data disk failure ("missing
// /mnt/diskXX", "SnapRAID reports missing disk/content"), §4.2 parity disk failure ("/mnt/parity
// missing or unreadable", "parity file inaccessible"). The disks are the ones snapraid.conf names.
import { mounts } from "../../helpers/probes/mounts.ts";
import { arrayDisks, contentCopies, normalizePath } from "../../helpers/probes/snapraid-array.ts";
import { snapraidConfig, snapraidDiff, snapraidPaths, snapraidStatus, type PathState } from "../../helpers/probes/snapraid.ts";
import { findmntT, mountDiagnostics, unique } from "../../helpers/spec/diagnostics.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

const under = (path: string, dir: string) => normalizePath(path).startsWith(`${normalizePath(dir)}/`);

function there(st: PathState | undefined, path: string): string {
  if (!st) return "";
  if (st.type === "missing") return `; ${path} does not exist`;
  if (st.type === "directory") return st.empty ? `; ${path} is an empty directory (an empty mountpoint)` : `; ${path} holds files written to the filesystem below the mountpoint`;
  return "";
}

export default invariant(
  {
    id: "DATA-005",
    title: "Every SnapRAID disk is mounted, parity readable, content files in place",
    must: "Every data disk and parity file of snapraid.conf MUST sit on its own mounted filesystem (not the root filesystem, not shared with another disk of the array); every parity file MUST exist and be readable; the content files MUST exist on at least max(2, parity levels + 1) different filesystems, and none may be missing.",
    fix: (f, node) => /content/.test(f.subject) ? `on ${node.name}: in snapraid.conf add content lines on separate disks (content /mnt/<disk>/snapraid.content) until ${f.expected}, then: snapraid sync` : `on ${node.name}: mount ${path(f) ?? "the disk"} (its /etc/fstab line, then mount -a) so it is its own filesystem (wanted: ${f.expected})`,
    section: "§3.1, §4.1, §4.2",
    family: "data",
    severity: "blocker",
    playbook: "§4.1 Disk failure / §4.2 Parity disk failure",
  },
  {
    appliesTo: (node) => node.storage?.snapraid !== undefined,
    reads: (node) => { const c = node.storage!.snapraid!.config; return { conf: snapraidConfig(c), paths: snapraidPaths(c), mounts, diff: snapraidDiff(c), status: snapraidStatus(c) }; },
    check({ node, facts }) {
      const decl = node.storage!.snapraid!;
      const conf = facts.conf;
      const paths = facts.paths;
      const table = facts.mounts;
      // diff and status only add detail to the messages.
      const optional = <T,>(get: () => T): T | undefined => {
        try {
          return get();
        } catch {
          return undefined;
        }
      };
      const diffFact = optional(() => facts.diff);
      const diff = diffFact?.kind === "diff" ? diffFact : undefined;
      const statusFact = optional(() => facts.status);
      const status = statusFact?.kind === "status" ? statusFact : undefined;
      const state = (kind: string, path: string) => paths.find((p) => (kind === "parity" ? p.kind !== "content" && p.kind !== "data" : p.kind === kind) && p.path === path);

      const findings: Finding[] = [];
      if (conf.data.length === 0) findings.push({ subject: decl.config, expected: "at least one `data NAME DIR` line", actual: "no data disk configured" });
      if (conf.parity.length === 0) findings.push({ subject: decl.config, expected: "a `parity FILE` line", actual: "no parity configured" });

      const disks = arrayDisks(conf, table);
      const reported = new Set<string>(); // content files already explained by a missing disk
      for (const d of disks.filter((x) => x.role === "data")) {
        const said = diff?.missingDisks.find((m) => m.disk === d.name);
        if (d.mounted && !said) continue;
        const lost = conf.content.filter((c) => under(c, d.path) && state("content", c)?.type !== "file");
        lost.forEach((c) => reported.add(c));
        const files = status?.disks.find((s) => s.name === d.name)?.files;
        const removed = said || (diff && files && diff.counts.removed >= files) ? `; snapraid diff counts its ${files ?? "previous"} files as removed: do NOT run \`snapraid sync\` until the disk is back (§4.1)` : "";
        const content = lost.length ? `; its content file ${lost.join(", ")} is gone with it` : "";
        findings.push({
          subject: `data disk ${d.name} (${d.path})`,
          expected: "mounted on a filesystem of its own (§3.1 layer 1: all disks mounted)",
          actual: d.mounted
            ? `mounted at ${d.mount}, but SnapRAID reports every file it synced on ${d.name} missing or rewritten (a wrong or blank disk?)${removed}`
            : `${d.problem}${there(state("data", d.path), d.path)}${content}${removed}`,
        });
      }
      for (const p of disks.filter((x) => x.role === "parity")) {
        const st = state("parity", p.path);
        const problems: string[] = [];
        if (!p.mounted) problems.push(p.problem!);
        if (!st || st.type === "missing") problems.push("the parity file does not exist");
        else if (st.type !== "file") problems.push(`it is not a regular file (${st.type})`);
        else if (!st.readable) problems.push("the parity file cannot be read");
        if (problems.length) {
          findings.push({
            subject: `${p.name} file ${p.path}`,
            expected: "on its own mounted disk, present and readable (§4.2)",
            actual: problems.join("; "),
          });
        }
      }
      for (const c of conf.content.filter((x) => !reported.has(x))) {
        const st = state("content", c);
        if (st?.type !== "file") {
          findings.push({ subject: `content file ${c}`, expected: "present", actual: st?.type === "missing" || !st ? "missing" : `not a regular file (${st.type})` });
        }
      }
      const copies = contentCopies(conf, paths, table);
      if (copies.filesystems.length < copies.required) {
        findings.push({
          subject: "SnapRAID content files",
          expected: `copies on at least ${copies.required} different filesystems (one per parity level plus one)`,
          actual: copies.present.length
            ? `${copies.present.length} present (${copies.present.join(", ")}) on ${copies.filesystems.length} filesystem${copies.filesystems.length > 1 ? "s" : ""} (${copies.filesystems.join(", ")})`
            : "none present: SnapRAID has lost track of the array",
        });
      }
      return findings;
    },
    // §4.1/§4.2 "missing /mnt/diskXX", "/mnt/parity missing": the disk's mount, its unit and journal.
    diagnose: (_ctx, findings) =>
      unique(
        findings.flatMap((f) => {
          const disk = /^data disk \S+ \((\/.*)\)$/.exec(f.subject);
          if (disk) return mountDiagnostics(normalizePath(disk[1]!));
          const parity = /^\S+ file (\/.*)$/.exec(f.subject);
          if (parity) {
            const dir = normalizePath(parity[1]!).replace(/\/[^/]+$/, "") || "/";
            return [findmntT(parity[1]!), ...mountDiagnostics(dir).slice(1)];
          }
          return [];
        }),
      ),
  },
);

// Where a finding names it (the subject the check above writes), for the fix line.
const path = (f: Finding): string => /\/[^\s,;:()]+/.exec(f.subject)?.[0] ?? "<mount point>";
