import { describe, expect, it } from "vitest";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { mounts, splitOptions, type Mount } from "../../../helpers/probes/mounts.ts";
import { capture, out } from "./capture.ts";

const parse = (file: string) => mounts.parse(capture(file));
const at = (ms: Mount[], target: string) => {
  const m = ms.filter((x) => x.target === target);
  expect(m).toHaveLength(1);
  return m[0]!;
};
const sortKey = (ms: Mount[]) => ms.map((m) => JSON.stringify(m)).sort();

describe("mounts (findmnt 2.38 captures)", () => {
  const list = parse("findmnt-container-list.txt");

  it("uses the list form and reads every entry", () => {
    expect(mounts.command).toBe("findmnt -J -l -o TARGET,SOURCE,FSTYPE,OPTIONS");
    expect(list).toHaveLength(32);
    expect(parse("findmnt-host-list.txt")).toHaveLength(21);
  });

  it("splits options into a list and a map", () => {
    const m = at(list, "/dev/pts");
    expect(m).toMatchObject({ source: "devpts", fstype: "devpts" });
    expect(m.options).toEqual(["rw", "nosuid", "noexec", "relatime", "gid=5", "mode=620", "ptmxmode=666"]);
    expect(m.optionMap).toEqual({ rw: true, nosuid: true, noexec: true, relatime: true, gid: "5", mode: "620", ptmxmode: "666" });
  });

  it("keeps overlay's long lowerdir value whole", () => {
    const root = at(list, "/");
    expect(root.fstype).toBe("overlay");
    expect(String(root.optionMap.lowerdir).split(":")).toHaveLength(3);
    expect(root.optionMap.workdir).toMatch(/\/work$/);
  });

  it("decodes targets with space, tab, backslash and non-ASCII", () => {
    expect(at(list, "/mnt/with space")).toMatchObject({ source: "/dev/vda[/tmp/hlccap/sp]", fstype: "ext4" });
    expect(at(list, "/mnt/with space").optionMap.ro).toBe(true);
    expect(at(list, "/mnt/tab\tdir").optionMap).toMatchObject({ noexec: true, size: "1024k" });
    at(list, "/mnt/back\\slash");
    at(list, "/mnt/ünï");
  });

  it("tree form (children) flattens to the same mounts as the list form", () => {
    for (const where of ["container", "host"]) {
      const tree = parse(`findmnt-${where}-tree.txt`);
      expect(capture(`findmnt-${where}-tree.txt`).stdout).toContain('"children"');
      expect(sortKey(tree)).toEqual(sortKey(parse(`findmnt-${where}-list.txt`)));
    }
    // Depth-first: a parent comes before its children.
    const tree = parse("findmnt-host-tree.txt").map((m) => m.target);
    expect(tree[0]).toBe("/");
    expect(tree.indexOf("/sys")).toBeLessThan(tree.indexOf("/sys/fs/cgroup/cpu"));
  });

  it("host list keeps duplicate targets (stacked mounts) as separate entries", () => {
    expect(parse("findmnt-host-list.txt").filter((m) => m.target === "/dev/pts")).toHaveLength(2);
  });

  it("synthetic: quoted SELinux context stays one option; null source becomes empty", () => {
    const ms = parse("findmnt-synthetic-selinux-null.txt");
    expect(ms[0]!.optionMap.context).toBe('"system_u:object_r:container_file_t:s0:c1,c2"');
    expect(ms[0]!.options).toEqual(["rw", "relatime", 'context="system_u:object_r:container_file_t:s0:c1,c2"', "attr2", "inode64", "noquota"]);
    expect(ms[1]).toMatchObject({ target: "/mnt/orphan", source: "", fstype: "tmpfs" });
    expect(splitOptions("")).toEqual([]);
  });

  it("throws ProbeParseError on garbage, odd JSON or a failed findmnt", () => {
    expect(() => mounts.parse(out("TARGET SOURCE\n/ /dev/sda1\n"))).toThrow(ProbeParseError);
    expect(() => mounts.parse(out("{}"))).toThrow(/filesystems/);
    expect(() => mounts.parse(out('{"filesystems":[{"target":"/","source":"x","fstype":"ext4"}]}'))).toThrow(/malformed/);
    expect(() => mounts.parse(out('{"filesystems":[{"target":"/","source":"x","fstype":"ext4","options":"rw","children":{}}]}'))).toThrow(ProbeParseError);
    expect(() => mounts.parse(out("", 1))).toThrow(/exited 1/);
  });
});
