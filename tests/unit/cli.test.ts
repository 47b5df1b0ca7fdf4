// The CLI's own answers, without a lab: --help, --version, --list (connects to nothing: the
// example inventory's hosts do not exist here), and exit 2 for bad arguments and bad waivers.
import { execa } from "execa";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCatalog } from "../../helpers/spec/catalog.ts";
import { describe, expect, it } from "vitest";

const cli = (args: string[]) => execa("npx", ["tsx", "scripts/conformance.ts", ...args], { reject: false, all: true });

describe("homelab-conformance CLI", () => {
  it("--help lists the options and the exit codes; --version the suite's", async () => {
    const h = await cli(["--help"]);
    expect(h.exitCode).toBe(0);
    for (const s of ["--inventory FILE", "--invariant ID", "--family F", "--node N", "--list", "--baseline FILE", "--fail-on any|new", "--waivers FILE", "Exit codes:", "3  could not run"]) expect(h.stdout).toContain(s);
    const v = await cli(["--version"]);
    expect(v.stdout).toMatch(/^homelab-conformance \d+\.\d+\.\d+ \(results.json version 1, node v20/);
  });

  it("--list: every invariant with ID, section, title and the nodes it applies to, connecting to nothing", async () => {
    const r = await cli(["--list", "--inventory", "inventory/example.yaml"]);
    expect(r.exitCode, r.all).toBe(0);
    const count = (await loadCatalog()).length;
    expect(r.stdout).toMatch(new RegExp(`^${count} invariants; nodes from .*inventory/example.yaml`));
    expect(r.stdout).toMatch(/EXPOSE-001 +§1, §5.1 +exposure +Internal services bind to loopback only\n +applies to: [a-z0-9, ]*lxc200/);
    expect(r.stdout).toMatch(/MON-001 .*\n +applies to: lxc200\n/);
  });

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
  });
});
