import { describe, expect, it } from "vitest";
import { mergerfsBranches, parseBranches } from "../../../helpers/probes/mergerfs.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { out } from "./capture.ts";
import { captured } from "./snapraid-capture.ts";

const live = (capture: string) => mergerfsBranches().parse(captured("mergerfs", capture, "branches"));

describe("mergerfs-branches (mergerfs 2.33.5, getfattr of the control file)", () => {
  it("reads the pool's live branches through its control file", () => {
    expect(mergerfsBranches().command).toBe("getfattr --absolute-names --only-values -n user.mergerfs.branches -- /mnt/mergerfs/.mergerfs");
    expect(mergerfsBranches("/srv/pool/").command).toMatch(/-- \/srv\/pool\/\.mergerfs$/);
    expect(live("conformant")).toEqual([
      { path: "/mnt/disk1", mode: "RW" },
      { path: "/mnt/disk2", mode: "RW" },
      { path: "/mnt/disk3", mode: "RW" },
    ]);
  });

  it("the value has no trailing newline (--only-values); the parser takes it with or without", () => {
    expect(captured("mergerfs", "conformant", "branches").stdout.endsWith("\n")).toBe(false);
    expect(parseBranches("/mnt/disk1=RW\n")).toEqual([{ path: "/mnt/disk1", mode: "RW" }]);
  });

  it("missing-mergerfs-branch: the remounted pool has lost /mnt/disk2", () => {
    expect(live("missing-mergerfs-branch").map((b) => b.path)).toEqual(["/mnt/disk1", "/mnt/disk3"]);
  });

  it("missing-disk: mergerfs still lists /mnt/disk2 (now an empty directory on the root filesystem)", () => {
    expect(live("missing-disk").map((b) => b.path)).toEqual(["/mnt/disk1", "/mnt/disk2", "/mnt/disk3"]);
  });

  it("the pool unmounted: getfattr exits 1, no control file", () => {
    const o = captured("mergerfs", "pool-unmounted", "branches");
    expect(o.code).toBe(1);
    expect(() => mergerfsBranches().parse(o)).toThrow(/cannot read the branches of \/mnt\/mergerfs from \/mnt\/mergerfs\/\.mergerfs: getfattr: .*No such file or directory/);
  });

  it("modes, per-branch minfreespace, a bare path, escaped ':' and '=' in paths", () => {
    expect(parseBranches("/mnt/a=RO:/mnt/b=NC,4G:/mnt/c:/mnt/we\\:ird\\=dir=RW")).toEqual([
      { path: "/mnt/a", mode: "RO" },
      { path: "/mnt/b", mode: "NC", minfreespace: "4G" },
      { path: "/mnt/c", mode: "RW" },
      { path: "/mnt/we:ird=dir", mode: "RW" },
    ]);
  });

  it("throws on an empty list, a relative branch and a missing getfattr", () => {
    expect(() => parseBranches("")).toThrow(ProbeParseError);
    expect(() => parseBranches("disk1=RW")).toThrow(/absolute/);
    expect(() => mergerfsBranches().parse(out("", 127, "sh: 1: getfattr: not found"))).toThrow(/package attr/);
    expect(() => mergerfsBranches().parse(out("", 1, "getfattr: /mnt/mergerfs/.mergerfs: Operation not supported"))).toThrow(/Operation not supported/);
  });
});
