// The scheduled run's bookkeeping (scripts/scheduled-run.ts): dated run folders, the retention
// bound, the `latest` link and the atomic delivery into the textfile directory. The run itself is
// proven against the lab in tests/integration/scheduled-run.test.ts.
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deliverMetrics, parseArgs, pointLatest, runName, runsToPrune, RUN_NAME, scheduledRun, type RunSteps } from "../../scripts/scheduled-run.ts";

describe("scheduled run", () => {
  it("a run folder is named by its UTC start time, sortable and without colons", () => {
    expect(runName(new Date("2026-12-03T04:15:02.123Z"))).toBe("20261203T041502Z");
    expect(RUN_NAME.test("20261203T041502Z")).toBe(true);
    expect(RUN_NAME.test("20261203T041502Z-1")).toBe(true);
    expect(RUN_NAME.test("latest")).toBe(false);
  });

  it("retention keeps the newest N runs, never `latest`'s target, and leaves other files alone", () => {
    const names = ["20261201T040000Z", "history.jsonl", "latest", "20261203T040000Z", "20261202T040000Z", "20261202T040000Z-1", "notes"];
    expect(runsToPrune(names, 2, "20261203T040000Z")).toEqual(["20261201T040000Z", "20261202T040000Z"]);
    expect(runsToPrune(names, 10)).toEqual([]);
    // A clock set back: the run just made sorts first, but it is `latest` and stays.
    expect(runsToPrune(["20261203T040000Z", "20200101T000000Z"], 1, "20200101T000000Z")).toEqual([]);
  });

  it("`latest` is a relative link, replaced atomically", () => {
    const dir = mkdtempSync(join(tmpdir(), "hlc-runs-"));
    mkdirSync(join(dir, "a"));
    mkdirSync(join(dir, "b"));
    pointLatest(dir, "a");
    pointLatest(dir, "b");
    expect(lstatSync(join(dir, "latest")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, "latest"))).toBe("b");
    expect(readdirSync(dir).sort()).toEqual(["a", "b", "latest"]);
  });

  it("the .prom lands in the textfile directory by rename, readable by node-exporter's user whatever the umask", () => {
    const dir = mkdtempSync(join(tmpdir(), "hlc-textfile-"));
    const src = join(mkdtempSync(join(tmpdir(), "hlc-run-")), "homelab_conformance.prom");
    writeFileSync(src, "homelab_conformance_run_errors 0\n", { mode: 0o600 });
    writeFileSync(join(dir, "other.prom"), "x 1\n");
    const old = process.umask(0o077);
    try {
      expect(deliverMetrics(src, dir)).toBe(join(dir, "homelab_conformance.prom"));
    } finally {
      process.umask(old);
    }
    expect(readdirSync(dir).sort()).toEqual(["homelab_conformance.prom", "other.prom"]);
    expect(statSync(join(dir, "homelab_conformance.prom")).mode & 0o777).toBe(0o644);
    expect(readFileSync(join(dir, "homelab_conformance.prom"), "utf8")).toBe("homelab_conformance_run_errors 0\n");
  });

  it("options from the command line or the unit's environment; bad ones refused before the run", () => {
    const o = parseArgs(["--textfile-dir", "/srv/tf", "--", "-t", "EXPOSE"], { HLC_INVENTORY: "/etc/hlc/inv.yaml", HLC_RUNS_KEEP: "7", HLC_STALE_AFTER: "26h" });
    expect(o).toMatchObject({ inventory: "/etc/hlc/inv.yaml", textfileDir: "/srv/tf", keep: 7, staleAfter: "26h", vitestArgs: ["-t", "EXPOSE"] });
    expect(() => parseArgs([], {})).toThrow("no inventory: give --inventory FILE (or HLC_INVENTORY)");
    expect(() => parseArgs(["--inventory", "i", "--keep", "0"], {})).toThrow('--keep / HLC_RUNS_KEEP: expected a whole number of runs ≥ 1, got "0"');
    expect(() => parseArgs(["--inventory", "i", "--stale-after", "tomorrow"], {})).toThrow(/HLC_STALE_AFTER: expected seconds or a duration/);
    expect(() => parseArgs(["--inventory", "i", "--bogus"], {})).toThrow("unknown option --bogus");
    expect(() => parseArgs(["--inventory"], {})).toThrow("--inventory needs a value");
  });

  it("opt-ins come from the scheduled run's flags only: inherited variables change nothing (issue 21 pt 7)", async () => {
    const inherited = { HLC_INVENTORY: "/etc/hlc/inv.yaml", HLC_HOST_LIMITS: "/x/host-limits.json", HLC_ALLOW_WRITE_PROBES: "1", HLC_ACCEPT_NEW_HOSTKEYS: "1" };
    const o = parseArgs([], inherited);
    expect(o.hostLimits).toBeUndefined();
    expect(o.allowWrites).toBeUndefined();
    expect(parseArgs(["--allow-writes", "--accept-new-hostkeys"], inherited)).toMatchObject({ allowWrites: true, acceptNewHostKeys: true });
    const seen: Record<string, string>[] = [];
    const steps: RunSteps = { suite: async (env) => (seen.push(env), { exitCode: 137 }), report: async () => ({ exitCode: 0, all: "" }) };
    const lines: string[] = [];
    const runsDir = mkdtempSync(join(tmpdir(), "hlc-runs-"));
    await scheduledRun({ ...o, runsDir }, (l) => lines.push(l), steps);
    expect(Object.keys(seen[0]!).filter((k) => k in inherited && k !== "HLC_INVENTORY")).toEqual([]);
    expect(lines.join("\n")).toContain("Opt-ins: write probes off (read-only; --allow-writes to opt in)");
    await scheduledRun({ ...o, runsDir, allowWrites: true }, (l) => lines.push(l), steps);
    expect(seen[1]!.HLC_ALLOW_WRITE_PROBES).toBe("1");
  });

  it("`latest` and the retention move only after a run that wrote its results (issue 21)", async () => {
    const runs = mkdtempSync(join(tmpdir(), "hlc-runs-"));
    for (const n of ["20261201T040000Z", "20261202T040000Z"]) {
      mkdirSync(join(runs, n));
      writeFileSync(join(runs, n, "results.json"), "{}");
    }
    pointLatest(runs, "20261202T040000Z");
    const o = { inventory: "/etc/hlc/inv.yaml", runsDir: runs, keep: 1, vitestArgs: [] };
    const lines: string[] = [];
    // A run killed before it wrote anything (the suite died, the machine ran out of disk, ...).
    const nothing: RunSteps = { suite: async () => ({ exitCode: 137 }), report: async () => ({ exitCode: 1, all: "no results" }) };
    expect(await scheduledRun(o, (l) => lines.push(l), nothing)).toBe(2);
    expect(readlinkSync(join(runs, "latest"))).toBe("20261202T040000Z");
    expect(readdirSync(runs).filter((n) => RUN_NAME.test(n)).sort().slice(0, 2)).toEqual(["20261201T040000Z", "20261202T040000Z"]);
    expect(lines.join("\n")).toContain("`latest` still names the last run that did, nothing was pruned");
    // A run that wrote its results: `latest` moves to it, and only then the old runs go.
    const writes: RunSteps = {
      suite: async (env) => {
        writeFileSync(env.HLC_RESULTS_JSON!, "{}");
        writeFileSync(env.HLC_METRICS_PROM!, "homelab_conformance_run_errors 0\n");
        return { exitCode: 0 };
      },
      report: async () => ({ exitCode: 0, all: "" }),
    };
    expect(await scheduledRun(o, () => {}, writes)).toBe(0);
    const now = readlinkSync(join(runs, "latest"));
    expect(now > "20261202T040000Z").toBe(true);
    expect(readdirSync(runs).filter((n) => RUN_NAME.test(n))).toEqual([now]);
  });
});
