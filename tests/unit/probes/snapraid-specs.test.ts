// The storage specs (DATA-001..006) judged on REAL captured facts of the lab's storage node, offline:
// the conformant node fails none, each drift fails exactly its spec — the drift matrix's
// expectations, checked without containers — and the messages say what an operator must know.
import { beforeAll, describe, expect, it } from "vitest";
import type { FactRecord, NodeFacts } from "../../../helpers/facts/types.ts";
import { InventoryError } from "../../../helpers/inventory/errors.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import { storageSection } from "../../../helpers/inventory/sections/storage.ts";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import { mergerfsBranches } from "../../../helpers/probes/mergerfs.ts";
import { mounts } from "../../../helpers/probes/mounts.ts";
import { snapraidConfig, snapraidDiff, snapraidPaths, snapraidStatus } from "../../../helpers/probes/snapraid.ts";
import type { Probe } from "../../../helpers/probes/types.ts";
import { evaluate } from "../../../helpers/spec/evaluate.ts";
import { declared, type Declared } from "../catalog-support.ts";
import { NO_SCENE } from "../catalog-support.ts";
import { storageDeclared } from "../../../fixtures/lab/declared/storage.ts";
import { captured, hasCapture } from "./snapraid-capture.ts";

const IDS = ["DATA-001", "DATA-002", "DATA-003", "DATA-004", "DATA-005", "DATA-006"];
let specs: Declared[] = [];

beforeAll(async () => {
  for (const f of ["snapraid-sync", "snapraid-scrub", "snapraid-health", "snapraid-unsynced", "snapraid-disks", "mergerfs-pool"]) {
  }
  specs = declared.filter((d) => IDS.includes(d.meta.id));
});

const node = {
  name: "vm102",
  role: "storage",
  layer: 1,
  services: [],
  ssh: {},
  storage: storageSection.normalize(storageDeclared.vm102 as never, "/"),
} as unknown as NodeDecl;

const PROBES: Array<[Probe<unknown>, "snapraid" | "mergerfs", string]> = [
  [snapraidStatus(), "snapraid", "status"],
  [snapraidDiff(), "snapraid", "diff"],
  [snapraidConfig(), "snapraid", "conf"],
  [snapraidPaths(), "snapraid", "paths"],
  [mounts, "snapraid", "findmnt"],
  [mergerfsBranches(), "mergerfs", "branches"],
];

/** Facts of vm102 as the gather phase would record them, from one capture (others from `base`). */
function factsOf(capture: string, base = "conformant"): NodeFacts {
  const facts: Record<string, FactRecord> = {};
  for (const [probe, where, file] of PROBES) {
    const from = hasCapture(where, capture, file) ? capture : base;
    const o = captured(where, from, file);
    const evidence = { probe: probe.name, command: probe.command, ...o };
    try {
      facts[probe.name] = { ok: true, value: probe.parse(o), evidence };
    } catch (e) {
      facts[probe.name] = { ok: false, error: (e as Error).message, evidence };
    }
  }
  return { node: "vm102", reachable: true, roundTrips: 1, gatherMs: 1, facts };
}

function judge(capture: string, base?: string) {
  const facts = factsOf(capture, base);
  const verdicts = specs.map((s) => ({ id: s.meta.id, v: evaluate(s.meta, s.def, node, facts) }));
  for (const { v } of verdicts) expect(v.status, v.status === "broken" ? v.message : "").not.toBe("broken");
  const failed = verdicts.filter((x) => x.v.status === "failed");
  return { failed: failed.map((x) => x.id), message: (id: string) => (failed.find((x) => x.id === id)?.v as { message: string } | undefined)?.message ?? "" };
}

