// The `pct exec` transport against the lab's Proxmox stand-in: an LXC node declared with
// `pct: { host: pve, vmid: 212 }` instead of `ssh` is reached through pve's one SSH connection
// (`pct exec 212 -- /bin/sh -c '…'`), and the suite's gather works through it with stdout,
// stderr, exit codes and quoting intact.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "../../fixtures/lab/lab.ts";
import { gatherNode } from "../../helpers/facts/gather.ts";
import { gatherFromInventory } from "../../helpers/facts/run.ts";
import { loadInventory } from "../../helpers/inventory/load.ts";
import type { Inventory } from "../../helpers/inventory/types.ts";
import { listeningSockets, type ListeningSocket } from "../../helpers/probes/sockets.ts";
import { TransportPool } from "../../helpers/transport/pool.ts";
import { TransportError } from "../../helpers/transport/types.ts";

let lab: Lab;
let inventory: Inventory;

/** The lab's inventory with lxc212 reached through pve's pct instead of its own SSH. */
function throughPct(file: string, vmid = 212): Inventory {
  const inv = load(readFileSync(file, "utf8")) as { nodes: Array<Record<string, unknown>> };
  const lxc = inv.nodes.find((n) => n.name === "lxc212")!;
  delete lxc.ssh;
  lxc.pct = { host: "pve", vmid };
  const out = join(lab.dir, `inventory-pct-${vmid}.yaml`);
  writeFileSync(out, dump(inv, { lineWidth: 200 }));
  return loadInventory(out);
}

beforeAll(async () => {
  lab = await startLab([
    { name: "pve", role: "hypervisor", layer: 0, image: "proxmox", services: [] },
    // Its hostname is what CT 212's config names (`hostname: lxc212`), so pve's pct reaches it.
    { name: "lxc212", role: "service", layer: 3, image: "systemd", services: [] },
  ]);
  inventory = throughPct(lab.inventoryFile);
});
afterAll(async () => lab?.stop());

describe("pct exec transport", () => {
  it("loads a node that has pct and no ssh", () => {
    const lxc = inventory.nodes.find((n) => n.name === "lxc212")!;
    expect(lxc.ssh).toBeUndefined();
    expect(lxc.pct).toEqual({ host: "pve", vmid: 212 });
  });

  it("runs the command inside the container, in plain /bin/sh with the C locale, over pve's one connection", async () => {
    const pool = new TransportPool(inventory);
    const r = await pool.get("lxc212").exec(`hostname; echo "$0" "$LC_ALL"; case $- in *i*) echo interactive;; esac`);
    expect(r).toMatchObject({ stdout: "lxc212\n/bin/sh C\n", stderr: "", code: 0 });
    expect((await pool.get("pve").exec("hostname")).stdout).toBe("pve\n");
    expect(pool.stats.connections.map((c) => c.node)).toEqual(["pve"]);
    await pool.closeAll();
  });

  it("keeps stdout, stderr, exit codes and every kind of quote intact", async () => {
    const pool = new TransportPool(inventory);
    const t = pool.get("lxc212");
    const tricky = `it's "quoted" $HOME \`uname\` \\ back; & | > * ?`;
    const r = await t.exec(`printf '%s\\n' '${tricky.replace(/'/g, `'\\''`)}'; printf 'no newline'  >&2; exit 7`);
    expect(r).toMatchObject({ stdout: `${tricky}\n`, stderr: "no newline", code: 7 });
    expect((await t.exec("exit 255")).code).toBe(255);
    expect((await t.exec("kill -KILL $$")).code).not.toBe(0);
    // stdin is closed: a command reading it ends at once instead of hanging.
    expect(await t.exec("cat; echo done")).toMatchObject({ stdout: "done\n", code: 0 });
    // Output is passed through byte for byte, without a trailing newline added.
    expect((await t.exec("printf 'a\\n\\nb'")).stdout).toBe("a\n\nb");
    await pool.closeAll();
  });

  it("gathers a node's facts through pct in one round trip, like over SSH", async () => {
    const pool = new TransportPool(inventory);
    const facts = await gatherNode(pool.get("lxc212"), [listeningSockets]);
    expect(facts).toMatchObject({ node: "lxc212", reachable: true, roundTrips: 1 });
    const sockets = facts.facts[listeningSockets.name]!.value as ListeningSocket[];
    expect(sockets.some((s) => s.port === 22 && s.proto === "tcp")).toBe(true);
    await pool.closeAll();
  });

  it("runs the suite's gather phase with the pct node, one SSH connection in all", async () => {
    const facts = await gatherFromInventory(inventory, () => [listeningSockets]);
    expect(facts.nodes.lxc212).toMatchObject({ reachable: true, roundTrips: 1 });
    expect(facts.nodes.pve).toMatchObject({ reachable: true, roundTrips: 1 });
    expect(facts.nodes.lxc212!.facts[listeningSockets.name]).toMatchObject({ ok: true });
    expect(facts.connections.map((c) => c.node)).toEqual(["pve"]);
  });

  it("reports a container pct cannot reach as unreachable, with pct's reason, not as a failed command", async () => {
    const pool = new TransportPool(throughPct(lab.inventoryFile, 299));
    const err = await pool.get("lxc212").exec("true").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ node: "lxc212", kind: "connect", message: expect.stringContaining("Configuration file 'nodes/pve/lxc/299.conf' does not exist") });
    const facts = await gatherNode(pool.get("lxc212"), [listeningSockets]);
    expect(facts).toMatchObject({ reachable: false, error: { kind: "connect" } });
    await pool.closeAll();
  });
});
