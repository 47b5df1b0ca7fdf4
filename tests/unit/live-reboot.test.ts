// The live reboot entry point (issue #5 item 6): refused unless the inventory allows the node AND
// the operator confirms it by name; the reboot is seen as a drop followed by a NEW boot id.
import { describe, expect, it } from "vitest";
import { awaitReboot, BOOT_ID_COMMAND, decideReboot, readBootId } from "../../helpers/convergence/live.ts";
import { rebootSection, spanSec } from "../../helpers/inventory/sections/reboot.ts";
import type { Inventory, NodeDecl } from "../../helpers/inventory/types.ts";
import type { Transport } from "../../helpers/transport/types.ts";

const n = (name: string, extra: Partial<NodeDecl> = {}): NodeDecl =>
  ({ name, role: "compute", layer: 2, services: [], ssh: { host: "10.0.0.1", port: 22, user: "root", sudo: false }, ...extra }) as NodeDecl;
const inv = (...nodes: NodeDecl[]): Inventory => ({ file: "/etc/hlc/inventory.yaml", version: 1, nodes });
const allowed = rebootSection.normalize({ allowed: true, convergeWithin: "5m" }, "/");

describe("who may be rebooted", () => {
  it("the reboot section: allowed is off by default, spans read as seconds", () => {
    expect(rebootSection.normalize({}, "/")).toEqual({ allowed: false, convergeWithinSec: 300, allowDegraded: false });
    expect(allowed).toEqual({ allowed: true, convergeWithinSec: 300, allowDegraded: false });
    expect([spanSec("90s"), spanSec("5m"), spanSec("1h"), spanSec(120), spanSec("45")]).toEqual([90, 300, 3600, 120, 45]);
  });

  it("refuses a node the inventory does not allow, even when confirmed", () => {
    const d = decideReboot(inv(n("vm100")), "vm100", "vm100");
    expect(d).toEqual({ ok: false, reason: "vm100 does not allow reboots: declare `reboot: { allowed: true, convergeWithin: 5m }` on it in /etc/hlc/inventory.yaml" });
    expect(decideReboot(inv(n("vm100", { reboot: { ...allowed, allowed: false } })), "vm100", "vm100").ok).toBe(false);
  });

  it("refuses an allowed node without a confirmation naming it", () => {
    const i = inv(n("vm100", { reboot: allowed }), n("vm101", { reboot: allowed }));
    expect(decideReboot(i, "vm100", undefined)).toMatchObject({ ok: false, reason: expect.stringContaining("confirm it with --confirm-reboot vm100 (or HLC_CONFIRM_REBOOT=vm100)") });
    expect(decideReboot(i, "vm100", "vm101")).toMatchObject({ ok: false, reason: expect.stringContaining("the confirmation names vm101") });
  });

  it("refuses unknown nodes, hypervisors and pct-reached LXCs", () => {
    expect(decideReboot(inv(n("vm100")), "vm999", "vm999")).toMatchObject({ ok: false, reason: expect.stringContaining("vm999 is not a node") });
    expect(decideReboot(inv(n("pve", { role: "hypervisor", reboot: allowed })), "pve", "pve")).toMatchObject({ ok: false, reason: expect.stringContaining("hypervisor") });
    const lxc = n("lxc210", { ssh: undefined, pct: { host: "pve", vmid: 210 }, reboot: allowed });
    expect(decideReboot(inv(lxc), "lxc210", "lxc210")).toMatchObject({ ok: false, reason: expect.stringContaining("pct") });
  });

  it("allows an allowed, confirmed node, with its bound and what converged means", () => {
    const d = decideReboot(inv(n("vm100", { reboot: { ...allowed, allowDegraded: true } })), "vm100", "vm100");
    expect(d).toMatchObject({ ok: true, boundSec: 300, expect: { system: ["running", "degraded"] } });
  });
});

describe("waiting for the reboot: a drop, then a new boot id", () => {
  const OLD = "6f1c2a9e-0000-4000-8000-000000000001";
  const NEW = "6f1c2a9e-0000-4000-8000-000000000002";
  /** A fake clock and a probe answering from a script: an id, or "down" (throws). */
  function scripted(steps: Array<string | "down">) {
    let t = 0;
    let i = 0;
    return {
      probe: async () => {
        const s = steps[Math.min(i++, steps.length - 1)]!;
        if (s === "down") throw new Error("connect ECONNREFUSED");
        return s;
      },
      now: () => t,
      sleep: async (ms: number) => void (t += ms),
    };
  }

  it("old id while shutting down, no answer while down, then the new id", async () => {
    const s = scripted([OLD, OLD, "down", "down", "down", NEW]);
    const w = await awaitReboot(s.probe, OLD, { deadline: 60_000, intervalMs: 1000, now: s.now, sleep: s.sleep });
    expect(w).toEqual({ downAfterMs: 2000, upAfterMs: 5000, bootId: NEW, probes: 6 });
  });

  it("a node that never goes down: the reboot was not carried out", async () => {
    const s = scripted([OLD]);
    await expect(awaitReboot(s.probe, OLD, { deadline: 10_000, now: s.now, sleep: s.sleep })).rejects.toThrow("the node never went down");
  });

  it("a node that went down and came back with the OLD boot id (a reconnect, not a reboot) is not rebooted", async () => {
    const s = scripted([OLD, "down", OLD]);
    await expect(awaitReboot(s.probe, OLD, { deadline: 10_000, now: s.now, sleep: s.sleep })).rejects.toThrow(/did not answer with a new boot id in time \(last: it answers with the OLD boot id\)/);
  });

  it("a node that stays down fails with the last connection error", async () => {
    const s = scripted([OLD, "down"]);
    await expect(awaitReboot(s.probe, OLD, { deadline: 10_000, now: s.now, sleep: s.sleep })).rejects.toThrow(/went down after 1\.0 s .*ECONNREFUSED/);
  });

  it("reads the boot id (kernel boot id / PID 1 start ticks), and refuses output that is not one", async () => {
    const t = (stdout: string, code = 0): Transport => ({ node: "vm100", exec: async (c) => ({ command: c, stdout, stderr: "", code, durationMs: 1 }), close: async () => {} });
    expect(await readBootId(t(`${NEW}/2417\n`))).toBe(`${NEW}/2417`);
    await expect(readBootId(t(`${NEW}\n`))).rejects.toThrow("cannot read the boot id");
    await expect(readBootId(t("", 1))).rejects.toThrow("cannot read the boot id");
  });

  it("the boot id command runs here and changes with either the kernel's boot or PID 1", async () => {
    const { execa } = await import("execa");
    const out = (await execa("sh", ["-c", BOOT_ID_COMMAND])).stdout;
    expect(out).toMatch(/^[0-9a-f-]{36}\/\d+$/);
  });
});
