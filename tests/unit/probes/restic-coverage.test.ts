// DATA-013's `covers` (§2.4 "off-site backup for critical subsets"): each declared critical path
// held by one of the newest snapshots (restic's newest per host and path set), fresh enough. On a
// real capture (fixtures/captured/restic/snapshots-two-path-sets.txt): a job that snapshots the
// vault backups (10 days ago, then dropped from the job) and the Nextcloud dumps with documents (now).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseSnapshots } from "../../../helpers/probes/restic.ts";
import { coverage } from "../../../specs/data/restic-snapshot.spec.ts";

const s = parseSnapshots({ stdout: readFileSync("fixtures/captured/restic/snapshots-two-path-sets.txt", "utf8"), stderr: "", code: 0 });
const judge = (path: string) => coverage(path, s.snapshots, s.now, 26, "restic repository /srv/restic");

describe("DATA-013 covers: every critical path in a fresh snapshot", () => {
  it("lists the newest snapshot of each path set", () => {
    expect(s.snapshots.map((x) => x.paths)).toEqual([["/srv/docs", "/var/backups/nextcloud"], ["/var/backups/vaultwarden"]]);
  });
  it("a path held by a fresh snapshot passes, itself or below one of its paths", () => {
    expect(judge("/var/backups/nextcloud")).toEqual([]);
    expect(judge("/srv/docs/a.txt")).toEqual([]);
  });
  it("a path held only by a stale snapshot fails with its age; a fresh snapshot of another set does not save it", () => {
    const [f] = judge("/var/backups/vaultwarden/20261206T010000Z");
    expect(f!.expected).toBe("/var/backups/vaultwarden/20261206T010000Z held by a snapshot at most 26 h old");
    expect(f!.actual).toMatch(/^the newest snapshot holding \/var\/backups\/vaultwarden\/20261206T010000Z is 6c14b096 \(\/var\/backups\/vaultwarden\), 10\.0 days old$/);
  });
  it("a path in no snapshot fails, naming what the snapshots hold; a sibling with the same prefix is not held", () => {
    expect(judge("/etc/nextcloud")[0]!.actual).toBe("no snapshot holds /etc/nextcloud (the newest snapshots hold: /srv/docs, /var/backups/nextcloud; /var/backups/vaultwarden): the critical path is not backed up off-site");
    expect(judge("/srv/docs2")).toHaveLength(1);
  });
});
