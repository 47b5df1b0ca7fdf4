// Playbook diagnostics (operations.md §4.3-4.5, issue #5 item 7): what a failed invariant's
// playbook says to look at, gathered in ONE extra round trip on the failed node only, redacted,
// and named in the failure message. A conformant run makes no extra round trip.
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { diagnoseNode } from "../../helpers/facts/gather.ts";
import { gatherWithPool } from "../../helpers/facts/run.ts";
import type { NodeFacts } from "../../helpers/facts/types.ts";
import type { Inventory, NodeDecl } from "../../helpers/inventory/types.ts";
import type { Probe } from "../../helpers/probes/types.ts";
import { loadCatalog } from "../../helpers/spec/catalog.ts";
import { diagnosticsPlan, judgeAll } from "../../helpers/run/judge.ts";
import { DEFAULT_OPTIONS } from "../../helpers/spec/evaluate.ts";
import { mountUnit } from "../../helpers/inventory/sections/mounts.ts";
import { containerDiagnostics, findmntT, mountDiagnostics, unique, unitDiagnostics, unitPath } from "../../helpers/spec/diagnostics.ts";
import { evaluate, type InvariantDef } from "../../helpers/spec/evaluate.ts";
import type { InvariantMeta } from "../../helpers/spec/meta.ts";
import type { Declared } from "../../helpers/spec/catalog.ts";
import type { TransportPool } from "../../helpers/transport/pool.ts";
import type { Transport } from "../../helpers/transport/types.ts";

const meta: InvariantMeta = { id: "TEST-001", title: "Things are fine", must: "Things MUST be fine.", section: "§9", family: "boot", severity: "normal", playbook: "§4.4 CIFS mount failure" };
const probe: Probe<number> = { name: "answer", command: "echo 42", parse: (o) => Number(o.stdout) };
const node = (name: string) => ({ name, role: "compute", layer: 2, services: [], ssh: {} }) as unknown as NodeDecl;
const def = {
  appliesTo: () => true,
  reads: () => ({ answer: probe }),
  check: ({ facts }) => (facts.answer === 42 ? [] : [{ subject: "/mnt/media (//vm102/media)", expected: "42", actual: String(facts.answer) }]),
  diagnose: () => [findmntT("/mnt/media"), { what: "echo secret", command: "echo 'password=hunter22 s3cr3t-pw'" }],
} as InvariantDef<{ answer: Probe<number> }> as unknown as InvariantDef;
const declared: Declared[] = [{ kind: "invariant", meta, def, file: "specs/test.spec.ts" }];

/** A transport that runs the batch in a local sh (the real batching), counting round trips. */
function localTransport(name: string, answer: number, calls: string[]): Transport {
  return {
    node: name,
    exec: async (script) => {
      calls.push(name);
      const r = await execa("sh", ["-c", script.replace("echo 42", `echo ${answer}`).replace(/timeout 10 findmnt -T \/mnt\/media/, "echo TARGET /mnt/media")], { reject: false });
      return { command: script, stdout: r.stdout, stderr: r.stderr, code: r.exitCode ?? null, durationMs: 1 };
    },
    close: async () => {},
  };
}

function fakePool(answers: Record<string, number>, calls: string[]): TransportPool {
  const ts = new Map(Object.entries(answers).map(([n, a]) => [n, localTransport(n, a, calls)]));
  return { get: (n: string) => ts.get(n)!, stats: { connections: [] } } as unknown as TransportPool;
}

const inventory = (names: string[]): Inventory => ({ file: "/x.yaml", version: 1, nodes: names.map(node) });
const run = (inv: Inventory, pool: TransportPool) =>
  gatherWithPool(inv, pool, () => [probe as Probe<unknown>], {
    diagnose: (i, f) => diagnosticsPlan(judgeAll({ invariants: declared, nodes: i.nodes }, { inventory: i, nodes: f.nodes, options: DEFAULT_OPTIONS }, [], false), f.nodes),
  });

