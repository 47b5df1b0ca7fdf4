// A filtered run (--invariant, --family, --node) gathers only what it selects, decided from the
// catalogue and the inventory before anything connects; a result that needs what was left out
// (EXPOSE-005 reads its neighbour's connection attempts) is skipped with what was not judged.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { parseArgs, UsageError } from "../../helpers/cli/args.ts";
import { applicability, checkScope, selectsAnything } from "../../helpers/cli/select.ts";
import type { NodeFacts, RunFacts } from "../../helpers/facts/types.ts";
import { loadInventory } from "../../helpers/inventory/load.ts";
import type { Inventory } from "../../helpers/inventory/types.ts";
import { loadCatalog } from "../../helpers/spec/catalog.ts";
import { evaluate } from "../../helpers/spec/evaluate.ts";
import type { Declared } from "../../helpers/spec/catalog.ts";
import { gatherPlan, select } from "../../helpers/run/plan.ts";
import { DEFAULT_OPTIONS } from "../../helpers/spec/evaluate.ts";
import { LEFT_OUT, scopeFromEnv, scopeToEnv, type RunScope } from "../../helpers/spec/scope.ts";

let catalog: Declared[];
let inv: Inventory;
const scope = (s: Partial<RunScope>): RunScope => ({ invariants: [], families: [], nodes: [], ...s });
/** The plan of a run with this scope: the nodes it connects to, and each one's probes. */
const scopedGather = (i: Inventory, sc: RunScope, cat: Declared[]) => {
  const sel = select(cat, i, sc);
  const plan = gatherPlan(sel, i, DEFAULT_OPTIONS);
  return { nodes: sel.nodes.map((n) => n.name), plan: (node: Inventory["nodes"][number]) => plan.get(node.name) ?? [] };
};
const names = (g: ReturnType<typeof scopedGather>, node: string) => g.plan(inv.nodes.find((n) => n.name === node)!).map((p) => p.name);

beforeAll(async () => {
  catalog = await loadCatalog();
  inv = loadInventory("inventory/example.yaml");
});

describe("what a filtered run gathers", () => {
  it("unfiltered: every node, each with what every invariant that applies there reads", () => {
    const g = scopedGather(inv, scope({}), catalog);
    expect(g.nodes).toEqual(inv.nodes.map((n) => n.name));
    expect(names(g, "vm100")).toEqual(expect.arrayContaining(["listening-sockets", "containers", "failed-units", "reachability"]));
  });

  it("--node vm100: only vm100, with its whole plan except connection attempts for nodes left out", () => {
    const g = scopedGather(inv, scope({ nodes: ["vm100"] }), catalog);
    expect(g.nodes).toEqual(["vm100"]);
    // vm100 is the vantage of vm102 (helpers/probes/reachability.ts): vm102 is not judged, so no attempts.
    expect(names(g, "vm100")).not.toContain("reachability");
    expect(names(g, "vm100")).toEqual(expect.arrayContaining(["listening-sockets", "containers", "failed-units"]));
  });

  it("--invariant EXPOSE-001: on every node, only the socket table", () => {
    const g = scopedGather(inv, scope({ invariants: ["EXPOSE-001"] }), catalog)!;
    expect(g.nodes).toHaveLength(inv.nodes.length);
    const applies = applicability(catalog, inv).find((r) => r.d.meta.id === "EXPOSE-001")!.applies;
    expect(applies.length).toBeGreaterThan(3);
    for (const n of inv.nodes) expect(names(g, n.name)).toEqual(applies.includes(n.name) ? ["listening-sockets"] : []);
  });

  it("--invariant EXPOSE-005 --node vm100,vm102: vm100 connects to vm102 only (the selected target it watches)", () => {
    const g = scopedGather(inv, scope({ invariants: ["EXPOSE-005"], nodes: ["vm100", "vm102"] }), catalog)!;
    const probe = g.plan(inv.nodes.find((n) => n.name === "vm100")!).find((p) => p.name === "reachability")!;
    expect(probe.command).toContain("vm102");
    expect(names(g, "vm102")).toEqual(["listening-sockets"]);
  });

  it("--family data: DATA-006 also gets the SnapRAID config it reads (an optional read, declared)", () => {
    const g = scopedGather(inv, scope({ families: ["data"] }), catalog)!;
    expect(names(g, "vm102")).toEqual(expect.arrayContaining(["mounts", "snapraid-conf"]));
    expect(names(g, "vm102")).not.toContain("listening-sockets");
  });
});

const labRunFact = (node: string, probe: string) =>
  (JSON.parse(readFileSync("fixtures/captured/lab-run/run.json", "utf8")) as { facts: RunFacts }).facts.nodes[node]!.facts[probe]!;

