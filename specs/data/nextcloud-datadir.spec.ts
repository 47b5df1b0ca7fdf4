// §2.3 "Nextcloud: User data lives on mounted storage (/mnt/nextcloud in LXC210)". BOOT-004 and
// SHARE-004 judge the mount; this judges that Nextcloud really writes there: its own
// `datadirectory`, read as Nextcloud reads it (config.php and the *.config.php merged after it),
// resolved on the node onto the mount that holds it now.
import { effectiveDatadir, nextcloudDatadir } from "../../helpers/probes/nextcloud-config.ts";
import { invariant } from "../../helpers/spec/invariant.ts";

const under = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);

export default invariant(
  {
    id: "DATA-030",
    title: "Nextcloud's data directory is the declared network mount",
    must:
      "On every node that declares `nextcloud`, the `datadirectory` Nextcloud uses (config.php, then every `*.config.php` beside it in natural order, the last value winning, as lib/private/Config.php merges them) MUST resolve (realpath) to `nextcloud.dataMount` or below it, and that path MUST be held by the mount mounted at `dataMount` now (findmnt -T), not by the filesystem under an empty mountpoint.",
    fix: (f, node) => `on ${node.name}: point datadirectory at ${node.nextcloud!.dataMount} in ${node.nextcloud!.config} (and remove overriding *.config.php values), mount the share first, then move the data (occ maintenance:mode --on; rsync; occ files:scan --all) (${f.actual.slice(0, 80)})`,
    section: "§2.3",
    family: "data",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.nextcloud !== undefined,
    reads: (node) => ({ datadir: nextcloudDatadir(node.nextcloud!.config) }),
    check({ node, facts }) {
      const decl = node.nextcloud!;
      const d = facts.datadir;
      const subject = "Nextcloud datadirectory";
      const expected = `on the network mount ${decl.dataMount}`;
      if (!d.exists) return [{ subject, expected, actual: `${decl.config} does not exist` }];
      if (d.unreadable.length) return [{ subject, expected, actual: `cannot read ${d.unreadable.join(", ")}: the value Nextcloud uses is unknown` }];
      if (d.unsupported.length) {
        return [{ subject, expected, actual: `${d.unsupported.map((u) => `${u.file}:${u.line}`).join(", ")} set it in a form not evaluated without PHP (${d.unsupported[0]!.text}): judge by hand or write it as Nextcloud does ('datadirectory' => '/path')` }];
      }
      const eff = effectiveDatadir(d);
      if (!eff) return [{ subject, expected, actual: `no file sets it (${d.files.join(", ")}): Nextcloud uses <its install folder>/data, on the local disk` }];
      const where = `${eff.file}:${eff.line} sets '${eff.value}'${d.settings.length > 1 ? ` (the last of ${d.settings.length} settings Nextcloud merges: ${d.settings.map((s) => `${s.file}:${s.line}`).join(", ")})` : ""}`;
      const r = d.resolved.find((x) => x.value === eff.value);
      if (!r) return [{ subject, expected, actual: `${where}, which could not be resolved on the node` }];
      if (!under(r.real, decl.dataMount)) {
        return [{ subject, expected, actual: `${where}, which resolves to ${r.real}${r.mount ? ` on ${r.mount.target} (${r.mount.fstype} ${r.mount.source})` : ""}: user data is not on the network mount` }];
      }
      if (!r.mount) return [{ subject, expected, actual: `${where}: ${r.real} does not exist on the node` }];
      if (r.mount.target !== decl.dataMount) {
        return [{ subject, expected, actual: `${where}: ${r.real} is held by ${r.mount.target} (${r.mount.fstype} ${r.mount.source}), not by a mount at ${decl.dataMount}: Nextcloud writes under an empty mountpoint` }];
      }
      return [];
    },
  },
);
