// Issue 21, on one lab with two operator mistakes in it, judged by a DEFAULT live-mode run
// (HLC_TARGET=live, no HLC_ALLOW_WRITE_PROBES: what a scheduled run or an operator's first run is):
//
// 1. Restore tests that run by default and stay read-only: drift `corrupt-backup` zeroes a page of
//    the newest Vaultwarden backup's SQLite file. DATA-008 checks it in place (read-only,
//    immutable) and FAILS on it; the backup is byte for byte, mtime and ctime what it was.
//    DATA-012 streams the newest Nextcloud dump to the machine running the suite and restores it
//    into a throwaway MariaDB there: it runs without an opt-in and passes, and the dump folder on
//    lxc210 is unchanged (watched below).
// 2. Read-only by construction: drift `ro-identity-in-write-list` lets the read-only identity
//    jellyfin write to share media. The run attempts no write, mkdir, rename or delete on any
//    share (every path under the shares and the data disks: type, size, mode, owner, mtime and
//    ctime identical before and after), and SHARE-001 still FAILS the read-only invariant, judged
//    from Samba's effective configuration.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultLab } from "../../fixtures/lab/default-lab.ts";
import { findDrift } from "../../fixtures/lab/drifts.ts";
import { applyDrift, startLab, type Lab } from "../../fixtures/lab/lab.ts";
import { resultFor, runSuite, type SuiteRun } from "../../fixtures/lab/run-suite.ts";

/** Per entry: path, type, size, mode, owner, mtime, ctime (and a file's SHA-256). */
const snapshotOf = (roots: string[]) => `for r in ${roots.join(" ")}; do [ -e "$r" ] || continue
find "$r" -printf 'M\\t%p\\t%y %s %m %U:%G %T@ %C@\\n'
find "$r" -type f -exec sha256sum {} + | sed 's/^/H\\t/'
done 2>/dev/null`;

const WATCHED: Record<string, string[]> = {
  // The shares (through the pool) and the data disks under them (fixtures/images/storage/fstab):
  // mergerfs shows a folder's attributes from one branch, so a write may only show on a disk.
  vm102: ["/mnt/mergerfs", "/mnt/disk1", "/mnt/disk2", "/mnt/disk3"],
  lxc230: ["/var/backups/vaultwarden"],
  lxc210: ["/var/backups/nextcloud"],
};

let lab: Lab | undefined;
let run: SuiteRun;
let before: Map<string, string>;
let after: Map<string, string>;
let calibrated: Map<string, string>;

async function snapshot(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [node, roots] of Object.entries(WATCHED)) {
    const r = await lab!.containers.get(node)!.exec(["sh", "-c", snapshotOf(roots)]);
    for (const line of r.stdout.split("\n")) {
      const m = /^M\t(.*)\t(.*)$/.exec(line);
      if (m) out.set(`${node}:${m[1]}`, `${m[2]}${out.get(`${node}:${m[1]}`) ?? ""}`);
      const h = /^H\t([0-9a-f]{64}) {2}(.*)$/.exec(line);
      if (h) out.set(`${node}:${h[2]}`, `${out.get(`${node}:${h[2]}`) ?? ""} sha256:${h[1]}`);
    }
  }
  return out;
}

beforeAll(async () => {
  delete process.env.HLC_ALLOW_WRITE_PROBES;
  lab = await startLab(defaultLab());
  await applyDrift(lab, findDrift("corrupt-backup"));
  await applyDrift(lab, findDrift("ro-identity-in-write-list"));
  before = await snapshot();
  run = await runSuite(lab.inventoryFile, { target: "live" });
  after = await snapshot();
  // The snapshot sees what a write probe does: a file put and removed again on share media.
  await lab.containers.get("vm102")!.exec(["sh", "-c", "touch /mnt/mergerfs/media/.hlc-calibration && rm /mnt/mergerfs/media/.hlc-calibration"]);
  calibrated = await snapshot();
}, 1_200_000);

afterAll(async () => {
  await lab?.stop();
});

describe("a default live-mode run of a lab whose RO identity may write and whose newest backup is corrupt", () => {
  it("changes nothing under the shares, the data disks or the backups (before/after snapshot)", () => {
    expect(before.size).toBeGreaterThan(50);
    const diff = (a: Map<string, string>, b: Map<string, string>) =>
      [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).map((k) => `${k}: ${a.get(k) ?? "(absent)"} → ${b.get(k) ?? "(absent)"}`);
    const changed = diff(before, after);
    console.log(`[read-only] ${before.size} entries under ${Object.entries(WATCHED).map(([n, r]) => `${n}:${r.join(",")}`).join(" ")}; changed: ${changed.length}`);
    expect(changed).toEqual([]);
    // It would see a put-and-remove on a share (through the pool, the branch folder's mtime and
    // ctime move: mergerfs shows the first branch's folder, so the pool's own entry may not).
    const seen = diff(after, calibrated);
    console.log(`[read-only] calibration (a file put and removed on share media) changed: ${seen.join("; ")}`);
    expect(seen.length).toBeGreaterThan(0);
  });

  it("SHARE-001 still fails the read-only invariant, judged from Samba's effective configuration", () => {
    const r = resultFor(run, "SHARE-001", "vm102");
    expect(r.status).toBe("failed");
    expect(r.message).toContain("share media, identity jellyfin: expected read-only; actual the effective config lets jellyfin write (write list has jellyfin)");
    expect(r.message).not.toMatch(/put succeeded|mkdir succeeded/);
  });

  it("DATA-008 runs without an opt-in and fails the corrupt backup", () => {
    const r = resultFor(run, "DATA-008", "lxc230");
    expect(r.status).toBe("failed");
    expect(r.message).toMatch(/db\.sqlite3: expected PRAGMA integrity_check prints ok; actual fails its integrity check \(exit \d+: .*malformed|db\.sqlite3: expected PRAGMA integrity_check prints ok; actual fails its integrity check/);
  });

  it("DATA-012 runs without an opt-in (restored on this machine, read-only on lxc210) and passes", () => {
    const r = resultFor(run, "DATA-012", "lxc210");
    expect(r.status, r.message).toBe("passed");
  });
});
