// Waivers: a YAML file schema-checked with positions like the inventory; a waiver in force makes a
// failure "waived" (never passed), an expired one lets it fail again and says so, one that
// matches no failure is stale.
import { describe, expect, it } from "vitest";
import { findWaiver, waiverNote, waiverState } from "../../helpers/waivers/apply.ts";
import { parseWaivers, WaiversError } from "../../helpers/waivers/load.ts";
import { waiverOutcomes } from "../../helpers/waivers/outcomes.ts";
import { record } from "./results-fixture.ts";

const IDS = ["BOOT-006", "EXPOSE-001", "DATA-010"];
const GOOD = `version: 1
waivers:
  - invariant: BOOT-006
    node: vm100
    justification: the old backup unit fails until the disk swap on Friday
    owner: alice
    expires: 2026-12-31
  - invariant: EXPOSE-001
    node: lxc200
    justification: Grafana on the LAN for the migration weekend
    owner: bob
    expires: 2026-11-30
`;

function problems(text: string): string[] {
  try {
    parseWaivers(text, "waivers.yaml", { invariants: IDS });
  } catch (e) {
    if (e instanceof WaiversError) return e.message.split("\n");
    throw e;
  }
  return [];
}

describe("waivers file", () => {
  it("loads, with where each waiver is written", () => {
    const w = parseWaivers(GOOD, "waivers.yaml", { invariants: IDS });
    expect(w.map((x) => [x.invariant, x.node, x.owner, x.expires, x.line])).toEqual([
      ["BOOT-006", "vm100", "alice", "2026-12-31", 3],
      ["EXPOSE-001", "lxc200", "bob", "2026-11-30", 8],
    ]);
  });

  it("bad input: every problem at once, each with file:line:column and the key", () => {
    const bad = `version: 1
waivers:
  - invariant: BOOT-06
    node: vm100
    justification: short
    owner: alice
    expires: 2026-02-30
  - invariant: EXPOSE-002
    node: lxc200
    justifcation: Grafana on the LAN for the migration weekend
    owner: bob
    expires: 31.12.2026
  - invariant: BOOT-006
    node: vm100
    justification: the same failure, waived twice over
    owner: carol
`;
    expect(problems(bad)).toEqual([
      `waivers.yaml:3:16: at waivers[0].invariant: must be an invariant ID such as EXPOSE-001, got "BOOT-06"`,
      `waivers.yaml:5:20: at waivers[0].justification: must be a string of at least 10 characters, got "short"`,
      `waivers.yaml:7:14: at waivers[0].expires: must be a real calendar date, got "2026-02-30"`,
      `waivers.yaml:8:16: at waivers[1].invariant: no invariant EXPOSE-002 in this suite, did you mean 'EXPOSE-001'?`,
      `waivers.yaml:10:5: at waivers[1].justifcation: unknown key 'justifcation', did you mean 'justification'?`,
      `waivers.yaml:12:14: at waivers[1].expires: must be a date YYYY-MM-DD (the waiver holds through that day, UTC), got "31.12.2026"`,
      `waivers.yaml:13:5: at waivers[2]: must have key 'expires', got keys invariant, node, justification, owner`,
    ]);
  });

  it("a second waiver of the same (invariant, node) names the first", () => {
    const twice = GOOD + GOOD.split("\n").slice(2, 7).join("\n") + "\n";
    expect(problems(twice)).toEqual([`waivers.yaml:13:5: at waivers[2]: a second waiver for BOOT-006 on vm100, the first is at line 3`]);
  });

  it("not a mapping, not YAML", () => {
    expect(problems("")[0]).toMatch(/^waivers.yaml:1:1: at \(root\): must be a mapping with keys version and waivers/);
    expect(problems("version: 1\nwaivers: [\n")[0]).toMatch(/^waivers.yaml:\d+:\d+: YAML syntax error/);
  });
});

describe("waivers applied", () => {
  const [active, expired] = parseWaivers(GOOD, "waivers.yaml");
  const now = new Date("2026-12-03T09:00:00Z");

  it("holds through its expires day (UTC), not a second longer", () => {
    expect(waiverState(active!, new Date("2026-12-31T23:59:59Z"))).toBe("active");
    expect(waiverState(active!, new Date("2027-01-01T00:00:00Z"))).toBe("expired");
    expect(findWaiver([active!, expired!], "BOOT-006", "vm100", now)?.state).toBe("active");
    expect(findWaiver([active!, expired!], "EXPOSE-001", "lxc200", now)?.state).toBe("expired");
    expect(findWaiver([active!, expired!], "BOOT-006", "vm102", now)).toBeUndefined();
  });

  it("the lines a failure ends with: waived with justification and owner, or expired", () => {
    expect(waiverNote(active!, "active")).toBe("  WAIVED until 2026-12-31 by alice: the old backup unit fails until the disk swap on Friday (waivers.yaml:3)");
    expect(waiverNote(expired!, "expired")).toBe("  waiver EXPIRED on 2026-11-30, failing again (was accepted by bob: Grafana on the LAN for the migration weekend; waivers.yaml:8)");
  });

  it("outcomes: active, expired, stale (the check passes now, or no such result), out of scope", () => {
    const stale = { ...active!, invariant: "DATA-010", node: "vm102" };
    const gone = { ...active!, node: "vm999" };
    const results = [
      record("BOOT-006", "vm100", "waived", { waiver: { owner: "alice", justification: active!.justification, expires: active!.expires, state: "active", at: "waivers.yaml:3" } }),
      record("EXPOSE-001", "lxc200", "failed", { waiver: { owner: "bob", justification: expired!.justification, expires: expired!.expires, state: "expired", at: "waivers.yaml:8" } }),
      record("DATA-010", "vm102", "passed"),
    ];
    expect(waiverOutcomes([active!, expired!, stale, gone], results).map((o) => o.state)).toEqual(["active", "expired", "stale", "stale"]);
    // A run filtered to vm100 did not try the waiver of lxc200's result: not stale.
    const scoped = waiverOutcomes([expired!], [], { invariants: [], families: [], nodes: ["vm100"] });
    expect(scoped.map((o) => o.state)).toEqual(["out-of-scope"]);
  });
});
