// The live reboot entry point against the lab (issue #5 item 6): `npm run conformance --
// --inventory FILE --reboot NODE` refuses unless the inventory allows the node AND the operator
// confirms it by name; allowed and confirmed, an in-guest `systemctl reboot` over SSH is seen as
// a dropped connection and then a NEW boot id, and the node's convergence is measured.
//
// The lab makes an in-guest reboot real: vm100's container gets Docker restart policy
// unless-stopped, so systemd exiting as PID 1 (what `systemctl reboot` does in a container) is
// followed by a start on the same filesystem; vm100 is reached through vm102 (its address is
// stable across the restart, as a VM's is). A container shares its host's kernel, so the kernel
// boot id does not change; the boot id the suite reads includes PID 1's start time, which does.
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideReboot, rebootLive } from "../../helpers/convergence/live.ts";
import { loadInventory } from "../../helpers/inventory/load.ts";
import { defaultLab } from "../../fixtures/lab/default-lab.ts";
import { startLab, type Lab } from "../../fixtures/lab/lab.ts";
import { readHostLimits } from "../../helpers/spec/limits.ts";
import { resultFor, runSuite } from "../../fixtures/lab/run-suite.ts";

let lab: Lab;

beforeAll(async () => {
  const nodes = defaultLab()
    .filter((n) => ["vm102", "vm100"].includes(n.name))
    .map(({ declare, ...n }) => ({
      ...n,
      ...(n.name === "vm100" ? { jump: "vm102" } : {}),
      declare: {
        // Without pve and lxc200: no `proxmox`, and no `repoCopies` (kept on lxc200).
        ...Object.fromEntries(Object.entries(declare ?? {}).filter(([k]) => k !== "proxmox" && k !== "repoCopies")),
        ...(n.name === "vm100" ? { reboot: { allowed: true, convergeWithin: "2m" } } : {}),
      },
    }));
  lab = await startLab(nodes);
  await execa("docker", ["update", "--restart", "unless-stopped", lab.containers.get("vm100")!.getId()]);
}, 600_000);

afterAll(async () => {
  await lab?.stop();
});

const cli = (...args: string[]) => execa("npx", ["tsx", "scripts/conformance.ts", "--inventory", lab.inventoryFile, ...args], { reject: false, all: true, env: { HLC_CONFIRM_REBOOT: "" } });

describe("live reboot entry point", () => {
  it("refuses without the confirmation, and refuses a node the inventory does not allow", async () => {
    const unconfirmed = await cli("--reboot", "vm100");
    expect(unconfirmed.exitCode).toBe(2);
    expect(unconfirmed.all).toContain("Refusing to reboot: rebooting vm100 is disruptive: confirm it with --confirm-reboot vm100");
    const notAllowed = await cli("--reboot", "vm102", "--confirm-reboot", "vm102");
    expect(notAllowed.exitCode).toBe(2);
    expect(notAllowed.all).toContain("Refusing to reboot: vm102 does not allow reboots");
  });

  it("reboots vm100 over SSH: the connection drops, a new boot id answers, vm100 converges within its bound, and the suite passes on it", async () => {
    const inventory = loadInventory(lab.inventoryFile);
    const decision = decideReboot(inventory, "vm100", "vm100");
    if (!decision.ok) throw new Error(decision.reason);
    const startedBefore = (await execa("docker", ["inspect", "--format", "{{.State.StartedAt}}", lab.containers.get("vm100")!.getId()])).stdout;

    const r = await rebootLive(inventory, decision, { log: (l) => console.log(`[reboot] ${l}`) });
    expect(r.error).toBeUndefined();
    expect(r.bootIdAfter).toBeDefined();
    expect(r.bootIdAfter).not.toBe(r.bootIdBefore);
    expect(r.downSec).toBeDefined();
    expect(r.converged).toBe(true);
    console.log(`[reboot] live-reboot vm100: down ${r.downSec} s, new boot ${r.upSec} s, converged ${r.seconds.toFixed(3)} s (bound ${decision.boundSec} s)`);
    // It really was a reboot of the node: its container was started again (by its restart policy).
    const startedAfter = (await execa("docker", ["inspect", "--format", "{{.State.StartedAt}}", lab.containers.get("vm100")!.getId()])).stdout;
    expect(startedAfter).not.toBe(startedBefore);

    const suite = await runSuite(lab.inventoryFile);
    // On a machine without autofs, BOOT-004's automount unit is not hostable: skipped, never passed.
    const limited = new Set(readHostLimits(lab.hostLimitsFile).filter((l) => l.node === "vm100").map((l) => l.invariant));
    for (const id of ["BOOT-004", "BOOT-005", "BOOT-006", "CONT-001", "CONT-002"]) {
      const res = resultFor(suite, id, "vm100");
      expect(res.status, res.message).toBe(limited.has(id) ? "skipped" : "passed");
    }
  }, 300_000);
});
