import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  parseSnapraidConf,
  snapraidConfig,
  snapraidDiff,
  snapraidPaths,
  snapraidStatus,
  type SnapraidBusy,
  type SnapraidDiff,
  type SnapraidStatus,
} from "../../../helpers/probes/snapraid.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { out } from "./capture.ts";
import { captured } from "./snapraid-capture.ts";

const status = (o: ReturnType<typeof captured>) => snapraidStatus().parse(o);
const report = (o: ReturnType<typeof captured>): SnapraidStatus => {
  const s = status(o);
  if (s.kind !== "status") throw new Error(`expected a status report, got ${JSON.stringify(s)}`);
  return s;
};
const diffOf = (o: ReturnType<typeof captured>): SnapraidDiff => {
  const d = snapraidDiff().parse(o);
  if (d.kind !== "diff") throw new Error(`expected a diff, got ${JSON.stringify(d)}`);
  return d;
};
/** A real status output with some of its lines replaced (for spellings 12.2 cannot produce). */
const edited = (from: string, to: string, capture = "conformant") => {
  const o = captured("image", capture, "status");
  expect(o.stdout).toContain(from);
  return { ...o, stdout: o.stdout.replace(from, to) };
};

describe("snapraid.conf", () => {
  it("reads the lab's real snapraid.conf: parity, content copies, data disks", () => {
    const conf = snapraidConfig().parse(captured("snapraid", "conformant", "conf"));
    expect(snapraidConfig().command).toBe("cat -- /etc/snapraid.conf");
    expect(conf).toEqual({
      parity: [{ level: 1, keyword: "parity", files: ["/mnt/parity/snapraid.parity"] }],
      content: ["/var/snapraid/snapraid.content", "/mnt/disk1/snapraid.content", "/mnt/disk2/snapraid.content"],
      data: [
        { name: "d1", dir: "/mnt/disk1/" },
        { name: "d2", dir: "/mnt/disk2/" },
        { name: "d3", dir: "/mnt/disk3/" },
      ],
      rules: [
        { kind: "exclude", pattern: "*.unrecoverable", line: 12 },
        { kind: "exclude", pattern: "/lost+found/", line: 13 },
        { kind: "exclude", pattern: "/tmp/", line: 14 },
        { kind: "exclude", pattern: "*.!sync", line: 15 },
        { kind: "exclude", pattern: ".Trash-*/", line: 16 },
      ],
      nohidden: false,
    });
  });

  it("knows every parity spelling, split parity, the old `disk` keyword, comments, CRLF and spaces in paths", () => {
    const conf = parseSnapraidConf(
      [
        "# comment with data d9 /nope/",
        "2-parity /mnt/p2/snapraid.2-parity\r",
        "parity /mnt/p1a/snapraid.parity, /mnt/p1b/snapraid.parity",
        "z-parity /mnt/pz/z.parity",
        "   content   /var/snapraid.content   ",
        "disk d1 /mnt/disk 1/",
        "data  d2\t/mnt/disk2/",
        "exclude /tmp/",
        "blocksize 256",
        "",
      ].join("\n"),
    );
    expect(conf.parity).toEqual([
      { level: 1, keyword: "parity", files: ["/mnt/p1a/snapraid.parity", "/mnt/p1b/snapraid.parity"] },
      { level: 2, keyword: "2-parity", files: ["/mnt/p2/snapraid.2-parity"] },
      { level: 2, keyword: "z-parity", files: ["/mnt/pz/z.parity"] },
    ]);
    expect(conf.content).toEqual(["/var/snapraid.content"]);
    expect(conf.data).toEqual([
      { name: "d1", dir: "/mnt/disk 1/" },
      { name: "d2", dir: "/mnt/disk2/" },
    ]);
  });

  it("throws on a data line without a directory, and when the file cannot be read", () => {
    expect(() => parseSnapraidConf("data d1\n")).toThrow(/needs a name and a directory/);
    expect(() => parseSnapraidConf("disk d1 \t\n")).toThrow(ProbeParseError);
    expect(() => snapraidConfig().parse(out("", 1, "cat: /etc/snapraid.conf: No such file or directory"))).toThrow(/cannot read \/etc\/snapraid.conf/);
  });
});