describe("a result that reads what the filter left out", () => {
  const leftOut = (node: string): NodeFacts => ({ node, reachable: false, leftOut: `not gathered: ${LEFT_OUT} (--node vm100)`, error: { kind: "left-out", message: `not gathered: ${LEFT_OUT} (--node vm100)` }, roundTrips: 0, gatherMs: 0, facts: {} });

  it("EXPOSE-005 on vm100, whose vantage lxc200 was left out: skipped, saying what was not judged, never passed", () => {
    const facts: RunFacts = {
      inventoryFile: inv.file,
      startedAt: "",
      durationMs: 0,
      connections: [],
      // vm100's own socket table, as a conformant lab run gathered it (EXPOSE-005 reads it first).
      nodes: Object.fromEntries(inv.nodes.map((n) => [n.name, n.name === "vm100" ? { node: n.name, reachable: true, roundTrips: 1, gatherMs: 1, facts: { "listening-sockets": labRunFact("vm100", "listening-sockets") } } : leftOut(n.name)])),
    };
    const d = catalog.find((x) => x.meta.id === "EXPOSE-005")!;
    const vm100 = inv.nodes.find((n) => n.name === "vm100")!;
    const v = evaluate(d.meta, d.def, vm100, facts.nodes.vm100, [], { inventory: inv, nodes: facts.nodes });
    expect(v.status).toBe("skipped");
    expect(v).toMatchObject({ reason: "left-out" });
    expect((v as { message: string }).message).toBe(`EXPOSE-005 [vm100] not judged in this run: it reads the facts of lxc200, ${LEFT_OUT}; everything else it judged on vm100 conforms (run without the filter to judge it in full)`);
  });

  it("a peer fact a check did not declare is a bug of the spec, never a pass", () => {
    const d = catalog.find((x) => x.meta.id === "EXPOSE-005")!;
    const vm100 = inv.nodes.find((n) => n.name === "vm100")!;
    const v = evaluate(d.meta, { ...d.def, peers: () => [] }, vm100, { node: "vm100", reachable: true, roundTrips: 1, gatherMs: 1, facts: { "listening-sockets": labRunFact("vm100", "listening-sockets") } }, [], { inventory: inv });
    expect(v).toMatchObject({ status: "broken" });
    expect((v as { message: string }).message).toContain("which its peers() does not declare");
  });
});

describe("the CLI's filters and arguments", () => {
  it("parses repeatable and comma lists, keeps the old options, passes the rest to vitest", () => {
    const a = parseArgs(["--node", "vm100,vm102", "--node=lxc200", "--invariant", "EXPOSE-001", "--family", "data", "--keep-lab", "--drift", "guest-access", "--baseline", "b.json", "--fail-on", "new", "--", "-t", "EXPOSE"], {});
    expect(a).toMatchObject({ nodes: ["vm100", "vm102", "lxc200"], invariants: ["EXPOSE-001"], families: ["data"], keepLab: true, drifts: ["guest-access"], vitest: ["-t", "EXPOSE"], baseline: "b.json", failOn: "new" });
    expect(scopeFromEnv(scopeToEnv({ nodes: a.nodes, invariants: a.invariants, families: a.families }))).toEqual({ nodes: ["vm100", "vm102", "lxc200"], invariants: ["EXPOSE-001"], families: ["data"] });
    expect(parseArgs(["--reboot", "vm100"], { HLC_CONFIRM_REBOOT: "vm100" }).confirmReboot).toBe("vm100");
  });

  it("bad arguments are usage errors", () => {
    expect(() => parseArgs(["--fail-on", "new"], {})).toThrow(UsageError);
    expect(() => parseArgs(["--fail-on", "some"], {})).toThrow(/must be "any" or "new"/);
    expect(() => parseArgs(["--node"], {})).toThrow(/--node needs a value/);
    expect(() => checkScope(scope({ invariants: ["EXPOSE-01"], nodes: ["vm10"] }), catalog, inv.nodes.map((n) => n.name))).toThrow(
      /--invariant EXPOSE-01: no such invariant \(did you mean 'EXPOSE-001'\?\)[\s\S]*--node vm10: no such node in the inventory \(did you mean 'vm102'\?\)/,
    );
  });

  it("--list's applicability, and whether a filter selects anything at all", () => {
    const rows = applicability(catalog, inv);
    expect(rows).toHaveLength(catalog.length);
    expect(rows.find((r) => r.d.meta.id === "MON-001")!.applies).toEqual(["lxc200"]);
    expect(selectsAnything(rows, scope({ nodes: ["lxc200"], families: ["monitoring"] }))).toBe(true);
    expect(selectsAnything(rows, scope({ nodes: ["pve"], families: ["monitoring"] }))).toBe(false);
  });
});
