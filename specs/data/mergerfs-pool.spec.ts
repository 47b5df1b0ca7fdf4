// §2.2 MergerFS: a unified namespace over the data disks; §3.1 layer 1 "MergerFS mounted at
// /mnt/mergerfs"; §4.3 MergerFS mount failure ("/mnt/mergerfs missing", "validate all underlying
// disk mounts exist"). Judged on the LIVE pool: its mount and the branches mergerfs really uses.
import { mergerfsBranches } from "../../helpers/probes/mergerfs.ts";
import { mounts, type Mount } from "../../helpers/probes/mounts.ts";
import { mountOf, normalizePath } from "../../helpers/probes/snapraid-array.ts";
import { snapraidConfig } from "../../helpers/probes/snapraid.ts";
import { findmntT, fuseConf, fuseJournal, mountDiagnostics, unique } from "../../helpers/spec/diagnostics.ts";
import { invariant, optional } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

export default invariant(
  {
    id: "DATA-006",
    title: "MergerFS pools exactly the declared disks",
    must: "The pool's mountpoint (default /mnt/mergerfs) MUST be a `fuse.mergerfs` mount whose live branches (`user.mergerfs.branches` of its control file) are exactly the declared `branches`, and each branch MUST be a mounted disk. Whether a SnapRAID data disk is mounted is judged once, by DATA-005; this spec checks the mount of branches outside the array.",
    fix: (f, node) => `on ${node.name}: make the /etc/fstab mergerfs line name exactly the declared branches (wanted: ${f.expected}), mount every branch disk (mount -a), then: umount <pool> && mount <pool>`,
    section: "§2.2, §3.1, §4.3",
    family: "data",
    severity: "critical",
    playbook: "§4.3 MergerFS mount failure",
  },
  {
    appliesTo: (node) => node.storage?.mergerfs !== undefined,
    reads: (node) => ({ mounts, branches: mergerfsBranches(node.storage!.mergerfs!.mountpoint), snapraidConfig: node.storage?.snapraid ? optional(snapraidConfig(node.storage.snapraid.config)) : undefined }),
    check({ node, facts }) {
      const pool = node.storage!.mergerfs!;
      const table = facts.mounts;
      const mp = normalizePath(pool.mountpoint);
      // Stacked mounts: the last one on the target is what paths under it reach.
      const top: Mount | undefined = table.filter((m) => normalizePath(m.target) === mp).at(-1);
      if (!top) {
        const below = mountOf(table, mp)?.target ?? "/";
        return [{ subject: `pool ${mp}`, expected: "a fuse.mergerfs mount", actual: `not mounted (a plain directory on ${below}): every path under it is missing for Samba and the services (§4.3)` }];
      }
      if (top.fstype !== "fuse.mergerfs") {
        return [{ subject: `pool ${mp}`, expected: "a fuse.mergerfs mount", actual: `${top.fstype} mount of ${top.source || "(no source)"}` }];
      }

      const findings: Finding[] = [];
      const live = facts.branches;
      const livePaths = live.map((b) => normalizePath(b.path));
      const declared = pool.branches.map(normalizePath);
      const missing = declared.filter((b) => !livePaths.includes(b));
      const extra = livePaths.filter((b) => !declared.includes(b));
      if (missing.length || extra.length) {
        const why = [
          missing.length ? `missing ${missing.join(", ")} (its files are not in the pool)` : "",
          extra.length ? `not declared ${extra.join(", ")}` : "",
        ].filter(Boolean);
        findings.push({
          subject: `pool ${mp} branches`,
          expected: declared.join(", "),
          actual: `${live.map((b) => `${b.path}=${b.mode}`).join(", ")}: ${why.join("; ")}`,
        });
      }

      // Branch disks of the SnapRAID array are judged by DATA-005 (one failure per missing disk).
      let arrayDirs: string[] = [];
      if (node.storage?.snapraid) {
        try {
          arrayDirs = facts.snapraidConfig!.data.map((d) => normalizePath(d.dir));
        } catch {
          /* conf unreadable: DATA-005 fails on it; judge every branch here */
        }
      }
      for (const b of livePaths.filter((p) => !arrayDirs.includes(p))) {
        const holder = mountOf(table, b);
        if (!holder || normalizePath(holder.target) === "/" || normalizePath(holder.target) === mp) {
          findings.push({ subject: `pool branch ${b}`, expected: "a mounted disk", actual: `not mounted: it is a directory on ${holder?.target ?? "the root filesystem"}` });
        }
      }
      return findings;
    },
    // §4.3: the pool's mount unit and journal, every underlying disk mount, fuse/mergerfs errors
    // in the journal, and user_allow_other.
    diagnose({ node }) {
      const pool = node.storage!.mergerfs!;
      return unique([...mountDiagnostics(normalizePath(pool.mountpoint)), ...pool.branches.map((b) => findmntT(normalizePath(b))), fuseJournal, fuseConf]);
    },
  },
);
