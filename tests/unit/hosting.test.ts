// What the lab asks of this machine and what it reports as not hostable (fixtures/lab/hosting.ts),
// for the two kinds of machine seen: with autofs (full coverage) and without.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultLab } from "../../fixtures/lab/default-lab.ts";
import type { HostFacts } from "../../fixtures/lab/host.ts";
import { cannotHost, planHosting, unstartable } from "../../fixtures/lab/hosting.ts";
import { readHostLimits } from "../../helpers/spec/limits.ts";

const dev = (path: string, present: boolean) => ({ path, present, detail: present ? "character device" : "no such device node" });
const machine = (has: { autofs: boolean; fuse?: boolean; tun?: boolean }): HostFacts => ({
  kernel: "test",
  config: { autofs: has.autofs ? "y" : "not set" },
  filesystems: [],
  devices: {
    "/dev/fuse": dev("/dev/fuse", has.fuse ?? true),
    "/dev/autofs": dev("/dev/autofs", has.autofs),
    "/dev/net/tun": dev("/dev/net/tun", has.tun ?? true),
    "/dev/kvm": dev("/dev/kvm", false),
  },
  kvm: "absent",
});

describe("hosting the lab", () => {
  it("with autofs: every consumer gets /dev/autofs, nothing is limited", () => {
    const plan = planHosting(defaultLab(), machine({ autofs: true }));
    expect(plan.limits).toEqual([]);
    expect(plan.lacks).toEqual([]);
    expect(plan.nodes.find((n) => n.node === "vm100")!.devices).toEqual(["/dev/fuse", "/dev/autofs"]);
    expect(cannotHost("autofs", machine({ autofs: true }))).toBeUndefined();
  });

  it("without autofs: no node asks Docker for it, and exactly the automount units are not hostable", () => {
    const host = machine({ autofs: false });
    const plan = planHosting(defaultLab(), host);
    expect(plan.nodes.flatMap((n) => n.devices)).not.toContain("/dev/autofs");
    expect(plan.nodes.filter((n) => n.without.length).map((n) => n.node)).toEqual(["vm100", "lxc210", "lxc212"]);
    expect(unstartable(plan)).toBeUndefined();
    expect(plan.limits.map((l) => [l.invariant, l.node, l.subject])).toEqual([
      ["BOOT-004", "vm100", "mnt-media.automount"],
      ["BOOT-004", "lxc210", "mnt-nextcloud.automount"],
      ["BOOT-004", "lxc212", "books.automount"],
    ]);
    expect(plan.limits[0]!.reason).toMatch(/^this machine's kernel has no autofs: the lab cannot host a systemd automount/);
    expect(cannotHost("autofs", host)).toBe(plan.limits[0]!.reason);
  });

  it("without FUSE: the nodes that need it cannot start, and say why, before anything is created", () => {
    const plan = planHosting(defaultLab(), machine({ autofs: true, fuse: false }));
    expect(unstartable(plan)).toMatch(/^node vm102 \(hlc\/storage:latest\) cannot start on this machine: it needs \/dev\/fuse: this machine has no \/dev\/fuse/);
  });

  it("a host limits file is read back as written, and a malformed one is refused by name", () => {
    const dir = mkdtempSync(join(tmpdir(), "hlc-limits-"));
    const ok = join(dir, "ok.json");
    writeFileSync(ok, JSON.stringify({ version: 1, host: ["x"], limits: [{ node: "vm100", invariant: "BOOT-004", subject: "mnt-media.automount", reason: "r" }] }));
    expect(readHostLimits(ok)).toHaveLength(1);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ version: 1, limits: [{ node: "vm100", invariant: "BOOT-004" }] }));
    expect(() => readHostLimits(bad)).toThrow(`${bad}: limits[0].subject must be a non-empty string`);
    expect(() => readHostLimits(join(dir, "none.json"))).toThrow("does not exist");
    expect(readHostLimits(undefined)).toEqual([]);
  });
});
