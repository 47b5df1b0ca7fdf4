// BOOT-004, SHARE-004, SHARE-005 judged on real captures of vm100 (fixtures/captured/mounts), with
// the lab's declarations: conformant passes all three; each drift fails the specs its catalogue
// entry names (the later captures carry the earlier drifts too, see the README there).
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { mountsDeclared } from "../../../fixtures/lab/declared/mounts.ts";
import { sharesDeclared } from "../../../fixtures/lab/declared/shares.ts";
import { exampleMountUnits, exampleNetworkMounts } from "../catalog-support.ts";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import type { Inventory } from "../../../helpers/inventory/types.ts";
import { evaluate, type Verdict } from "../../../helpers/spec/evaluate.ts";
import { declared } from "../catalog-support.ts";

const ctx: { inventory?: Inventory } = {};

function inventory(mediaIdentity = "jellyfin", mediaRw: string[] = []): Inventory {
  const shares = structuredClone(sharesDeclared.vm102) as { exports: { name: string; rw?: string[] }[] };
  shares.exports.find((e) => e.name === "media")!.rw = mediaRw;
  const vm100 = (mountsDeclared.vm100 as { identity: string }[]).map((m) => ({ ...m, identity: mediaIdentity }));
  return parseInventory(
    dump({
      version: 1,
      defaults: { ssh: { agent: true } },
      nodes: [
        { name: "vm102", role: "storage", layer: 1, ssh: { host: "vm102" }, shares },
        { name: "vm100", role: "compute", layer: 2, ssh: { host: "vm100" }, mounts: vm100 },
      ],
    }),
    "/lab/abc/inventory.yaml",
  );
}

const cap = (f: string) => readFileSync(`fixtures/captured/mounts/${f}`, "utf8");
function facts(tag: string): NodeFacts {
  const rec = (probe: { name: string; parse: (o: { stdout: string; stderr: string; code: number }) => unknown }, file: string) => {
    const stdout = cap(file);
    return [probe.name, { ok: true, value: probe.parse({ stdout, stderr: "", code: 0 }), evidence: { probe: probe.name, command: "…", stdout, stderr: "", code: 0 } }] as const;
  };
  return {
    node: "vm100",
    reachable: true,
    roundTrips: 1,
    gatherMs: 1,
    facts: Object.fromEntries([rec(exampleNetworkMounts, `vm100-${tag}.network-mounts.txt`), rec(exampleMountUnits, `vm100-${tag}.units.txt`)]),
  } as NodeFacts;
}

const SPECS = ["BOOT-004", "SHARE-004", "SHARE-005"];
function judge(tag: string, identity?: string, mediaRw?: string[]): Record<string, Verdict> {
  ctx.inventory = inventory(identity, mediaRw);
  const node = ctx.inventory.nodes.find((n) => n.name === "vm100")!;
  return Object.fromEntries(SPECS.map((id) => {
    const d = declared.find((x) => x.meta.id === id)!;
    return [id, evaluate(d.meta, d.def, node, facts(tag), [], { inventory: ctx.inventory })];
  }));
}
const failed = (v: Record<string, Verdict>) => Object.entries(v).filter(([, x]) => x.status !== "passed").map(([id]) => id).sort();
const message = (v: Verdict) => (v.status === "passed" ? "" : v.message);

beforeAll(async () => {
});

