// BOOT-006 on systemctl's real list: podman's healthcheck service of a container (captured from
// podman 4.3.1's systemd-run invocation on a lab node) is the container's health, CONT-002's.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import { failedUnits, podmanHealthcheckOf, SYSTEM_STATE_MARK, type FailedUnit } from "../../../helpers/probes/systemd.ts";
import { evaluate } from "../../../helpers/spec/evaluate.ts";
import { byId } from "../catalog-support.ts";

const ID = "5c532488ae2920fddfb0409ec0a6a8ea15acf705a890ea22aec34342a26acf9d";
const captured = readFileSync("fixtures/captured/boot/failed-units-podman-healthcheck.stdout.txt", "utf8");
const parse = (list: string) => failedUnits.parse({ stdout: `${list}${SYSTEM_STATE_MARK} degraded\n`, stderr: "", code: 0 }) as { systemd: true; units: FailedUnit[] };
const vm100 = { name: "vm100", role: "compute", layer: 2, services: [], ssh: {} } as unknown as NodeDecl;
const judged = (units: FailedUnit[]) => {
  const f: NodeFacts = {
    node: "vm100", reachable: true, roundTrips: 1, gatherMs: 1,
    facts: { "failed-units": { ok: true, value: { systemd: true, units }, evidence: { probe: "failed-units", command: "c", stdout: "", stderr: "", code: 0 } } },
  };
  const d = byId("BOOT-006");
  return evaluate(d.meta, d.def, vm100, f);
};

describe("BOOT-006 and podman's healthcheck services", () => {
  it("recognises the captured unit as the healthcheck of its container", () => {
    const units = parse(captured).units;
    expect(units).toEqual([{ unit: `${ID}.service`, load: "loaded", active: "failed", sub: "failed", description: `/usr/bin/podman healthcheck run ${ID}` }]);
    expect(podmanHealthcheckOf(units[0]!)).toBe(ID);
  });
  it("newer podman's unit names with a random suffix too, and nothing that only looks alike", () => {
    const u = (unit: string, description: string): FailedUnit => ({ unit, load: "loaded", active: "failed", sub: "failed", description });
    expect(podmanHealthcheckOf(u(`${ID}-6f1e2d3c4b5a6978.service`, `/usr/bin/podman healthcheck run ${ID}`))).toBe(ID);
    expect(podmanHealthcheckOf(u(`${ID}.service`, `podman healthcheck run ${ID}`))).toBe(ID);
    // Another container's check, another command, another unit type, a service named like a container.
    expect(podmanHealthcheckOf(u(`${ID}.service`, `/usr/bin/podman healthcheck run ${"0".repeat(64)}`))).toBeUndefined();
    expect(podmanHealthcheckOf(u(`${ID}.service`, `/usr/bin/podman start ${ID}`))).toBeUndefined();
    expect(podmanHealthcheckOf(u(`${ID}.timer`, `/usr/bin/podman healthcheck run ${ID}`))).toBeUndefined();
    expect(podmanHealthcheckOf(u("jellyfin.service", "/usr/bin/podman healthcheck run jellyfin"))).toBeUndefined();
    expect(podmanHealthcheckOf(u(`${ID}.service`, `/usr/bin/xpodman healthcheck run ${ID}`))).toBeUndefined();
  });
  it("passes a node whose only failed unit is a container's healthcheck, and still fails every other failed unit", () => {
    const hc = parse(captured).units;
    expect(judged(hc).status).toBe("passed");
    const other = parse(`${captured}mnt-media.mount loaded failed failed /mnt/media\n`).units;
    const v = judged(other);
    expect(v.status).toBe("failed");
    expect(v.status === "failed" && v.findings.map((f) => f.subject)).toEqual(["mnt-media.mount"]);
  });
});