describe("snapraid-paths (the files snapraid.conf names)", () => {
  const parse = (capture: string) => snapraidPaths().parse(captured("snapraid", capture, "paths"));

  it("conformant: parity and every content file present and readable, data disks non-empty", () => {
    const p = parse("conformant");
    expect(p.find((x) => x.kind === "parity")).toEqual({ kind: "parity", path: "/mnt/parity/snapraid.parity", type: "file", size: 2621440, readable: true });
    expect(p.filter((x) => x.kind === "content").every((x) => x.type === "file" && x.readable)).toBe(true);
    expect(p.filter((x) => x.kind === "data")).toEqual([
      { kind: "data", path: "/mnt/disk1/", type: "directory", empty: false },
      { kind: "data", path: "/mnt/disk2/", type: "directory", empty: false },
      { kind: "data", path: "/mnt/disk3/", type: "directory", empty: false },
    ]);
  });

  it("missing-disk: /mnt/disk2/ is an empty directory and its content copy is gone", () => {
    const p = parse("missing-disk");
    expect(p.find((x) => x.path === "/mnt/disk2/")).toMatchObject({ type: "directory", empty: true });
    expect(p.find((x) => x.path === "/mnt/disk2/snapraid.content")).toEqual({ kind: "content", path: "/mnt/disk2/snapraid.content", type: "missing" });
  });

  it("parity-unmounted and a never-synced array: parity file missing", () => {
    expect(parse("parity-unmounted").find((x) => x.kind === "parity")).toMatchObject({ type: "missing" });
    expect(parse("empty-array").map((x) => x.type)).toEqual(["missing", "missing", "missing", "directory"]);
  });

  it("its sh+awk command splits a real conf like parseSnapraidConf (run here with sh)", () => {
    const dir = mkdtempSync(join(tmpdir(), "hlc-snapraid-"));
    mkdirSync(join(dir, "disk 1"));
    mkdirSync(join(dir, "disk2"));
    writeFileSync(join(dir, "disk2", "x"), "x");
    writeFileSync(join(dir, "p1"), "parity");
    writeFileSync(join(dir, "c1"), "");
    const conf = join(dir, "snapraid.conf");
    writeFileSync(
      conf,
      [`# parity ${dir}/commented`, `parity ${dir}/p1,${dir}/p1b`, `2-parity ${dir}/p2`, `content ${dir}/c1`, `data d1 ${dir}/disk 1/`, `disk d2 ${dir}/disk2/`, `exclude *.tmp`, ""].join("\r\n"),
    );
    const stdout = execFileSync("sh", ["-c", snapraidPaths(conf).command], { encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
    expect(snapraidPaths(conf).parse(out(stdout))).toEqual([
      { kind: "parity", path: `${dir}/p1`, type: "file", size: 6, readable: true },
      { kind: "parity", path: `${dir}/p1b`, type: "missing" },
      { kind: "2-parity", path: `${dir}/p2`, type: "missing" },
      { kind: "content", path: `${dir}/c1`, type: "file", size: 0, readable: true },
      { kind: "data", path: `${dir}/disk 1/`, type: "directory", empty: true },
      { kind: "data", path: `${dir}/disk2/`, type: "directory", empty: false },
    ]);
    // The same conf through the TypeScript parser names the same paths.
    const parsed = parseSnapraidConf(execFileSync("cat", [conf], { encoding: "utf8" }));
    expect([...parsed.parity.flatMap((p) => p.files), ...parsed.content, ...parsed.data.map((d) => d.dir)].sort()).toEqual(
      [`${dir}/p1`, `${dir}/p1b`, `${dir}/p2`, `${dir}/c1`, `${dir}/disk 1/`, `${dir}/disk2/`].sort(),
    );
    // An unreadable conf is an error, not an empty answer.
    const missing = snapraidPaths(join(dir, "nope.conf"));
    let code = 0;
    try {
      execFileSync("sh", ["-c", missing.command], { stdio: "pipe" });
    } catch (e) {
      code = (e as { status: number }).status;
    }
    expect(code).toBe(2);
    expect(() => missing.parse(out("", 2, `cannot read ${dir}/nope.conf`))).toThrow(ProbeParseError);
  });

  it("throws on lines it cannot read", () => {
    expect(() => snapraidPaths().parse(out("parity\t/x\tfile\n"))).toThrow(/unrecognized line/);
    expect(() => snapraidPaths().parse(out("parity\t/x\tfifo\t-\t-\n"))).toThrow(/unknown type/);
    expect(() => snapraidPaths().parse(out("parity\t/x\tfile\tbig\treadable\n"))).toThrow(/bad size/);
  });
});

describe("snapraid status (SnapRAID 12.2)", () => {
  it("runs `snapraid -c CONF status`", () => {
    expect(snapraidStatus().command).toBe("snapraid -c /etc/snapraid.conf status");
    expect(snapraidStatus("/etc/snap raid.conf").command).toBe("snapraid -c '/etc/snap raid.conf' status");
  });

  it("conformant: fully synced and scrubbed today, no error, files per disk", () => {
    for (const where of ["image", "snapraid"] as const) {
      const s = report(captured(where, "conformant", "status"));
      expect(s).toMatchObject({
        empty: false,
        ages: { oldestDays: 0, medianDays: 0, newestDays: 0 },
        syncAgeDays: 0,
        scrubAgeDays: 0,
        unscrubbedPercent: 0,
        errors: { count: 0, blocks: [] },
        futureDates: false,
        zeroSubsecondFiles: 0,
      });
      expect(s.syncInProgressPercent).toBeUndefined();
      expect(s.disks).toEqual([
        { name: "d1", files: 9 },
        { name: "d2", files: 10 },
        { name: "d3", files: 10 },
      ]);
    }
  });

  it("the 30-days-ago array reads as a sync age of 30 days (the NEWEST block) and a scrub age of 30", () => {
    const s = report(captured("image", "snapraid-sync-30d", "status"));
    expect(s.ages).toEqual({ oldestDays: 30, medianDays: 30, newestDays: 30 });
    expect(s.syncAgeDays).toBe(30);
    expect(s.scrubAgeDays).toBe(30);
  });

  it("synced today over 60-day-old scrubs: sync age 0 (newest), scrub age 60 (oldest)", () => {
    const s = report(captured("image", "snapraid-scrub-60d", "status"));
    expect(s.ages).toEqual({ oldestDays: 60, medianDays: 60, newestDays: 0 });
    expect([s.syncAgeDays, s.scrubAgeDays, s.unscrubbedPercent]).toEqual([0, 60, 0]);
  });

  it('"DANGER! In the array there are 1 errors!" with its block; status still exits 0', () => {
    const o = captured("image", "snapraid-errors", "status");
    expect(o.code).toBe(0);
    expect(report(o).errors).toEqual({ count: 1, firstBlock: 3, lastBlock: 3, blocks: [3] });
  });

  it("several bad blocks (12.2 lists them) and 13.x's contiguous form", () => {
    const many = edited("No error detected.", "DANGER! In the array there are 3 errors!\n\nThey are from block 3 to 90, specifically at blocks: 3 4 90\n");
    expect(report(many).errors).toEqual({ count: 3, firstBlock: 3, lastBlock: 90, blocks: [3, 4, 90] });
    const v13 = edited("No error detected.", "DANGER! In the array there are 5 errors!\n\nThey are from block 3 to 7.\n");
    expect(report(v13).errors).toEqual({ count: 5, firstBlock: 3, lastBlock: 7, blocks: [] });
  });

  it("an interrupted sync (real, SIGINT during `snapraid sync`): sync in progress at 12%, 8% unscrubbed", () => {
    const s = report(captured("snapraid", "interrupted-sync", "status"));
    expect(s.syncInProgressPercent).toBe(12);
    expect(s.unscrubbedPercent).toBe(8);
    expect(s.errors.count).toBe(0);
  });

  it('"The 100% of the array is not scrubbed." after a sync 10 days ago with no scrub', () => {
    const s = report(captured("snapraid", "unscrubbed-10d", "status"));
    expect([s.unscrubbedPercent, s.syncAgeDays, s.scrubAgeDays]).toEqual([100, 10, 10]);
  });

  it("13.x drops the article: \"5% of the array is not scrubbed.\"", () => {
    expect(report(edited("The full array was scrubbed at least one time.", "5% of the array is not scrubbed.")).unscrubbedPercent).toBe(5);
  });

  it("future scrub dates, zero sub-second files and a rehash are read too", () => {
    const o = edited(
      "No sync is in progress.\nThe full array was scrubbed at least one time.\nNo file has a zero sub-second timestamp.\nNo rehash is in progress or needed.",
      "WARNING! You have scrub dates in the future! The next sync/scrub will truncate them!\nNo sync is in progress.\nThe full array was scrubbed at least one time.\nYou have 4 files with a zero sub-second timestamp.\nRun 'snapraid touch' to set their sub-second timestamps to a non-zero value.\nYou have a rehash in progress at 40%.",
    );
    expect(report(o)).toMatchObject({ futureDates: true, zeroSubsecondFiles: 4, rehashInProgressPercent: 40 });
  });

  it('an empty array ("The array is empty." on stderr): never synced, no ages', () => {
    for (const capture of ["empty-array", "never-synced"]) {
      const s = report(captured("snapraid", capture, "status"));
      expect(s).toMatchObject({ empty: true, disks: [{ name: "e1", files: 0 }], unscrubbedPercent: 0, errors: { count: 0 } });
      expect(s.ages).toBeUndefined();
      expect(s.syncAgeDays).toBeUndefined();
    }
  });

  it("missing-disk: status reads only the content file and sees nothing wrong (warning kept)", () => {
    const s = report(captured("image", "missing-disk", "status"));
    expect(s).toMatchObject({ errors: { count: 0 }, syncAgeDays: 0 });
    expect(s.warnings).toEqual(["WARNING! Content files on the same disk: '/var/snapraid/snapraid.content' and '/mnt/disk2/snapraid.content'."]);
  });

  it("busy: a running sync holds the lock; status exits 1 with \"SnapRAID is already in use!\"", () => {
    const o = captured("snapraid", "busy", "status");
    expect(o.code).toBe(1);
    expect(status(o)).toEqual<SnapraidBusy>({
      kind: "busy",
      message: "The lock file '/var/snapraid/snapraid.content.lock' is already locked! SnapRAID is already in use!",
    });
  });

  it("throws on output it cannot read or a failed snapraid", () => {
    expect(() => status(out("garbage\n"))).toThrow(/SnapRAID status report/);
    expect(() => status(edited("The oldest block was scrubbed 0 days ago, the median 0, the newest 0.", ""))).toThrow(/oldest\/median\/newest/);
    expect(() => status(edited("No error detected.", "Something else."))).toThrow(/error line/);
    expect(() => status(edited("No sync is in progress.", ""))).toThrow(/sync-in-progress/);
    expect(() => status(out("", 127, "sh: 1: snapraid: not found"))).toThrow(/not installed/);
    expect(() => status(out("Self test...\n", 1, "Error opening the configuration file '/etc/snapraid.conf'. No such file or directory.\n"))).toThrow(
      /snapraid exited 1: Error opening the configuration file/,
    );
  });
});

describe("snapraid diff (SnapRAID 12.2)", () => {
  it("runs `snapraid -c CONF diff`", () => {
    expect(snapraidDiff().command).toBe("snapraid -c /etc/snapraid.conf diff");
  });

  it("conformant: exit 0, No differences, 29 equal", () => {
    for (const where of ["image", "snapraid"] as const) {
      const d = diffOf(captured(where, "conformant", "diff"));
      expect(d).toMatchObject({ differences: false, syncNeeded: false, changes: [], missingDisks: [] });
      expect(d.counts).toEqual({ equal: 29, added: 0, removed: 0, updated: 0, moved: 0, copied: 0, restored: 0 });
    }
  });

  it("unsynced-churn: exit 2 is not a failure; counts and the changed files, unescaped", () => {
    const o = captured("image", "unsynced-churn", "diff");
    expect(o.code).toBe(2);
    const d = diffOf(o);
    expect(d.differences).toBe(true);
    expect(d.counts).toMatchObject({ added: 2, removed: 2, updated: 2 });
    expect(d.changes).toContainEqual({ op: "add", path: "media/movies/Cosmos Laundromat (2015)/Cosmos Laundromat (2015).mkv" });
    expect(d.changes).toContainEqual({ op: "remove", path: "books/Mary Shelley/Frankenstein (2)/cover.jpg" });
    expect(d.changes.filter((c) => c.op === "update").map((c) => c.path)).toEqual(["nextcloud/nextcloud.log", "backup/vaultwarden/db.sqlite3"]);
  });

  it("missing-disk: 10 removed and SnapRAID's own alarm naming disk d2", () => {
    const d = diffOf(captured("image", "missing-disk", "diff"));
    expect(d.counts.removed).toBe(10);
    expect(d.missingDisks).toEqual([{ disk: "d2", dir: "/mnt/disk2/" }]);
    expect(d.warnings[1]).toBe("WARNING! All the files previously present in disk 'd2' at dir '/mnt/disk2/'");
  });

  it('an interrupted sync: "No differences", yet exit 2 (a sync is needed)', () => {
    const o = captured("snapraid", "interrupted-sync", "diff");
    expect(o.code).toBe(2);
    expect(diffOf(o)).toMatchObject({ differences: false, syncNeeded: true });
    expect(diffOf(captured("image", "unsynced-churn", "diff"))).toMatchObject({ differences: true, syncNeeded: true });
    expect(diffOf(captured("image", "snapraid-errors", "diff"))).toMatchObject({ differences: false, syncNeeded: false });
  });

  it("a never-synced array with a file: 1 added, exit 2; an empty one: exit 0", () => {
    expect(diffOf(captured("snapraid", "never-synced", "diff")).counts).toMatchObject({ equal: 0, added: 1 });
    expect(diffOf(captured("snapraid", "empty-array", "diff")).counts).toMatchObject({ equal: 0, added: 0 });
  });

  it("busy: exit 1, lock held", () => {
    expect(snapraidDiff().parse(captured("snapraid", "busy", "diff"))).toMatchObject({ kind: "busy" });
  });

  it("throws on garbage and on a failed snapraid", () => {
    const churn = captured("image", "unsynced-churn", "diff");
    expect(() => snapraidDiff().parse(out("hello\n", 0))).toThrow(/no "equal" count/);
    expect(() => snapraidDiff().parse({ ...churn, stdout: churn.stdout.replace("There are differences!", "") })).toThrow(/neither/);
    expect(() => snapraidDiff().parse(out("", 1, "Disk '/mnt/disk9/' not found\n"))).toThrow(/snapraid exited 1/);
  });
});