describe("the mounts specs on vm100's real output", () => {
  it("all pass on the conformant node", () => {
    const v = judge("conformant");
    expect(failed(v), Object.values(v).map(message).join("\n")).toEqual([]);
  });

  it("credentials-world-readable fails SHARE-005 only", () => {
    const v = judge("credentials-world-readable");
    expect(failed(v)).toEqual(["SHARE-005"]);
    expect(message(v["SHARE-005"]!)).toContain("/etc/samba/credentials/media.cred (/mnt/media) mode: expected 0600 (no group/other bits); actual 0644");
  });

  it("media-mounted-rw (on top of the previous drift) fails SHARE-004 on fstab and the live mount", () => {
    const v = judge("media-mounted-rw");
    expect(failed(v)).toEqual(["SHARE-004", "SHARE-005"]);
    expect(message(v["SHARE-004"]!)).toMatch(/\/etc\/fstab: expected ro; actual rw/);
    expect(message(v["SHARE-004"]!)).toMatch(/live mount: expected ro; actual mounted rw/);
  });

  it("missing-automount fails BOOT-004 on the fstab option and the unit", () => {
    const v = judge("missing-automount");
    expect(failed(v)).toContain("BOOT-004");
    expect(message(v["BOOT-004"]!)).toContain("missing x-systemd.automount");
    expect(message(v["BOOT-004"]!)).toContain("mnt-media.automount: expected loaded and active; actual not-found");
  });

  it("an ro mount with an identity the storage side lists rw, or not at all, fails SHARE-004", () => {
    const rw = judge("conformant", "jellyfin", ["jellyfin"]);
    expect(failed(rw)).toEqual(["SHARE-004"]);
    expect(message(rw["SHARE-004"]!)).toContain("identity: expected an identity vm102's shares section lists read-only on media; actual jellyfin is listed rw on vm102:media");
    const none = judge("conformant", "nextcloud");
    expect(message(none["SHARE-004"]!)).toContain("nextcloud is not listed on vm102:media (Samba refuses it)");
    expect(message(none["SHARE-005"]!)).toContain("username=: expected nextcloud; actual jellyfin");
  });
});

// A machine without autofs (real capture, see fixtures/captured/mounts/README.md): systemd skips
// the .automount unit and the lab mounts the share at boot. BOOT-004 is judged exactly as on a
// live node (it fails: the automount is not active); only the lab's host limit turns that one
// finding into "not hostable here", and every other finding still fails.
describe("the mounts specs on a machine without autofs", () => {
  const limit = { node: "vm100", invariant: "BOOT-004", subject: "mnt-media.automount", reason: "this machine's kernel has no autofs: the lab cannot host a systemd automount" };
  const judgeWith = (limits: typeof limit[], edit: (fstab: string) => string = (s) => s) => {
    ctx.inventory = inventory();
    const node = ctx.inventory.nodes.find((n) => n.name === "vm100")!;
    const f = facts("no-autofs");
    const raw = f.facts[exampleNetworkMounts.name]!.evidence.stdout;
    const stdout = edit(raw);
    f.facts[exampleNetworkMounts.name] = { ok: true, value: exampleNetworkMounts.parse({ stdout, stderr: "", code: 0 }), evidence: { ...f.facts[exampleNetworkMounts.name]!.evidence, stdout } };
    return Object.fromEntries(SPECS.map((id) => {
      const d = declared.find((x) => x.meta.id === id)!;
      return [id, evaluate(d.meta, d.def, node, f, limits, { inventory: ctx.inventory })];
    }));
  };

  it("without limits (a live node), BOOT-004 fails on the inactive automount; SHARE-004 and SHARE-005 pass on the mounted share", () => {
    const v = judgeWith([]);
    expect(failed(v)).toEqual(["BOOT-004"]);
    expect(message(v["BOOT-004"]!)).toContain("mnt-media.automount: expected active; actual inactive/dead");
  });

  it("with the lab's host limit, BOOT-004 is skipped with the reason, never passed", () => {
    const v = judgeWith([limit]);
    expect(v["BOOT-004"]!.status).toBe("skipped");
    expect(message(v["BOOT-004"]!)).toBe(
      "BOOT-004 [vm100] not hostable here: this machine's kernel has no autofs: the lab cannot host a systemd automount\n" +
        "  - mnt-media.automount: expected active; actual inactive/dead; see `systemctl status mnt-media.automount`\n" +
        "  everything else BOOT-004 checks on vm100 was judged and conforms",
    );
    expect(v["SHARE-004"]!.status).toBe("passed");
  });

  it("the limit excuses only its own finding: a line without nofail still fails BOOT-004, naming what was not judged", () => {
    const v = judgeWith([limit], (s) => s.replace(",_netdev,nofail", ",_netdev"));
    expect(v["BOOT-004"]!.status).toBe("failed");
    expect(message(v["BOOT-004"]!).split("\n")).toEqual([
      "BOOT-004 [vm100] Network mounts are systemd automounts that never block the boot (§3.2, §3.3)",
      expect.stringMatching(/^  - \/mnt\/media \(\/\/vm102\/media\) \/etc\/fstab options: expected x-systemd.automount, _netdev, nofail; actual missing nofail/),
      "  not judged, not hostable here: this machine's kernel has no autofs: the lab cannot host a systemd automount: mnt-media.automount",
      expect.stringMatching(/^  playbook §4.4/),
    ]);
  });
});

