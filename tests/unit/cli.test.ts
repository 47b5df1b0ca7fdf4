// The CLI's own answers, without a lab: --help, --version, --list (connects to nothing: the
// example inventory's hosts do not exist here), and exit 2 for bad arguments and bad waivers.
import { execa } from "execa";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCatalog } from "../../helpers/spec/catalog.ts";
import { describe, expect, it } from "vitest";
import { parseArgs, UsageError } from "../../helpers/cli/args.ts";
import { applyOptIns } from "../../helpers/cli/opt-ins.ts";

// node with tsx's loader: no npm/npx process in between (each costs seconds on a loaded machine).
const cli = (args: string[]) => execa(process.execPath, ["--import", "tsx", "scripts/conformance.ts", ...args], { reject: false, all: true });
// Several child processes per test: a bound on a loaded 2-core machine, not a speed claim.
const SPAWNS = 240_000;

describe("homelab-conformance CLI", () => {
  it("--help lists the options and the exit codes; --version the suite's", async () => {
    const h = await cli(["--help"]);
    expect(h.exitCode).toBe(0);
    for (const s of ["--inventory FILE", "--invariant ID", "--family F", "--node N", "--list", "--baseline FILE", "--fail-on any|new", "--waivers FILE", "--allow-writes", "--accept-new-hostkeys", "--host-limits FILE", "--quiet", "--format json|junit|markdown", "--output-dir DIR", "Exit codes:", "3  could not run", "4  a node was unreachable"]) expect(h.stdout).toContain(s);
    const v = await cli(["--version"]);
    expect(v.stdout).toMatch(/^homelab-conformance \d+\.\d+\.\d+ \(results.json version 1, node v20/);
  }, SPAWNS);

  it("--list: every invariant with ID, section, title and the nodes it applies to, connecting to nothing", async () => {
    const r = await cli(["--list", "--inventory", "inventory/example.yaml"]);
    expect(r.exitCode, r.all).toBe(0);
    const count = (await loadCatalog()).length;
    expect(r.stdout).toMatch(new RegExp(`^${count} invariants; nodes from .*inventory/example.yaml`));
    expect(r.stdout).toMatch(/EXPOSE-001 +§1, §5.1 +exposure +Internal services bind to loopback only\n +applies to: [a-z0-9, ]*lxc200/);
    expect(r.stdout).toMatch(/MON-001 .*\n +applies to: lxc200\n/);
  }, SPAWNS);

  it("bad arguments and a bad waivers file: exit 2, with the reason and positions, nothing run", async () => {
    const a = await cli(["--inventory", "inventory/example.yaml", "--node", "vm10"]);
    expect(a.exitCode).toBe(2);
    expect(a.stderr).toContain("--node vm10: no such node in the inventory (did you mean 'vm102'?)");
    const dir = mkdtempSync(join(tmpdir(), "hlc-waivers-"));
    writeFileSync(join(dir, "w.yaml"), "version: 1\nwaivers:\n  - invariant: EXPOSE-001\n    node: lxc200\n    owner: me\n    justification: because we said so\n    expires: tomorrow\n");
    const w = await cli(["--inventory", "inventory/example.yaml", "--waivers", join(dir, "w.yaml")]);
    expect(w.exitCode).toBe(2);
    expect(w.stderr).toContain(`${join(dir, "w.yaml")}:7:14: at waivers[0].expires: must be a date YYYY-MM-DD`);
    const b = await cli(["--inventory", "inventory/example.yaml", "--baseline", join(dir, "w.yaml")]);
    expect(b.exitCode).toBe(2);
    expect(b.stderr).toContain("--baseline: ");
  }, SPAWNS);
});

describe("a strict command line", () => {
  // A typo once fell through to vitest, counted as "no inventory", and started the lab: as root
  // that installed docker.io and started dockerd. Now the parser refuses it before anything runs.
  it("a mistyped option exits 2 with a suggestion and starts nothing (no docker, no setup, no shell)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hlc-typo-"));
    const bin = join(dir, "bin");
    mkdirSync(bin);
    const marker = join(dir, "started");
    // Everything a lab start would run first: each leaves a mark if called.
    for (const cmd of ["docker", "dockerd", "apt-get", "bash", "sh", "sudo", "debootstrap", "systemctl"]) {
      writeFileSync(join(bin, cmd), `#!/usr/bin/node\nrequire("fs").appendFileSync(${JSON.stringify(marker)}, "${cmd}\\n");\n`);
      chmodSync(join(bin, cmd), 0o755);
    }
    const r = await execa(process.execPath, ["--import", "tsx", "scripts/conformance.ts", "--inventry", "my.yaml"], {
      reject: false,
      all: true,
      env: { PATH: `${bin}:${process.env.PATH}`, DOCKER_HOST: `unix://${join(dir, "no-docker.sock")}` },
    });
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr).toContain("unknown option --inventry (did you mean --inventory?)");
    expect(existsSync(marker) ? readFileSync(marker, "utf8") : "").toBe("");
    expect(r.stdout).toBe("");
  }, SPAWNS);

  it("unknown options, subcommands and stray words are refused; vitest's options only after --", () => {
    expect(() => parseArgs(["-t", "EXPOSE"], {})).toThrow(/unknown option -t/);
    expect(() => parseArgs(["--famly", "data"], {})).toThrow(/did you mean --family\?/);
    expect(() => parseArgs(["lsit"], {})).toThrow(/unknown subcommand "lsit" \(did you mean list\?\)/);
    expect(() => parseArgs(["--inventory", "a.yaml", "extra"], {})).toThrow(UsageError);
    expect(() => parseArgs(["--inventory"], {})).toThrow(/--inventory needs a value/);
    expect(() => parseArgs(["--inventory", "--node", "x"], {})).toThrow(/--inventory needs a value/);
    expect(() => parseArgs(["--format", "xml"], {})).toThrow(/--format must be one of json, junit, markdown/);
    expect(parseArgs(["--node", "vm100", "--", "-t", "EXPOSE", "--bail"], {})).toMatchObject({ command: "run", nodes: ["vm100"], vitest: ["-t", "EXPOSE", "--bail"] });
    expect(parseArgs(["list", "--inventory", "x.yaml"], {})).toMatchObject({ command: "list", list: true, inventory: "x.yaml" });
    expect(parseArgs(["schedule", "install", "--inventory", "i.yaml"], {})).toMatchObject({ command: "schedule", rest: ["install", "--inventory", "i.yaml"] });
    // Documented fallbacks only.
    expect(parseArgs([], { HLC_INVENTORY: "env.yaml" }).inventory).toBe("env.yaml");
    expect(parseArgs(["--inventory", "flag.yaml"], { HLC_INVENTORY: "env.yaml" }).inventory).toBe("flag.yaml");
  });

  // Issue #21 point 7: a leftover HLC_HOST_LIMITS once turned a live run's failures into skips.
  it("opt-ins come from the flags only: inherited variables are cleared, host limits refused for a live inventory", () => {
    const env: NodeJS.ProcessEnv = { HLC_ALLOW_WRITE_PROBES: "1", HLC_ACCEPT_NEW_HOSTKEYS: "1", HLC_HOST_LIMITS: "/x/host-limits.json" };
    const none = applyOptIns(parseArgs(["--inventory", "/etc/homelab.yaml"], {}), "/etc/homelab.yaml", "/repo", env);
    expect(env).toEqual({});
    expect(none).toEqual({ allowWrites: false, acceptNewHostKeys: false });
    const flags = applyOptIns(parseArgs(["--allow-writes", "--accept-new-hostkeys"], {}), "/etc/homelab.yaml", "/repo", env);
    expect(env).toEqual({ HLC_ALLOW_WRITE_PROBES: "1", HLC_ACCEPT_NEW_HOSTKEYS: "1" });
    expect(flags).toMatchObject({ allowWrites: true, acceptNewHostKeys: true });
    expect(() => applyOptIns(parseArgs(["--host-limits", "/x/l.json"], {}), "/etc/homelab.yaml", "/repo", {})).toThrow(/--host-limits is refused for a live inventory/);
    expect(applyOptIns(parseArgs(["--host-limits", "/x/l.json"], {}), "/repo/.lab/manual/inventory.yaml", "/repo", {}).hostLimits).toBe("/x/l.json");
  });

  it("the subcommands answer --help; discover says not yet until helpers/discover/cli.ts exists", async () => {
    const s = await cli(["schedule", "--help"]);
    expect(s.exitCode).toBe(0);
    expect(s.stdout).toContain("PrivateTmp=yes");
    const d = await cli(["discover"]);
    if (!existsSync("helpers/discover/cli.ts")) {
      expect(d.exitCode).toBe(2);
      expect(d.stderr).toContain("not yet");
    }
    const t = await cli(["--inventory", "inventory/example.yaml", "--host-limits", "x.json"]);
    expect(t.exitCode).toBe(2);
    expect(t.stderr).toContain("--host-limits is refused for a live inventory");
  }, SPAWNS);
});
