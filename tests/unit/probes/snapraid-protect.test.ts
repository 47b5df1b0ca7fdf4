// DATA-015 (issue 16): what SnapRAID really protects, judged on real captures of the lab's storage
// node (fixtures/captured/snapraid/protect-*.txt: the snapraid-protect probe, snapraid.conf and
// `snapraid diff` after each drift's sync), and SnapRAID's filter order on rules of its own manual.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { storageDeclared } from "../../../fixtures/lab/declared/storage.ts";
import { findDrift } from "../../../fixtures/lab/drifts.ts";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { storageSection } from "../../../helpers/inventory/sections/storage.ts";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import { filterVerdict, fnmatch, parseSnapraidProtect, snapraidProtect, type SnapraidProtectFact } from "../../../helpers/probes/snapraid-protect.ts";
import { parseSnapraidConf, snapraidConfig, snapraidDiff } from "../../../helpers/probes/snapraid.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { evaluate, type Verdict } from "../../../helpers/spec/evaluate.ts";
import { declared } from "../catalog-support.ts";

const read = (f: string) => readFileSync(`fixtures/captured/snapraid/${f}`, "utf8");
const node = {
  name: "vm102", role: "storage", layer: 1, services: [], ssh: {},
  storage: storageSection.normalize(storageDeclared.vm102 as never, "/"),
} as unknown as NodeDecl;
const decl = node.storage!.snapraid!;
const probe = snapraidProtect(decl.config, decl.protect!, node.storage!.mergerfs!.branches);

function judge(tag: string, edit: (s: string) => string = (s) => s): Verdict {
  const rec = (p: { name: string; parse: (o: { stdout: string; stderr: string; code: number }) => unknown }, stdout: string) =>
    [p.name, { ok: true, value: p.parse({ stdout, stderr: "", code: tag === "x" ? 2 : 0 }), evidence: { probe: p.name, command: "…", stdout, stderr: "", code: 0 } }] as const;
  const facts: NodeFacts = {
    node: "vm102", reachable: true, roundTrips: 1, gatherMs: 1,
    facts: Object.fromEntries([rec(probe, edit(read(`protect-${tag}.txt`))), rec(snapraidConfig(), read(`protect-${tag}.conf.txt`)), rec(snapraidDiff(), read(`protect-${tag}.diff.txt`))]),
  } as NodeFacts;
  const d = declared.find((x) => x.meta.id === "DATA-015")!;
  return evaluate(d.meta, d.def, node, facts);
}
const message = (v: Verdict) => (v.status === "passed" ? "" : v.message);

beforeAll(async () => {
});

describe("snapraid-protect probe", () => {
  it("samples the declared paths on every data disk and keeps only the sampled lines of snapraid list", () => {
    const f = parseSnapraidProtect(read("protect-conformant.txt")) as SnapraidProtectFact;
    expect(f.kind).toBe("protect");
    expect(f.samples).toHaveLength(29);
    expect(f.arrayFiles).toBe(29);
    expect(f.listed.length).toBe(29);
    // SnapRAID escapes blanks and parens in list; the parser's paths are the real ones.
    expect(f.listed.includes("media/movies/Big Buck Bunny (2008)/Big Buck Bunny (2008).mkv")).toBe(true);
    expect(f.samples.find((s) => s.path === "nextcloud/.ocdata")).toEqual({ disk: "d2", dir: "/mnt/disk2", protect: "nextcloud", path: "nextcloud/.ocdata" });
  });

  it("is read-only and refuses what it cannot read", () => {
    expect(probe.command).toMatch(/snapraid -c \S+ list 2>&1/);
    expect(probe.command).not.toMatch(/snapraid[^|]* (sync|scrub|fix|touch)/);
    expect(() => parseSnapraidProtect("@@hlc-protect samples\n")).toThrow(ProbeParseError);
    expect(parseSnapraidProtect("@@hlc-protect samples\n@@hlc-protect listed\nBUSY SnapRAID is already in use!\n@@hlc-protect end\n")).toEqual({ kind: "busy", message: "SnapRAID is already in use!" });
  });
});

