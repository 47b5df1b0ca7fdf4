// §3.1 "services come back by themselves", §3.3 "After a reboot, the system should converge
// automatically to: mounts present, services running … No manual steps", §3.1 L3 "Each service has
// its mounts online before starting critical workloads".
import type { UnitDecl } from "../../helpers/inventory/sections/units.ts";
import { mountUnit } from "../../helpers/inventory/sections/mounts.ts";
import { bootUnits, startsAtBoot } from "../../helpers/probes/boot-units.ts";
import { findUnit, type UnitProps } from "../../helpers/probes/systemd.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

/** The findings for one declared unit (pure: unit-tested on captured systemctl show). */
export function judgeUnit(d: UnitDecl, u: UnitProps | undefined): Finding[] {
  const subject = `unit ${d.name}`;
  if (!u || u.LoadState === "not-found") return [{ subject, expected: "installed", actual: "not found (no unit file: the package is missing or the name is wrong)" }];
  const out: Finding[] = [];
  if (u.LoadState !== "loaded") out.push({ subject, expected: "loaded", actual: `LoadState ${u.LoadState}${u.LoadState === "masked" ? ": masked, it can never start" : ""}` });
  const boot = startsAtBoot(u);
  if (!boot.yes) out.push({ subject, expected: "started by systemd at boot (enabled)", actual: boot.why });
  if (u.ActiveState !== "active") out.push({ subject, expected: "active now", actual: `${u.ActiveState ?? "?"} (${u.SubState ?? "?"})` });
  if (d.unorderedBecause === undefined) {
    const after = new Set((u.After ?? "").split(" ").filter(Boolean));
    for (const m of d.mounts) {
      const mount = mountUnit(m);
      const auto = mountUnit(m, "automount");
      if (!after.has(mount) && !after.has(auto)) {
        out.push({
          subject: `${subject} uses ${m}`,
          expected: `ordered after ${mount} (RequiresMountsFor=${m}, or After= on the mount unit)`,
          actual: `not ordered after it (After: ${[...after].filter((a) => a.endsWith(".mount") || a.endsWith(".automount")).join(" ") || "no mount unit"}${u.RequiresMountsFor ? `; RequiresMountsFor=${u.RequiresMountsFor}` : ""}): at boot it may start on the empty mount point`,
        });
      }
    }
  }
  return out;
}

export default invariant(
  {
    id: "BOOT-010",
    title: "Declared services start by themselves at boot, after the mounts they use",
    must:
      "Every unit a node declares under `units` MUST be loaded, started by systemd at boot (UnitFileState enabled or generated, or static/indirect and wanted by another unit; not disabled, masked or enabled only until the next reboot) and active now; and, unless the declaration says why not, ordered after the .mount (or .automount) unit of every mount point it declares under `mounts` (RequiresMountsFor= or After=, as the effective After= list shows).",
    section: "§3.1, §3.3",
    family: "boot",
    severity: "critical",
    fix: (f, node) => {
      const unit = f.subject.split(" ")[0];
      if (/ordered after/.test(f.expected)) return `on ${node.name}: systemctl edit ${unit} and add [Unit] RequiresMountsFor=${f.subject.split(" uses ")[1] ?? "<mount path>"}; then systemctl daemon-reload`;
      if (f.expected === "installed") return `on ${node.name}: install the package that ships ${unit} (or correct its name under units: in the inventory)`;
      if (f.expected === "loaded") return `on ${node.name}: systemctl unmask ${unit} && systemctl daemon-reload`;
      return `on ${node.name}: systemctl enable --now ${unit}`;
    },
  },
  {
    appliesTo: (node) => (node.units?.length ?? 0) > 0,
    reads: (node) => ({ units: bootUnits(node.units!) }),
    check({ node, facts }) {
      const f = facts.units;
      if (!f.systemd) return [{ subject: "systemd", expected: "the node's init (units are declared)", actual: "not running as PID 1: nothing starts these units at boot" }];
      return node.units!.flatMap((d) => judgeUnit(d, findUnit(f.units, d.name)));
    },
  },
);
