// No inventory value runs as shell on a node (issue 15). Every string the lab's inventory gives a
// node's sections (paths, share and identity names, unit, container and guest names, patterns,
// URLs, repositories, ...) and the SMB passwords are replaced by hostile values carrying
// `$(touch …)`, `;`, quotes, backquotes, pipes and newlines, AFTER the schema accepted the
// inventory (so this proves the quoting alone, not the schema). Every node's planned probes then
// run on the real lab nodes over SSH; afterwards no node has any of the files those commands
// would create. Write probes are off (HLC_ALLOW_WRITE_PROBES=0): the probes run read-only.
// HLC_LAB_INVENTORY=FILE reuses a running lab (npm run lab:up) instead of starting one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultLab } from "../../fixtures/lab/default-lab.ts";
import { startLab, type Lab } from "../../fixtures/lab/lab.ts";
import { gatherNode } from "../../helpers/facts/gather.ts";
import { writeSwitch } from "../../helpers/run/options.ts";
import { loadCatalog } from "../../helpers/spec/catalog.ts";
import { probesOf } from "../../helpers/spec/invariant.ts";
import { timerRuns } from "../../helpers/probes/timers.ts";
import type { Probe } from "../../helpers/probes/types.ts";
import { loadInventory } from "../../helpers/inventory/load.ts";
import type { Inventory } from "../../helpers/inventory/types.ts";
import { TransportPool } from "../../helpers/transport/pool.ts";

const PAYLOADS: Array<(tag: string) => string> = [
  (t) => `$(touch /tmp/hlc-pwned-${t})`,
  (t) => `;touch /tmp/hlc-pwned-${t};`,
  (t) => `'$(touch /tmp/hlc-pwned-${t})'`,
  (t) => `"$(touch /tmp/hlc-pwned-${t})"`,
  (t) => `\`touch /tmp/hlc-pwned-${t}\``,
  (t) => `\ntouch /tmp/hlc-pwned-${t}\n`,
  (t) => `|touch /tmp/hlc-pwned-${t}`,
  (t) => `&&touch /tmp/hlc-pwned-${t}&&`,
  (t) => `'\\''$(touch /tmp/hlc-pwned-${t})'\\''`,
];
/** Values a probe validates itself (refusing hostile ones is tested on the spot). */
const VALIDATED = /\.schedule\.\w+\.timer$/;
/** Keys that never reach a node's shell (how to connect, what a node is). */
const NOT_SENT = new Set(["ssh", "pct", "name", "role", "layer", "reboot", "password"]);

const catalog = await loadCatalog();
let lab: Lab | undefined;
let inventory: Inventory;
/** tag → where the hostile value was put, e.g. "vm102.shares.exports[0].path #3". */
const fields = new Map<string, string>();
let pwned: Record<string, string[]> = {};
let probed = 0;
let calibrated = false;
/** Invariants whose reads refused a hostile value outright (a probe validating its names). */
const refused = new Set<string>();

