// Owners of a share's files: the probe's command and its parser on real output captured in the
// lab's storage image (fixtures/captured/samba/owners-*.txt).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseOwners, shareOwners } from "../../../helpers/probes/samba-owners.ts";

const read = (f: string) => readFileSync(`fixtures/captured/samba/${f}`, "utf8");

describe("samba-share-owners probe", () => {
  it("samples at most the declared number of entries per share, NUL-separated, read-only", () => {
    const cmd = shareOwners([
      { share: "media", path: "/mnt/mergerfs/media", user: "media", group: "media", sample: 1000 },
      { share: "odd", path: "/srv/it's here", sample: 0 },
    ]).command;
    expect(cmd).toContain("find /mnt/mergerfs/media -printf '%u:%g %p\\0' 2>/dev/null | head -z -n 1000 | tr '\\n\\0' '?\\n'");
    expect(cmd).toContain("-v u=media -v g=media");
    expect(cmd).not.toContain("/srv/it"); // sample 0: not looked at
    expect(cmd).not.toMatch(/\b(rm|chown|chmod|touch|mv)\b/);
    expect(shareOwners([]).command).toBe("true");
  });

  it("reads the conformant node: every sampled entry owned as forced", () => {
    expect(parseOwners({ stdout: read("owners-conformant.txt"), stderr: "", code: 0 })).toEqual([
      { share: "media", path: "/mnt/mergerfs/media", missing: false, sampled: 23, offenders: 0, first: [] },
      { share: "books", path: "/mnt/mergerfs/books", missing: false, sampled: 11, offenders: 0, first: [] },
      { share: "nextcloud", path: "/mnt/mergerfs/nextcloud", missing: false, sampled: 14, offenders: 0, first: [] },
      { share: "backup", path: "/mnt/mergerfs/backup", missing: false, sampled: 8, offenders: 0, first: [] },
    ]);
  });

  it("names the first offenders, a numeric owner included; a name holding a newline is one entry", () => {
    const [media] = parseOwners({ stdout: read("owners-offenders.txt"), stderr: "", code: 0 });
    expect(media).toEqual({
      share: "media",
      path: "/mnt/mergerfs/media",
      missing: false,
      sampled: 25,
      offenders: 2,
      first: [
        { owner: "4242", group: "media", path: "/mnt/mergerfs/media/movies/Sintel (2010)/Sintel (2010).en.srt" },
        { owner: "root", group: "root", path: "/mnt/mergerfs/media/movies/root-owned.nfo" },
      ],
    });
  });

  it("reports a missing path, and refuses what it cannot read", () => {
    expect(parseOwners({ stdout: "@@hlc-owners\tshare\tx\t/nope\n@@hlc-owners\tmissing\n", stderr: "", code: 0 })[0]).toMatchObject({ missing: true, sampled: 0 });
    expect(() => parseOwners({ stdout: "media:media /x\n", stderr: "", code: 0 })).toThrow(/unrecognized line/);
    expect(() => parseOwners({ stdout: "", stderr: "sh: find: not found", code: 127 })).toThrow(/exited 127/);
  });
});