describe("playbook diagnostics in the gather phase", () => {
  it("a conformant run makes no extra round trip: one per node, no diagnostics", async () => {
    const calls: string[] = [];
    const facts = await run(inventory(["vm100", "vm101"]), fakePool({ vm100: 42, vm101: 42 }, calls));
    expect(calls.sort()).toEqual(["vm100", "vm101"]);
    expect(Object.values(facts.nodes).map((n) => [n.node, n.roundTrips, n.diagnostics])).toEqual([
      ["vm100", 1, undefined],
      ["vm101", 1, undefined],
    ]);
    expect(facts.diagnosticsMs).toBeUndefined();
  });

  it("a failed node gets ONE more round trip with every diagnostic, redacted; the others none", async () => {
    const calls: string[] = [];
    const facts = await run(inventory(["vm100", "vm101"]), fakePool({ vm100: 41, vm101: 42 }, calls));
    expect(calls.sort()).toEqual(["vm100", "vm100", "vm101"]);
    const vm100 = facts.nodes.vm100!;
    expect(vm100.roundTrips).toBe(2);
    expect(facts.nodes.vm101!.roundTrips).toBe(1);
    const ds = vm100.diagnostics!["TEST-001"]!;
    expect(ds.map((d) => [d.what, d.stdout, d.code])).toEqual([
      ["findmnt -T /mnt/media", "TARGET /mnt/media\n", 0],
      ["echo secret", "password=[redacted] s3cr3t-pw\n", 0],
    ]);
    expect(JSON.stringify(ds)).not.toContain("hunter22");
  });

  it("known secrets are masked in diagnostics too", async () => {
    const facts: NodeFacts = { node: "vm100", reachable: true, roundTrips: 1, gatherMs: 1, facts: {} };
    const t: Transport = { node: "vm100", exec: async (s) => ({ command: s, stdout: s, stderr: "", code: 0, durationMs: 1 }), close: async () => {} };
    await diagnoseNode(t, facts, { "TEST-001": [{ what: "x", command: "echo s3cr3t-pw" }] }, ["s3cr3t-pw"]);
    expect(JSON.stringify(facts.diagnostics)).not.toContain("s3cr3t-pw");
  });

  it("runs each command once per node even when two invariants ask for it", async () => {
    const scripts: string[] = [];
    const facts: NodeFacts = { node: "vm100", reachable: true, roundTrips: 1, gatherMs: 1, facts: {} };
    const t: Transport = {
      node: "vm100",
      exec: async (s) => (scripts.push(s), { stdout: (await execa("sh", ["-c", s], { reject: false })).stdout, stderr: "", command: s, code: 0, durationMs: 1 }),
      close: async () => {},
    };
    await diagnoseNode(t, facts, { "A-001": [{ what: "a", command: "echo one" }], "B-001": [{ what: "a", command: "echo one" }, { what: "b", command: "echo two" }] });
    expect(scripts).toHaveLength(1);
    expect(scripts[0]!.match(/echo one/g)).toHaveLength(1);
    expect(facts.diagnostics!["B-001"]!.map((d) => d.stdout)).toEqual(["one\n", "two\n"]);
    expect(facts.roundTrips).toBe(2);
  });

  it("an unreachable diagnostics round trip is recorded, and the message says what to look at by hand", async () => {
    const facts: NodeFacts = { node: "vm100", reachable: true, roundTrips: 1, gatherMs: 1, facts: { answer: { ok: true, value: 41, evidence: { probe: "answer", command: "echo 42", stdout: "41", stderr: "", code: 0 } } } };
    const t: Transport = { node: "vm100", exec: async () => { throw new Error("connection reset"); }, close: async () => {} };
    await diagnoseNode(t, facts, { "TEST-001": def.diagnose!({} as never, []) });
    const v = evaluate(meta, def, node("vm100"), facts);
    expect(v.status === "failed" && v.message.split("\n").at(-1)).toBe(
      "  playbook §4.4 CIFS mount failure: look at findmnt -T /mnt/media; echo secret (not gathered: the diagnostics round trip failed: connection reset)",
    );
  });
});

describe("the failure message names the playbook section", () => {
  const facts = (diagnostics?: NodeFacts["diagnostics"]): NodeFacts => ({
    node: "vm100", reachable: true, roundTrips: 2, gatherMs: 1, diagnostics,
    facts: { answer: { ok: true, value: 41, evidence: { probe: "answer", command: "echo 42", stdout: "41", stderr: "", code: 0 } } },
  });

  it("with the gathered diagnostics attached", () => {
    const wanted = def.diagnose!({} as never, []);
    const gathered = wanted.map((w) => ({ ...w, stdout: "out", stderr: "", code: 0 }));
    const v = evaluate(meta, def, node("vm100"), facts({ "TEST-001": gathered }));
    expect(v.status).toBe("failed");
    if (v.status !== "failed") return;
    expect(v.message).toBe(
      "TEST-001 [vm100] Things are fine (§9)\n  - /mnt/media (//vm102/media): expected 42; actual 41\n  playbook §4.4 CIFS mount failure: diagnostics attached: findmnt -T /mnt/media; echo secret",
    );
    expect(v.diagnostics).toEqual(gathered);
  });

  it("a pass carries no diagnostics and an invariant without a playbook reads as before", () => {
    expect(evaluate(meta, { ...def, check: () => [] }, node("vm100"), facts())).toEqual({ status: "passed", evidence: [expect.anything()] });
    const v = evaluate({ ...meta, playbook: undefined }, def, node("vm100"), facts());
    expect(v.status === "failed" && v.message).toBe("TEST-001 [vm100] Things are fine (§9)\n  - /mnt/media (//vm102/media): expected 42; actual 41");
  });
});

