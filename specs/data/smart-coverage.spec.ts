// §1 planned "SMART metrics integration", §7 "SMART monitoring integration", §4.1/§4.2: SMART is
// watched to catch the array's disks failing; a SnapRAID data or parity disk that no declared
// SMART device covers is a disk nobody watches. The tie is judged as the kernel sees it: the
// filesystem holding each snapraid.conf path (findmnt), the whole disk(s) under it (lsblk -s), and
// each declared device resolved to its whole disk the same way — not by a second declaration that
// could disagree with the mounts (helpers/probes/smart-map.ts).
import { smartMap, covers, type SmartMapFact } from "../../helpers/probes/smart-map.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

const ROLE: Record<string, string> = { data: "SnapRAID data disk", parity: "SnapRAID parity", "parity+": "SnapRAID parity (split file)" };

/** The findings of one node's map (pure: unit-tested on a real capture). */
export function judgeCoverage(f: SmartMapFact, config: string): Finding[] {
  if (!f.confReadable) return [{ subject: config, expected: "readable (its data and parity lines name the array's disks)", actual: "not readable" }];
  if (f.array.length === 0) return [{ subject: config, expected: "data and parity lines", actual: "none: no disk of the array to tie to a SMART device" }];
  const declared = f.devices.flatMap((d) => d.disks);
  const unresolved = f.devices.filter((d) => d.error).map((d) => `${d.device} (${d.error})`);
  const out: Finding[] = [];
  const expected = "its whole disk(s) declared in storage.smart.devices";
  for (const a of f.array) {
    const subject = `${a.path} (${ROLE[a.role]})`;
    if (a.error || a.disks.length === 0) {
      out.push({ subject, expected, actual: `its disk not found: ${a.source ? `filesystem on ${a.source}` : "no filesystem source"}${a.error ? `: ${a.error}` : ""}` });
      continue;
    }
    const missing = a.disks.filter((d) => !declared.some((x) => covers(x, d.name)));
    if (missing.length === 0) continue;
    const names = missing.map((d) => {
      const ids = f.byId[d.name] ?? [];
      return `/dev/${d.name}${d.type !== "disk" ? ` (${d.type})` : ""}${ids.length ? ` = ${ids.join(", ")}` : ""}`;
    });
    out.push({
      subject,
      expected,
      actual: `on ${a.source} → ${names.join(", ")}, which no declared SMART device resolves to${unresolved.length ? `; unresolved declared devices: ${unresolved.join("; ")}` : ""}`,
    });
  }
  return out;
}

export default invariant(
  {
    id: "DATA-026",
    title: "Every SnapRAID disk is watched by a declared SMART device",
    must:
      "On a node with a SnapRAID array and `storage.smart`, the whole disk under every data disk and parity file of snapraid.conf (its filesystem's source by `findmnt -T`, then the leaves of `lsblk -s`: through partitions, LUKS, LVM and md) MUST be one that a device of `storage.smart.devices` resolves to (`readlink -f`, then `lsblk -s`; an NVMe controller /dev/nvmeN covers nvmeNn*); a disk of the array no declared device covers fails, naming the disk and its /dev/disk/by-id name.",
    fix: (f, node) => {
      const id = f.actual.match(/\/dev\/disk\/by-id\/\S+?(?=[,;]|$)/)?.[0];
      const dev = f.actual.match(/→ (\/dev\/\S+)/)?.[1];
      if (!/whole disk/.test(f.expected)) return `on ${node.name}: check ${f.subject} (snapraid.conf must be readable and name the array's disks)`;
      if (/not found/.test(f.actual)) return `on ${node.name}: findmnt -T ${f.subject.split(" ")[0]} and lsblk -s on its source must reach a disk; mount the disk (§4.1) or, for a disk that the node sees only as a virtual one, pass the controller or disk through to this node`;
      return `add to ${node.name}'s storage.smart.devices: - device: ${id ?? dev ?? "/dev/disk/by-id/<the disk's id>"} (a /dev/disk/by-id name survives reordering; ls -l /dev/disk/by-id | grep ${dev?.slice(5) ?? "<disk>"})`;
    },
    section: "§1, §7, §4.1, §4.2",
    family: "data",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.storage?.snapraid !== undefined && node.storage.smart !== undefined,
    planned: (node) =>
      node.storage?.snapraid && !node.storage.smart
        ? "planned in §1/§7 (SMART integration): declare storage.smart.devices (the array's disks, on the node that sees them) to tie each SnapRAID disk to its SMART device"
        : undefined,
    reads: (node) => ({ map: smartMap(node.storage!.snapraid!.config, node.storage!.smart!.devices.map((d) => d.device)) }),
    check: ({ node, facts }) => judgeCoverage(facts.map, node.storage!.snapraid!.config),
  },
);