// Issue 16: the mount as systemd really defines it (real captures of vm100 on a machine without
// autofs, each from the conformant node: see fixtures/captured/mounts/README.md).
describe("the mounts specs judge the definition the node really uses", () => {
  const limit = { node: "vm100", invariant: "BOOT-004", subject: "mnt-media.automount", reason: "this machine's kernel has no autofs: the lab cannot host a systemd automount" };
  const judgeLimited = (tag: string) => {
    ctx.inventory = inventory();
    const node = ctx.inventory.nodes.find((n) => n.name === "vm100")!;
    return Object.fromEntries(SPECS.map((id) => {
      // (BOOT-004 is skipped here, its only finding being the host-limited automount.)
      const d = declared.find((x) => x.meta.id === id)!;
      return [id, evaluate(d.meta, d.def, node, facts(tag), [limit], { inventory: ctx.inventory })];
    }));
  };

  it("drift credentials-elsewhere: SHARE-005 judges the file the fstab line names, not the inventory's", () => {
    const v = judgeLimited("credentials-elsewhere");
    expect(Object.entries(v).filter(([, x]) => x.status === "failed").map(([id]) => id)).toEqual(["SHARE-005"]);
    expect(v["BOOT-004"]!.status).toBe("skipped");
    expect(message(v["SHARE-005"]!).split("\n").slice(1, 3)).toEqual([
      "  - /mnt/media /etc/fstab credentials=: expected /etc/samba/credentials/media.cred (as declared); actual /etc/media.cred",
      "  - /etc/media.cred (/mnt/media) mode: expected 0600 (no group/other bits); actual 0644",
    ]);
  });

  it("drift inline-password: SHARE-005 fails on the password in fstab, which never reaches the evidence", () => {
    const v = judgeLimited("inline-password");
    expect(Object.entries(v).filter(([, x]) => x.status === "failed").map(([id]) => id)).toEqual(["SHARE-005"]);
    expect(v["BOOT-004"]!.status).toBe("skipped");
    expect(message(v["SHARE-005"]!)).toContain(
      "  - /mnt/media /etc/fstab: expected credentials=/etc/samba/credentials/media.cred (a root-only file); actual a password written inline (username=jellyfin,password=<hidden>): /etc/fstab is readable by every local user",
    );
    const f = facts("inline-password");
    for (const p of Object.values(f.facts)) expect(JSON.stringify(p)).not.toContain("lab-jellyfin-pw");
  });

  it("legitimate variant media-explicit-units: an explicit .mount + .automount pair passes like the fstab line (the automount skipped as not hostable)", () => {
    const v = judgeLimited("explicit-units");
    expect(v["SHARE-004"]!.status, message(v["SHARE-004"]!)).toBe("passed");
    expect(v["SHARE-005"]!.status, message(v["SHARE-005"]!)).toBe("passed");
    expect(v["BOOT-004"]!.status, message(v["BOOT-004"]!)).toBe("skipped");
  });

  it("an explicit .mount unit pulled in at boot, without its automount or a timeout, fails BOOT-004 naming the unit file", () => {
    const f = facts("explicit-units");
    const raw = f.facts[exampleNetworkMounts.name]!.evidence.stdout;
    const stdout = raw.replace("TimeoutSec=10s\n", "[Install]\nWantedBy=multi-user.target\n").replace(/# \/etc\/systemd\/system\/mnt-media\.automount\n[\s\S]*?(?=# \/etc\/systemd\/system\/automount\.d)/, "");
    f.facts[exampleNetworkMounts.name] = { ok: true, value: exampleNetworkMounts.parse({ stdout, stderr: "", code: 0 }), evidence: { ...f.facts[exampleNetworkMounts.name]!.evidence, stdout } };
    ctx.inventory = inventory();
    const node = ctx.inventory.nodes.find((n) => n.name === "vm100")!;
    const d = declared.find((x) => x.meta.id === "BOOT-004")!;
    const m = message(evaluate(d.meta, d.def, node, f, [limit], { inventory: ctx.inventory }));
    expect(m).toContain("  - /mnt/media (//vm102/media) /etc/systemd/system/mnt-media.mount: expected an automount that never blocks the boot; actual not an .automount unit file for /mnt/media; not pulled in by no target");
    expect(m).toContain("  - /mnt/media (//vm102/media) TimeoutSec: expected ≤ 30s; actual not set");
  });
});