describe("SnapRAID's filter order (filterVerdict)", () => {
  const conf = (text: string) => parseSnapraidConf(text);
  it.each([
    ["exclude /media/movies/", "media/movies/a (1)/a.mkv", "`exclude /media/movies/` (snapraid.conf line 1)"],
    ["exclude movies/", "media/movies/a.mkv", "`exclude movies/` (snapraid.conf line 1)"],
    ["exclude *.mkv", "media/movies/a.mkv", "`exclude *.mkv` (snapraid.conf line 1)"],
    ["exclude /media/*.nfo", "media/x.nfo", "`exclude /media/*.nfo` (snapraid.conf line 1)"],
    ["include /books/", "media/a.mkv", "no include rule matches it, and the last rule `include /books/` (snapraid.conf line 1) is an include (everything else is excluded)"],
    ["nohidden", "nextcloud/.ocdata", "`nohidden` (.ocdata is a hidden name)"],
  ])("%s leaves %s out, named", (text, path, by) => {
    expect(filterVerdict(conf(text), "d1", path)).toEqual({ excluded: true, by });
  });
  it.each([
    ["exclude /media/movies/", "media/audiobooks/a.mp3"],
    ["exclude /media/*.nfo", "media/movies/x.nfo"], // a path rule's * stops at '/'
    ["include /media/\nexclude *.mkv", "media/a.mkv"], // the first matching rule decides
    ["exclude *.unrecoverable\nexclude /tmp/", "books/metadata.db"],
  ])("%s keeps %s", (text, path) => {
    expect(filterVerdict(conf(text), "d1", path).excluded).toBe(false);
  });
  it("fnmatch: character classes and FNM_PATHNAME", () => {
    expect(fnmatch("[a-c]*.mkv", "b1.mkv", false)).toBe(true);
    expect(fnmatch("[!a-c]*", "b1", false)).toBe(false);
    expect(fnmatch("media/*", "media/a/b", true)).toBe(false);
  });
});

describe("DATA-015 on the storage node's real output", () => {
  it("passes on the conformant node, and on the legitimate variant snapraid-exclude-scratch", () => {
    expect(judge("conformant").status, message(judge("conformant"))).toBe("passed");
    const v = judge("snapraid-exclude-scratch");
    expect(v.status, message(v)).toBe("passed");
  });

  it("drift snapraid-exclude-protected fails naming the rule", () => {
    expect(findDrift("snapraid-exclude-protected").expect).toEqual([{ spec: "DATA-015" }]);
    expect(message(judge("snapraid-exclude-protected")).split("\n")[1]).toBe(
      "  - protected path media: expected every file under parity (listed by `snapraid list`); actual 7 of 13 sampled file(s) not in the array, left out by `exclude /media/movies/` (snapraid.conf line 18): " +
        "media/movies/Sintel (2010)/Sintel (2010).en.srt, media/movies/Sintel (2010)/Sintel (2010).mkv, media/movies/Big Buck Bunny (2008)/poster.jpg, …",
    );
  });

  it("drift snapraid-nohidden fails naming nohidden", () => {
    expect(message(judge("snapraid-nohidden"))).toContain("  - protected path nextcloud: expected every file under parity (listed by `snapraid list`); actual 1 of 6 sampled file(s) not in the array, left out by `nohidden` (.ocdata is a hidden name): nextcloud/.ocdata");
  });

  it("a rule added but not synced yet: the files are still listed, and DATA-015 says they leave at the next sync", () => {
    const conf = read("protect-conformant.conf.txt") + "exclude *.mkv\n";
    const facts = judgeWithConf(conf);
    expect(message(facts)).toContain("leave the array at the next sync, left out by `exclude *.mkv`");
  });

  it("a file on a MergerFS branch that is no SnapRAID data disk has no parity", () => {
    const v = judge("conformant", (s) => s.replace("@@hlc-protect listed", "file\t-\t/mnt/disk4\tmedia\tmedia/movies/New (2024)/New.mkv\n@@hlc-protect listed"));
    expect(message(v)).toContain("1 file(s) on /mnt/disk4, a MergerFS branch that is no data disk of snapraid.conf (no parity at all): media/movies/New (2024)/New.mkv");
  });
});

function judgeWithConf(conf: string): Verdict {
  const rec = (p: { name: string; parse: (o: { stdout: string; stderr: string; code: number }) => unknown }, stdout: string) =>
    [p.name, { ok: true, value: p.parse({ stdout, stderr: "", code: 0 }), evidence: { probe: p.name, command: "…", stdout, stderr: "", code: 0 } }] as const;
  const facts = {
    node: "vm102", reachable: true, roundTrips: 1, gatherMs: 1,
    facts: Object.fromEntries([rec(probe, read("protect-conformant.txt")), rec(snapraidConfig(), conf), rec(snapraidDiff(), read("protect-conformant.diff.txt"))]),
  } as NodeFacts;
  const d = declared.find((x) => x.meta.id === "DATA-015")!;
  return evaluate(d.meta, d.def, node, facts);
}