describe("storage specs on real captures of vm102", () => {
  it("declares DATA-001..006, each on the storage node only", () => {
    expect(specs.map((s) => s.meta.id).sort()).toEqual(IDS);
    for (const s of specs) {
      expect(s.def.appliesTo(node, NO_SCENE)).toBe(true);
      expect(s.def.appliesTo({ ...node, storage: undefined } as NodeDecl, NO_SCENE)).toBe(false);
    }
  });

  it("conformant: nothing fails", () => {
    expect(judge("conformant").failed).toEqual([]);
  });

  it.each([
    ["snapraid-sync-30d", "DATA-001"],
    ["snapraid-scrub-60d", "DATA-002"],
    ["snapraid-errors", "DATA-003"],
    ["unsynced-churn", "DATA-004"],
    ["missing-disk", "DATA-005"],
    ["missing-mergerfs-branch", "DATA-006"],
  ])("drift %s fails exactly %s", (drift, id) => {
    expect(judge(drift).failed).toEqual([id]);
  });

  it("DATA-001 on the 30-day-old array reads 30 days", () => {
    expect(judge("snapraid-sync-30d").message("DATA-001")).toBe(
      "DATA-001 [vm102] SnapRAID parity is synced on schedule (§2.1, §1, §6)\n" +
        "  - last SnapRAID sync: expected at most 7 days ago; actual 30 days ago (snapraid status: the newest block was synced or scrubbed 30 days ago; oldest 30, median 30): files written since are not protected; run `snapraid sync`",
    );
  });

  it("DATA-002 names the 60-day-old scrub", () => {
    expect(judge("snapraid-scrub-60d").message("DATA-002")).toContain("oldest SnapRAID scrub: expected at most 45 days ago; actual 60 days ago");
  });

  it("DATA-003 gives the error count and the block", () => {
    expect(judge("snapraid-errors").message("DATA-003")).toContain(
      'SnapRAID array: expected no errors ("No error detected."); actual 1 error at block 3 ("DANGER! In the array there are 1 errors!")',
    );
  });

  it("DATA-004 fails on the 2 deletions only (2 added, 2 updated are within 50), naming them", () => {
    const m = judge("unsynced-churn").message("DATA-004");
    expect(m.split("\n")).toHaveLength(2);
    expect(m).toContain(
      "files deleted since the last sync: expected at most 0 (§2.4: a sync after an accidental deletion makes it permanent); actual 2 removed: media/audiobooks/Arthur Conan Doyle/The Hound of the Baskervilles/03 - Chapter 03.mp3, books/Mary Shelley/Frankenstein (2)/cover.jpg; check they were meant to go before the next sync (`snapraid fix -m` restores deleted files)",
    );
  });

  it("missing-disk: DATA-005 says which disk, that its mountpoint is empty, and not to sync; DATA-004 leaves its 10 files out", () => {
    const r = judge("missing-disk");
    expect(r.message("DATA-005")).toBe(
      "DATA-005 [vm102] Every SnapRAID disk is mounted, parity readable, content files in place (§3.1, §4.1, §4.2)\n" +
        "  - data disk d2 (/mnt/disk2/): expected mounted on a filesystem of its own (§3.1 layer 1: all disks mounted); actual not mounted: it is on the root filesystem (/); /mnt/disk2/ is an empty directory (an empty mountpoint); its content file /mnt/disk2/snapraid.content is gone with it; snapraid diff counts its 10 files as removed: do NOT run `snapraid sync` until the disk is back (§4.1)\n" +
        // The playbook line (gathered diagnostics are attached in a real run; offline, none were).
        "  playbook §4.1 Disk failure / §4.2 Parity disk failure: look at findmnt -T /mnt/disk2; systemctl status mnt-disk2.mount; journalctl -u mnt-disk2.mount -n 30 (not gathered)",
    );
    expect(r.failed).not.toContain("DATA-004");
    expect(r.failed).not.toContain("DATA-006"); // /mnt/disk2 is still a branch: its mount is DATA-005's
  });

  it("a deletion on a present disk while d2 is missing is still judged (d2's 10 files left out)", () => {
    const facts = factsOf("missing-disk");
    const o = captured("snapraid", "missing-disk", "diff");
    const more = { ...o, stdout: o.stdout.replace("      10 removed", "      11 removed").replace("Comparing...\n", "Comparing...\nremove books/metadata.db\n") };
    facts.facts["snapraid-diff"] = { ...facts.facts["snapraid-diff"]!, value: snapraidDiff().parse(more) };
    const spec = specs.find((s) => s.meta.id === "DATA-004")!;
    const v = evaluate(spec.meta, spec.def, node, facts);
    expect(v.status === "failed" && v.message).toContain("actual 1 removed (not counting the 10 files of missing disk d2)");
  });

  it("missing-mergerfs-branch: DATA-006 lists the live branches and the one missing", () => {
    expect(judge("missing-mergerfs-branch").message("DATA-006")).toContain(
      "pool /mnt/mergerfs branches: expected /mnt/disk1, /mnt/disk2, /mnt/disk3; actual /mnt/disk1=RW, /mnt/disk3=RW: missing /mnt/disk2 (its files are not in the pool)",
    );
  });

  it("an interrupted sync (real) fails DATA-003 only", () => {
    const r = judge("interrupted-sync");
    expect(r.failed).toEqual(["DATA-003"]);
    expect(r.message("DATA-003")).toContain("a sync was interrupted at 12%");
  });

  it("the parity disk unmounted (real) fails DATA-005 only: status and diff do not notice", () => {
    const r = judge("parity-unmounted");
    expect(r.failed).toEqual(["DATA-005"]);
    expect(r.message("DATA-005")).toContain(
      "parity file /mnt/parity/snapraid.parity: expected on its own mounted disk, present and readable (§4.2); actual not mounted: it is on the root filesystem (/); the parity file does not exist",
    );
  });

  it("the pool unmounted (real) fails DATA-006 only", () => {
    const r = judge("pool-unmounted");
    expect(r.failed).toEqual(["DATA-006"]);
    expect(r.message("DATA-006")).toContain("pool /mnt/mergerfs: expected a fuse.mergerfs mount; actual not mounted (a plain directory on /)");
  });

  it("a running sync (lock held) makes status/diff unanswerable: DATA-001..004 say so, DATA-005/006 still judge", () => {
    const r = judge("busy");
    expect(r.failed).toEqual(["DATA-001", "DATA-002", "DATA-003", "DATA-004"]);
    expect(r.message("DATA-003")).toContain("SnapRAID is in use (The lock file '/var/snapraid/snapraid.content.lock' is already locked! SnapRAID is already in use!)");
  });
});

