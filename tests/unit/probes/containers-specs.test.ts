// CONT-001, CONT-002, BOOT-005 and EXPOSE-003 judged on facts parsed from real `docker inspect`
// output of the lab's compute image (fixtures/captured/containers), with the lab's declaration
// (fixtures/lab/declared/containers.ts): conformant vm100 passes, each drift fails its specs.
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { containersDeclared } from "../../../fixtures/lab/declared/containers.ts";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import { containers } from "../../../helpers/probes/containers.ts";
import { mounts } from "../../../helpers/probes/mounts.ts";
import { evaluate, type Verdict } from "../../../helpers/spec/evaluate.ts";
import { declared } from "../catalog-support.ts";

const SPECS = ["CONT-001", "CONT-002", "BOOT-005", "EXPOSE-003"];
const read = (f: string) => readFileSync(`fixtures/captured/containers/${f}`, "utf8");
const out = (stdout: string) => ({ stdout, stderr: "", code: 0 });

const vm100 = parseInventory(
  dump({ version: 1, defaults: { ssh: { agent: true } }, nodes: [{ name: "vm100", role: "compute", layer: 2, ssh: { host: "vm100" }, containers: containersDeclared.vm100 }] }),
  "/lab/abc/inventory.yaml",
).nodes[0]!;

function facts(inspect: string): NodeFacts {
  const rec = (name: string, stdout: string, value: unknown) => [name, { ok: true, value, evidence: { probe: name, command: "…", stdout, stderr: "", code: 0 } }] as const;
  const i = read(inspect);
  const m = read("findmnt-vm100.json");
  return { node: "vm100", reachable: true, roundTrips: 1, gatherMs: 1, facts: Object.fromEntries([rec(containers.name, i, containers.parse(out(i))), rec(mounts.name, m, mounts.parse(out(m)))]) };
}

function judge(inspect: string): Record<string, Verdict> {
  const f = facts(inspect);
  return Object.fromEntries(SPECS.map((id) => {
    const d = declared.find((x) => x.meta.id === id)!;
    return [id, evaluate(d.meta, d.def, vm100, f)];
  }));
}
const failed = (v: Record<string, Verdict>) => Object.entries(v).filter(([, x]) => x.status !== "passed").map(([id]) => id).sort();
const message = (v: Verdict) => (v.status === "passed" ? "" : v.message);

beforeAll(async () => {
});

describe("the containers specs on the compute image's real output", () => {
  it("all pass on the conformant vm100", () => {
    const v = judge("inspect-vm100.json");
    expect(failed(v), Object.values(v).map(message).join("\n")).toEqual([]);
  });
  it("restart-policy-no fails CONT-001 only", () => {
    const v = judge("inspect-vm100-restart-policy-no.json");
    expect(failed(v)).toEqual(["CONT-001"]);
    expect(message(v["CONT-001"]!)).toContain("container jellyfin: expected restart policy unless-stopped; actual restart policy no");
  });
  it("docker-publish-all fails EXPOSE-003 only", () => {
    const v = judge("inspect-vm100-docker-publish-all.json");
    expect(failed(v)).toEqual(["EXPOSE-003"]);
    expect(message(v["EXPOSE-003"]!)).toContain("container jellyfin port 8096 (8096/tcp): expected published on a specific LAN address (scope lan); actual published on all interfaces (empty HostIp)");
  });
  it("container-without-mount fails BOOT-005 (and CONT-002 only once jellyfin turns unhealthy)", () => {
    const v = judge("inspect-vm100-container-without-mount.json");
    expect(failed(v)).toEqual(["BOOT-005"]);
    expect(message(v["BOOT-005"]!)).toContain("container jellyfin /mnt/media: expected bound from the node's mount /mnt/media; actual bound from /mnt/vm-data/jellyfin-media");
    expect(failed(judge("inspect-vm100-container-without-mount-unhealthy.json"))).toEqual(["BOOT-005", "CONT-002"]);
  });
  it("restart-loop fails CONT-002", () => {
    const v = judge("inspect-vm100-restart-loop.json");
    expect(failed(v)).toContain("CONT-002");
    expect(message(v["CONT-002"]!)).toContain("container audiobookshelf: expected RestartCount ≤ 1; actual RestartCount 2");
    expect(failed(judge("format-vm100-restart-loop.jsonl"))).toEqual(["CONT-002"]);
  });
});
