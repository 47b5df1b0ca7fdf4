// BOOT-010 and its probe on REAL output: systemd-escape 252 (Debian 12) for the mount unit names
// (fixtures/captured/boot/systemd-escape-path.tsv, made on this machine), and `systemctl show` of
// the lab's vm102 (systemd 252) before and after the drift smbd-disabled
// (fixtures/captured/boot/vm102-*.txt).
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import { mountUnit } from "../../../helpers/inventory/sections/mounts.ts";
import { bootUnits, startsAtBoot } from "../../../helpers/probes/boot-units.ts";
import { evaluate } from "../../../helpers/spec/evaluate.ts";
import { declared, type Declared } from "../catalog-support.ts";
import { factsOf, inventoryProblems } from "../support.ts";

const dir = new URL("../../../fixtures/captured/boot/", import.meta.url);
const read = (f: string) => readFileSync(new URL(f, dir), "utf8");

describe("mount unit names", () => {
  it("escape paths exactly as systemd-escape --path does", () => {
    const rows = read("systemd-escape-path.tsv").trim().split("\n").map((l) => l.split("\t") as [string, string]);
    expect(rows.length).toBe(7);
    for (const [path, unit] of rows) expect(mountUnit(path)).toBe(unit);
    expect(mountUnit("/mnt/media", "automount")).toBe("mnt-media.automount");
  });
});

describe("starts at boot", () => {
  it("by UnitFileState, as systemctl is-enabled documents it", () => {
    expect(startsAtBoot({ UnitFileState: "enabled", WantedBy: "multi-user.target" })).toEqual({ yes: true, how: "enabled (wanted by multi-user.target)" });
    expect(startsAtBoot({ UnitFileState: "generated" }).yes).toBe(true);
    expect(startsAtBoot({ UnitFileState: "static", WantedBy: "" })).toMatchObject({ yes: false });
    expect(startsAtBoot({ UnitFileState: "static", RequiredBy: "smbd.service" })).toMatchObject({ yes: true });
    expect(startsAtBoot({ UnitFileState: "enabled-runtime" })).toMatchObject({ yes: false, why: expect.stringMatching(/gone after a reboot/) });
    expect(startsAtBoot({ Id: "smbd.service", UnitFileState: "disabled" })).toEqual({ yes: false, why: "disabled: not started at boot (systemctl enable smbd.service)" });
    expect(startsAtBoot({ UnitFileState: "masked" })).toMatchObject({ yes: false });
  });
});

describe("units in the inventory", () => {
  const inv = (y: string) => parseInventory(`version: 1\nnodes:\n  - name: vm102\n    role: storage\n    layer: 1\n    ssh: { host: h, agent: true }\n    units:\n${y}`, "/srv/inv.yaml");
  it("a name without suffix is a .service; mounts lose a trailing slash; a unit once", () => {
    expect(inv("      - { name: smbd, mounts: [/mnt/mergerfs/] }\n      - { name: snapraid-sync.timer }\n").nodes[0]!.units).toEqual([
      { name: "smbd.service", mounts: ["/mnt/mergerfs"] },
      { name: "snapraid-sync.timer", mounts: [] },
    ]);
    expect(inventoryProblems(() => inv("      - { name: smbd }\n      - { name: smbd.service }\n"))).toMatch(/units\[1\]/);
    expect(inventoryProblems(() => inv("      - { name: 'smbd; rm -rf /' }\n"))).toMatch(/systemd unit name/);
  });
});

describe("BOOT-010 on the lab's captured systemctl show (vm102, systemd 252)", () => {
  let spec: Declared;
  beforeAll(async () => {
    spec = declared.find((d) => d.meta.id === "BOOT-010")!;
  });
  const decl = [{ name: "smbd.service", mounts: ["/mnt/mergerfs"] }, { name: "ssh.service", mounts: [] as string[] }, { name: "nosuch.service", mounts: [] as string[] }];
  const node = (units: typeof decl) => ({ name: "vm102", role: "storage", layer: 1, services: [], ssh: {}, units }) as unknown as NodeDecl;
  const judge = (units: typeof decl, stdout: string) =>
    evaluate(spec.meta, spec.def, node(units), factsOf("vm102", [[bootUnits(units), { stdout, stderr: "", code: 0 }]])) as { status: string; message?: string };
  const captured = read("lab-vm102-units.stdout.txt");

  it("smbd enabled, active and after mnt-mergerfs.mount, ssh enabled and active pass; a unit that does not exist fails", () => {
    expect(judge(decl, captured).message!.split("\n").slice(1)).toEqual(["  - unit nosuch.service: expected installed; actual not found (no unit file: the package is missing or the name is wrong)"]);
    expect(judge(decl.slice(0, 2), captured.split("\n\nId=nosuch")[0]! + "\n").status).toBe("passed");
  });

  it("smbd disabled (the drift smbd-disabled) and not ordered after a mount it uses fail", () => {
    const disabled = captured.split("\n\nId=ssh")[0]!.replace("UnitFileState=enabled", "UnitFileState=disabled") + "\n";
    const v = judge([{ name: "smbd.service", mounts: ["/mnt/mergerfs", "/mnt/other"] }], disabled);
    expect(v.message!.split("\n").slice(1)).toEqual([
      "  - unit smbd.service: expected started by systemd at boot (enabled); actual disabled: not started at boot (systemctl enable smbd.service)",
      "  - unit smbd.service uses /mnt/other: expected ordered after mnt-other.mount (RequiresMountsFor=/mnt/other, or After= on the mount unit); actual not ordered after it (After: mnt-mergerfs.mount): at boot it may start on the empty mount point",
    ]);
  });
});