describe("the storage section of the inventory", () => {
  const inv = (storage: string) =>
    parseInventory(`version: 1\nnodes:\n  - name: vm102\n    role: storage\n    layer: 1\n    ssh: { host: h, agent: true }\n    storage:\n${storage}`, "/srv/inv.yaml");
  const problems = (storage: string) => {
    try {
      inv(storage);
    } catch (e) {
      if (e instanceof InventoryError) return e.problems.map((p) => `${p.path}: ${p.message}`);
      throw e;
    }
    return [];
  };

  it("fills the document's defaults: weekly sync, 45-day scrub, 20% unscrubbed, no unsynced deletion", () => {
    const node = inv("      snapraid: {}\n      mergerfs: { branches: [/mnt/disk1/, /mnt/disk2] }\n").nodes[0]!;
    expect(node.storage).toEqual({
      snapraid: { config: "/etc/snapraid.conf", maxSyncAgeDays: 7, maxScrubAgeDays: 45, maxUnscrubbedPercent: 20, maxUnsynced: { added: 50, updated: 50, removed: 0 } },
      mergerfs: { mountpoint: "/mnt/mergerfs", branches: ["/mnt/disk1", "/mnt/disk2"] },
    });
    expect(inv("      snapraid: { maxUnsynced: { removed: 5 } }\n").nodes[0]!.storage!.snapraid!.maxUnsynced).toEqual({ added: 50, updated: 50, removed: 5 });
    expect(inv("      mergerfs: { branches: [/a] }\n").nodes[0]!.storage!.snapraid).toBeUndefined();
  });

  it("rejects negative bounds, relative paths, a pool without branches and unknown keys", () => {
    expect(problems("      snapraid: { maxUnsynced: { removed: -1 } }\n").join("\n")).toMatch(/storage.snapraid.maxUnsynced.removed/);
    expect(problems("      snapraid: { config: snapraid.conf }\n").join("\n")).toMatch(/absolute path/);
    expect(problems("      mergerfs: { mountpoint: /mnt/mergerfs }\n").join("\n")).toMatch(/branches/);
    expect(problems("      snapraid: { maxSyncAge: 7 }\n").join("\n")).toMatch(/maxSyncAge/);
    expect(problems("      snapraid: { maxUnscrubbedPercent: 101 }\n").join("\n")).toMatch(/maxUnscrubbedPercent/);
  });
});
