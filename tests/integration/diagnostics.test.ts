// Playbook diagnostics end to end (operations.md §4.3-4.5, issue #5 item 7): the real suite against
// a lab (vm102 storage, vm100 its consumer with two containers). Conformant, it makes exactly one
// round trip per node. With vm100's audiobookshelf in a restart loop, CONT-002 fails naming the
// §4.5 playbook and carries, as Allure attachments, what §4.5 says to look at, gathered on vm100
// in ONE more round trip over the same connection (vm102, which failed nothing, gets none).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultLab } from "../../fixtures/lab/default-lab.ts";
import { findDrift } from "../../fixtures/lab/drifts.ts";
import { applyDrift, startLab, type Lab } from "../../fixtures/lab/lab.ts";
import { resultFor, runSuite, type SuiteRun } from "../../fixtures/lab/run-suite.ts";

const PLAYBOOK_SPECS = ["BOOT-004", "BOOT-005", "BOOT-006", "CONT-001", "CONT-002", "DATA-005", "DATA-006"];

interface AllureResult {
  name: string;
  status: string;
  statusDetails?: { message?: string };
  steps: Array<{ name: string; attachments?: Array<{ name: string; source: string }> }>;
}

function allureResult(run: SuiteRun, name: string): AllureResult {
  for (const f of readdirSync(run.allureResults).filter((x) => x.endsWith("-result.json"))) {
    const r = JSON.parse(readFileSync(join(run.allureResults, f), "utf8")) as AllureResult;
    if (r.name === name) return r;
  }
  throw new Error(`no Allure result named ${name}`);
}

function attachments(run: SuiteRun, r: AllureResult): Record<string, string> {
  return Object.fromEntries(r.steps.flatMap((s) => (s.attachments ?? []).map((a) => [a.name, readFileSync(join(run.allureResults, a.source), "utf8")])));
}

let lab: Lab;
let conformant: SuiteRun;
let drifted: SuiteRun;

beforeAll(async () => {
  // Without pve: the guests' `proxmox` declarations (which need their hypervisor) are left out;
  // without lxc200: vm100's `repoCopies`, kept on lxc200, too.
  const nodes = defaultLab()
    .filter((n) => ["vm102", "vm100"].includes(n.name))
    .map(({ declare, ...n }) => ({ ...n, declare: Object.fromEntries(Object.entries(declare ?? {}).filter(([k]) => k !== "proxmox" && k !== "repoCopies")) }));
  lab = await startLab(nodes);
  conformant = await runSuite(lab.inventoryFile);
  await applyDrift(lab, findDrift("restart-loop"));
  drifted = await runSuite(lab.inventoryFile);
}, 600_000);

afterAll(async () => {
  await lab?.stop();
});

describe("playbook diagnostics (§4.3-4.5)", () => {
  it("a conformant run: the playbook specs pass and every node gets exactly one round trip, no diagnostics", () => {
    for (const r of conformant.results.filter((x) => PLAYBOOK_SPECS.includes(x.id))) expect(r.status, `${r.id} ${r.node}: ${r.message}`).not.toBe("failed");
    expect(conformant.stats.nodes.map((n) => [n.node, n.roundTrips])).toEqual([
      ["vm102", 1],
      ["vm100", 1],
    ]);
    expect(conformant.stats).not.toHaveProperty("diagnosticsMs");
  });

  it("a restart loop: CONT-002 fails naming playbook §4.5, with the restart history and the logs attached", () => {
    const r = resultFor(drifted, "CONT-002", "vm100");
    expect(r.status).toBe("failed");
    expect(r.message).toContain(
      "playbook §4.5 Container failure / restart loops: diagnostics attached: findmnt -T /mnt/media; restart history audiobookshelf; docker logs --tail 50 audiobookshelf",
    );
    const a = attachments(drifted, allureResult(drifted, "CONT-002 vm100: Containers are running, healthy and not restart-looping"));
    expect(Object.keys(a).filter((k) => k.startsWith("diagnostics: "))).toEqual([
      "diagnostics: findmnt -T /mnt/media",
      "diagnostics: restart history audiobookshelf",
      "diagnostics: docker logs --tail 50 audiobookshelf",
    ]);
    expect(a["diagnostics: findmnt -T /mnt/media"]).toMatch(/^\/mnt\/media\s+\/\/vm102\/media/m);
    expect(a["diagnostics: restart history audiobookshelf"]).toMatch(/^RestartCount=[1-9]\d* RestartPolicy=unless-stopped$/m);
    expect(a["diagnostics: restart history audiobookshelf"]).toMatch(/^StartedAt=.*\n^FinishedAt=.*\n^ExitCode=\d+/m);
    expect(a["diagnostics: docker logs --tail 50 audiobookshelf"]).toContain("# exit 0");
  });

  it("the diagnostics cost ONE more round trip on the failed node only, over the same connection", () => {
    expect(drifted.stats.nodes.map((n) => [n.node, n.roundTrips])).toEqual([
      ["vm102", 1],
      ["vm100", 2],
    ]);
    // One connection per node, as in the conformant run: the diagnostics opened none.
    expect(drifted.stats.connections.map((c) => c.node).sort()).toEqual(["vm100", "vm102"]);
    const vm100 = drifted.stats.nodes.find((n) => n.node === "vm100") as unknown as { diagnostics: { invariants: string[]; commands: number } };
    expect(vm100.diagnostics.invariants).toContain("CONT-002");
    console.log(`[diagnostics] extra round trip: ${JSON.stringify((drifted.stats as unknown as { diagnosticsMs: number }).diagnosticsMs)} ms (${vm100.diagnostics.commands} commands)`);
  });

  it("a spec without a playbook reads as before: no diagnostics, no playbook line", () => {
    const r = resultFor(drifted, "EXPOSE-005", "vm100");
    expect(r.status).toBe("failed");
    expect(r.message).not.toContain("playbook");
  });
});