describe("diagnostic commands", () => {
  it("maps mountpoints to systemd units and back", () => {
    expect(mountUnit("/mnt/media", "automount")).toBe("mnt-media.automount");
    expect(unitPath("mnt-media.automount")).toBe("/mnt/media");
    expect(unitPath("mnt-my\\x2dshare.mount")).toBe("/mnt/my-share");
    expect(unitPath("-.mount")).toBe("/");
    expect(unitPath("smbd.service")).toBeUndefined();
  });

  it("are the playbook's: findmnt -T, systemctl status, journalctl -n 30, docker logs --tail 50, the restart history; each bounded", () => {
    expect(mountDiagnostics("/mnt/media", { automount: true }).map((d) => d.what)).toEqual([
      "findmnt -T /mnt/media",
      "systemctl status mnt-media.automount",
      "systemctl status mnt-media.mount",
      "journalctl -u mnt-media.automount -n 30",
      "journalctl -u mnt-media.mount -n 30",
    ]);
    expect(unitDiagnostics("mnt-media.mount").map((d) => d.command)).toEqual([
      "timeout 10 findmnt -T /mnt/media",
      "timeout 10 systemctl status --no-pager --full --lines=0 mnt-media.mount",
      "timeout 10 journalctl -u mnt-media.mount -n 30 --no-pager",
    ]);
    const [history, logs] = containerDiagnostics("jellyfin");
    expect(logs!.command).toBe("timeout 10 docker logs --tail 50 --timestamps jellyfin");
    expect(history!.command).toMatch(/^timeout 10 docker inspect --format '.*RestartCount=\{\{\.RestartCount\}\}.*StartedAt=\{\{\.State\.StartedAt\}\}.*FinishedAt=\{\{\.State\.FinishedAt\}\}.*ExitCode=\{\{\.State\.ExitCode\}\}.*' jellyfin$/s);
    expect(history!.command).not.toMatch(/Env|\.Config/);
    expect(unique([...unitDiagnostics("mnt-media.mount"), ...mountDiagnostics("/mnt/media")])).toHaveLength(3);
  });
});

describe("the specs with a playbook (§4.1-4.5)", async () => {
  const items = await loadCatalog();
  const byId = (id: string) => items.find((d) => d.meta.id === id)!;

  it("BOOT-004, BOOT-005, BOOT-006, CONT-001, CONT-002, DATA-005, DATA-006 name a §4 playbook and diagnose", () => {
    for (const id of ["BOOT-004", "BOOT-005", "BOOT-006", "CONT-001", "CONT-002", "DATA-005", "DATA-006"]) {
      expect(byId(id).meta.playbook, id).toMatch(/^§4\.\d/);
      expect(typeof byId(id).def.diagnose, id).toBe("function");
    }
  });

  const vm100 = {
    ...node("vm100"),
    mounts: [{ path: "/mnt/media", source: "//vm102/media", identity: "jellyfin", access: "ro", credentials: "/etc/smb-media", maxMountTimeoutSec: 30 }],
    containers: [
      { name: "jellyfin", restart: "unless-stopped", healthcheck: false, maxRestarts: 3, dataPaths: [{ container: "/media", mustBeMount: "/mnt/media" }], publish: [] },
      { name: "audiobookshelf", restart: "unless-stopped", healthcheck: false, maxRestarts: 3, dataPaths: [], publish: [] },
    ],
  } as unknown as NodeDecl;
  const cont = (name: string, restartCount: number) => ({ name, restartPolicy: "unless-stopped", status: "running", running: true, stateRunning: true, paused: false, restarting: false, dead: false, restartCount, ports: [], mounts: [] });
  const rec = (value: unknown) => ({ ok: true, value, evidence: { probe: "p", command: "c", stdout: "", stderr: "", code: 0 } });

  it("CONT-002 on a restart loop asks for that container's mounts, restart history and logs only", () => {
    const f: NodeFacts = { node: "vm100", reachable: true, roundTrips: 1, gatherMs: 1, facts: { containers: rec([cont("jellyfin", 0), cont("audiobookshelf", 9)]) } };
    const v = evaluate(byId("CONT-002").meta, byId("CONT-002").def, vm100, f);
    expect(v.status === "failed" && v.wanted.map((w) => w.what)).toEqual(["restart history audiobookshelf", "docker logs --tail 50 audiobookshelf"]);
    expect(v.status === "failed" && v.message.split("\n").at(-1)).toBe(
      "  playbook §4.5 Container failure / restart loops: look at restart history audiobookshelf; docker logs --tail 50 audiobookshelf (not gathered)",
    );
  });

  it("BOOT-006 asks for each failed unit's status and journal", () => {
    const f: NodeFacts = {
      node: "vm100", reachable: true, roundTrips: 1, gatherMs: 1,
      facts: { "failed-units": rec({ systemd: true, units: [{ unit: "mnt-media.mount", load: "loaded", active: "failed", sub: "failed", description: "" }] }) },
    };
    const d = byId("BOOT-006");
    const v = evaluate(d.meta, d.def, vm100, f);
    expect(v.status === "failed" && v.wanted.map((w) => w.what)).toEqual(["findmnt -T /mnt/media", "systemctl status mnt-media.mount", "journalctl -u mnt-media.mount -n 30"]);
  });
});
