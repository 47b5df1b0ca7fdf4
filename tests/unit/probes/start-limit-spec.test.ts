// BOOT-007 judged on real `systemctl show` output of vm100's mount units (fixtures/captured/mounts,
// the network-mount-units probe with StartLimitBurst/StartLimitIntervalUSec): with the lab's
// drop-in (StartLimitIntervalUSec=0) it passes; after drift mount-start-limit (systemd's default
// 5 in 10 s) it fails on the .mount unit; once the limit was hit (vm102 off, vm100 rebooted, 8
// accesses) it also names the locked-out .automount and the manual step it would take.
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { mountsDeclared } from "../../../fixtures/lab/declared/mounts.ts";
import { exampleMountUnits } from "../catalog-support.ts";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import type { Inventory } from "../../../helpers/inventory/types.ts";
import { evaluate, type Verdict } from "../../../helpers/spec/evaluate.ts";
import { declared } from "../catalog-support.ts";

const ctx: { inventory?: Inventory } = {};

const inventory = (): Inventory =>
  parseInventory(
    dump({ version: 1, defaults: { ssh: { agent: true } }, nodes: [{ name: "vm100", role: "compute", layer: 2, ssh: { host: "vm100" }, mounts: mountsDeclared.vm100 }] }),
    "/lab/abc/inventory.yaml",
  );

function facts(file: string): NodeFacts {
  const stdout = readFileSync(`fixtures/captured/mounts/${file}`, "utf8");
  const value = exampleMountUnits.parse({ stdout, stderr: "", code: 0 });
  return {
    node: "vm100",
    reachable: true,
    roundTrips: 1,
    gatherMs: 1,
    facts: { [exampleMountUnits.name]: { ok: true, value, evidence: { probe: exampleMountUnits.name, command: "…", stdout, stderr: "", code: 0 } } },
  } as NodeFacts;
}

function judge(file: string): Verdict {
  ctx.inventory = inventory();
  const node = ctx.inventory.nodes.find((n) => n.name === "vm100")!;
  const d = declared.find((x) => x.meta.id === "BOOT-007")!;
  return evaluate(d.meta, d.def, node, facts(file), [], { inventory: ctx.inventory });
}
const message = (v: Verdict) => (v.status === "passed" ? "" : v.message);

beforeAll(async () => {
});

describe("BOOT-007 on vm100's real mount units", () => {
  it("passes with the drop-in: mnt-media.mount StartLimitIntervalUSec=0", () => {
    const v = judge("vm100-start-limit-conformant.units.txt");
    expect(v.status, message(v)).toBe("passed");
  });

  it("fails after drift mount-start-limit: systemd's default 5 starts in 10 s on the .mount unit", () => {
    const v = judge("vm100-mount-start-limit.units.txt");
    expect(v.status).toBe("failed");
    expect(message(v)).toContain("BOOT-007 [vm100]");
    expect(message(v)).toContain("mnt-media.mount (/mnt/media, //vm102/media) start limit");
    expect(message(v)).toContain("StartLimitBurst=5 in StartLimitIntervalUSec=10s: while //vm102/media is unreachable, access 6 within 10s fails mnt-media.automount for good");
    expect(message(v)).not.toContain("mount-start-limit-hit: /mnt/media is a plain directory");
  });

  it("names a locked-out automount and the manual step it now needs", () => {
    const v = judge("vm100-mount-start-limit-locked-out.units.txt");
    expect(v.status).toBe("failed");
    expect(message(v)).toContain("mnt-media.automount");
    expect(message(v)).toContain("failed/failed, result mount-start-limit-hit: /mnt/media is a plain directory until `systemctl reset-failed mnt-media.mount mnt-media.automount && systemctl start mnt-media.automount`");
  });

  it("accepts StartLimitBurst=0 as off too, and asks for a diagnosis with the unit's drop-ins", () => {
    const text = readFileSync("fixtures/captured/mounts/vm100-mount-start-limit.units.txt", "utf8").replace(/(Id=mnt-media\.mount[\s\S]*?)StartLimitBurst=5/, "$1StartLimitBurst=0");
    ctx.inventory = inventory();
    const node = ctx.inventory.nodes.find((n) => n.name === "vm100")!;
    const d = declared.find((x) => x.meta.id === "BOOT-007")!;
    const f = facts("vm100-mount-start-limit.units.txt");
    f.facts[exampleMountUnits.name] = { ok: true, value: exampleMountUnits.parse({ stdout: text, stderr: "", code: 0 }), evidence: { probe: exampleMountUnits.name, command: "…", stdout: text, stderr: "", code: 0 } } as never;
    expect(evaluate(d.meta, d.def, node, f, [], { inventory: ctx.inventory }).status).toBe("passed");
    const diag = d.def.diagnose!({ node, fact: () => undefined as never } as never, [{ subject: "mnt-media.mount (/mnt/media, //vm102/media) start limit", expected: "", actual: "" }]);
    expect(diag.map((x) => x.what)).toContain("systemctl cat mnt-media.mount");
  });
});