/** What a full run asks a node (helpers/run/plan.ts), invariant by invariant: one whose reads refuse a value costs only itself. */
function planOf(node: Inventory["nodes"][number], inv: Inventory): Probe<unknown>[] {
  const scene = { inventory: inv, options: { target: "live" as const, writes: writeSwitch("live", "0"), nonce: "inject00" } };
  const probes: Probe<unknown>[] = [];
  for (const d of catalog) {
    try {
      if (!d.def.appliesTo(node, scene)) continue;
      probes.push(...probesOf(d.def.reads(node, scene)));
    } catch (e) {
      refused.add(`${node.name}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  return [...new Map(probes.map((p) => [p.name, p])).values()];
}

/** Every string under a node's sections replaced (the same original value, the same hostile one). */
function hostile(inv: Inventory, variant: number): Inventory {
  const byValue = new Map<string, string>();
  const walk = (v: unknown, path: string): unknown => {
    // Timer names are checked against systemd's unit-name alphabet by their probe, which throws
    // on a hostile one (and its whole planner with it): kept, so the planner's other probes run.
    if (typeof v === "string" && VALIDATED.test(path)) {
      expect(() => timerRuns([`${v}${PAYLOADS[variant]!("t")}`])).toThrow(/bad timer name/);
      return v;
    }
    if (typeof v === "string") {
      let h = byValue.get(v);
      if (!h) {
        const tag = `${variant}-${byValue.size}`;
        h = `${v}${PAYLOADS[variant]!(tag)}`;
        byValue.set(v, h);
        fields.set(tag, `${path} (payload ${variant})`);
      }
      return h;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, `${path}.${k}`)]));
    return v;
  };
  return {
    ...inv,
    nodes: inv.nodes.map((n) => {
      const out = { ...n } as Record<string, unknown>;
      for (const [k, x] of Object.entries(n)) if (!NOT_SENT.has(k)) out[k] = walk(x, `${n.name}.${k}`);
      // The SMB passwords too: from an environment variable holding a hostile value.
      const shares = out.shares as { identities?: Array<{ password: unknown }> } | undefined;
      shares?.identities?.forEach((id) => (id.password = { env: "HLC_HOSTILE_SMB_PASSWORD" }));
      return out as unknown as Inventory["nodes"][number];
    }),
  };
}

beforeAll(async () => {
  const reuse = process.env.HLC_LAB_INVENTORY;
  if (!reuse) lab = await startLab(defaultLab());
  inventory = loadInventory(reuse ?? lab!.inventoryFile);
  const env = { ...process.env };
  process.env.HLC_ALLOW_WRITE_PROBES = "0";
  const pool = new TransportPool(inventory);
  try {
    for (let v = 0; v < PAYLOADS.length; v++) {
      process.env.HLC_HOSTILE_SMB_PASSWORD = `pw${PAYLOADS[v]!(`${v}-pw`)}`;
      fields.set(`${v}-pw`, `shares.identities[].password (payload ${v})`);
      const inv = hostile(inventory, v);
      await Promise.all(
        inv.nodes.map(async (n) => {
          const probes = planOf(n, inv);
          probed += probes.length;
          await gatherNode(pool.get(n.name), probes);
        }),
      );
    }
    // The detector works: a payload spliced into a command unquoted does create its file.
    await pool.get(inventory.nodes[0]!.name).exec(`echo x${PAYLOADS[0]!("calibration")}`);
    // What the hostile values would have created, on every node.
    const found = await Promise.all(
      inventory.nodes.map(async (n) => {
        const r = await pool.get(n.name).exec("ls /tmp | grep '^hlc-pwned-' || true");
        return [n.name, r.stdout.split("\n").filter(Boolean)] as const;
      }),
    );
    calibrated = found.some(([, f]) => f.includes("hlc-pwned-calibration"));
    await pool.get(inventory.nodes[0]!.name).exec("rm -f /tmp/hlc-pwned-calibration");
    pwned = Object.fromEntries(found.map(([n, f]) => [n, f.filter((x) => x !== "hlc-pwned-calibration")] as const).filter(([, f]) => f.length > 0));
  } finally {
    process.env = env;
    await pool.closeAll();
  }
}, 900_000);

afterAll(async () => {
  await lab?.stop();
});

describe("hostile inventory values reach nodes only quoted", () => {
  it("every node's probes ran with every section value made hostile, and nothing they carried ran", () => {
    expect(calibrated, "an unquoted payload is detected").toBe(true);
    expect(fields.size).toBeGreaterThan(100);
    expect(probed).toBeGreaterThan(50);
    const which = Object.entries(pwned).flatMap(([node, files]) => files.map((f) => `${node}: ${f} ← ${fields.get(f.replace("hlc-pwned-", "")) ?? "?"}`));
    expect(which).toEqual([]);
    console.log(`[injection] ${fields.size} hostile values, ${probed} probes run; refused by a probe's own validation (${refused.size}):\n  ${[...refused].join("\n  ")}`);
  });
});
