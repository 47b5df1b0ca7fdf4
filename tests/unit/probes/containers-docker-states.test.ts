// A paused, restarting or exited container is not running (issue 21 point 4), judged on REAL output
// of the host's Docker engine 20.10 (fixtures/captured/containers/README.md, "Docker states"):
// Docker keeps State.Running true while a container is paused or in a restart back-off.
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { describe, expect, it } from "vitest";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import { containers } from "../../../helpers/probes/containers.ts";
import { evaluate } from "../../../helpers/spec/evaluate.ts";
import { declared } from "../catalog-support.ts";

const read = (f: string) => readFileSync(`fixtures/captured/containers/${f}`, "utf8");
const out = (stdout: string) => ({ stdout, stderr: "", code: 0 });
const P = "hlc21a-state";


describe("Docker's State fields (real docker inspect, Docker 20.10)", () => {
  for (const file of ["format-docker-states.jsonl", "inspect-docker-states.json"]) {
    it(`${file}: State.Running is true for the paused and the restarting container, and neither is running`, () => {
      const all = containers.parse(out(read(file)));
      const get = (n: string) => all.find((c) => c.name === `${P}-${n}`)!;
      expect(get("paused")).toMatchObject({ stateRunning: true, paused: true, status: "paused", running: false });
      expect(get("restarting")).toMatchObject({ stateRunning: true, restarting: true, status: "restarting", running: false });
      expect(get("exited")).toMatchObject({ stateRunning: false, status: "exited", running: false });
      expect(get("running")).toMatchObject({ stateRunning: true, status: "running", running: true, health: "healthy" });
      expect(get("unhealthy")).toMatchObject({ running: true, health: "unhealthy" });
    });
  }

  it("CONT-002 fails the paused, restarting and exited containers and passes the running one", () => {
    const names = ["running", "paused", "restarting", "exited"];
    const node = parseInventory(
      dump({ version: 1, defaults: { ssh: { agent: true } }, nodes: [{ name: "dh", role: "compute", layer: 2, ssh: { host: "dh" }, containers: names.map((n) => ({ name: `${P}-${n}`, healthcheck: n !== "restarting" && n !== "exited", restart: n === "restarting" ? "always" : n === "exited" ? "no" : "unless-stopped", maxRestarts: 10 })) }] }),
      "/x/inventory.yaml",
    ).nodes[0]!;
    const stdout = read("format-docker-states.jsonl");
    const facts: NodeFacts = { node: "dh", reachable: true, roundTrips: 1, gatherMs: 1, facts: { [containers.name]: { ok: true, value: containers.parse(out(stdout)), evidence: { probe: containers.name, command: "…", stdout, stderr: "", code: 0 } } } };
    const d = declared.find((x) => x.meta.id === "CONT-002")!;
    const v = evaluate(d.meta, d.def, node, facts, []);
    expect(v.status).toBe("failed");
    const msg = v.status === "failed" ? v.message : "";
    expect(msg).toContain(`container ${P}-paused: expected running; actual paused (State.Running is true, but Paused: not serving)`);
    expect(msg).toContain(`container ${P}-restarting: expected running; actual restarting (State.Running is true, but Restarting: not serving)`);
    expect(msg).toContain(`container ${P}-exited: expected running; actual exited`);
    expect(msg).not.toContain(`container ${P}-running:`);
  });
});
