// The nextcloud-datadir probe on real output (fixtures/captured/nextcloud/: the probe's command in a
// Debian 12 container over config folders shaped as Nextcloud reads them), and DATA-030 judged on
// it with the lab's declaration (fixtures/lab/declared/nextcloud.ts).
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { describe, expect, it } from "vitest";
import { nextcloudDeclared } from "../../../fixtures/lab/declared/nextcloud.ts";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import { effectiveDatadir, nextcloudDatadir, parseNextcloudDatadir, stripPhpComments, type NextcloudDatadir } from "../../../helpers/probes/nextcloud-config.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { evaluate, type Verdict } from "../../../helpers/spec/evaluate.ts";
import { declared } from "../catalog-support.ts";

const CFG = "/var/www/nextcloud/config/config.php";
const parse = (f: string) => parseNextcloudDatadir(CFG, { stdout: readFileSync(`fixtures/captured/nextcloud/${f}`, "utf8"), stderr: "", code: 0 });

describe("nextcloudDatadir (config.php and *.config.php read as Nextcloud merges them)", () => {
  it("reads the lab's config.php and the mount that holds the data directory", () => {
    const d = parse("conformant-tmpfs.txt");
    expect(effectiveDatadir(d)).toEqual({ file: CFG, line: 8, value: "/mnt/nextcloud" });
    expect(d.resolved).toEqual([{ value: "/mnt/nextcloud", real: "/mnt/nextcloud", mount: { target: "/mnt/nextcloud", fstype: "tmpfs", source: "tmpfs" } }]);
  });
  it("a later *.config.php wins; a value over two lines is read; commented-out values are not", () => {
    const d = parse("local-override.txt");
    expect(d.settings.map((s) => [s.file.replace(/.*\//, ""), s.line, s.value])).toEqual([
      ["config.php", 8, "/mnt/nextcloud"],
      ["zz-local.config.php", 5, "/var/www/nextcloud/data"],
    ]);
    expect(effectiveDatadir(d)!.value).toBe("/var/www/nextcloud/data");
  });
  it("natural order (2 < 10 < zz), the $CONFIG['…'] = form, # and /* */ comments", () => {
    const d = parse("overrides.txt");
    expect(d.files.map((f) => f.replace(/.*\//, ""))).toEqual(["config.php", "2.config.php", "10.config.php", "zz-local.config.php"]);
    expect(d.settings.map((s) => s.value)).toEqual(["/mnt/nextcloud", "/srv/nc2", "/mnt/nextcloud/../nextcloud-old", "/var/www/nextcloud/data"]);
    expect(d.resolved.find((r) => r.value === "/mnt/nextcloud/../nextcloud-old")!.real).toBe("/mnt/nextcloud-old");
  });
  it("PHP strings: comments inside quotes are kept, escapes of single quotes undone, $-interpolation not evaluated", () => {
    expect(stripPhpComments(`'datadirectory' => '/a#b//c', // note`)).toBe(`'datadirectory' => '/a#b//c', `);
    const d = parseNextcloudDatadir(CFG, { stdout: `file ${CFG}\nline 3   'datadirectory' => '/mnt/it\\'s',\nline 4   "datadirectory" => "/mnt/$x",\n`, stderr: "", code: 0 });
    expect(d.settings[0]!.value).toBe("/mnt/it's");
    expect(d.unsupported).toHaveLength(1);
  });
  it("tells a missing config, refuses what it cannot read; never prints a whole config file", () => {
    expect(parseNextcloudDatadir(CFG, { stdout: "missing\n", stderr: "", code: 0 }).exists).toBe(false);
    expect(() => parseNextcloudDatadir(CFG, { stdout: "hello\n", stderr: "", code: 0 })).toThrow(ProbeParseError);
    const cmd = nextcloudDatadir(CFG).command;
    expect(cmd).not.toMatch(/\bcat\s|(^|\s)php\s/);
    expect(cmd).toMatch(/awk '.*\/datadirectory\//);
  });
});

const inv = parseInventory(
  dump({ version: 1, defaults: { ssh: { agent: true } }, nodes: [{ name: "lxc210", role: "service", layer: 3, ssh: { host: "lxc210" }, nextcloud: nextcloudDeclared.lxc210 }] }),
  "/inv.yaml",
);
const lxc210 = inv.nodes[0]!;
const facts = (v: NextcloudDatadir): NodeFacts => ({ node: "lxc210", reachable: true, roundTrips: 1, gatherMs: 1, facts: { "nextcloud-datadir": { ok: true, value: v, evidence: { probe: "nextcloud-datadir", command: "…", stdout: "", stderr: "", code: 0 } } } });
function judge(v: NextcloudDatadir): Verdict {
  const d = declared.find((x) => x.meta.id === "DATA-030")!;
  return evaluate(d.meta, d.def, lxc210, facts(v));
}
const msg = (v: Verdict) => (v.status === "passed" ? "" : v.message);


describe("DATA-030 Nextcloud's data directory is the declared network mount", () => {
  it("passes on the lab's config with /mnt/nextcloud mounted", () => {
    expect(judge(parse("conformant-tmpfs.txt")).status).toBe("passed");
  });
  it("fails a local override file, naming the file and line that win", () => {
    expect(msg(judge(parse("local-override.txt")))).toMatch(
      /Nextcloud datadirectory: expected on the network mount \/mnt\/nextcloud; actual \/var\/www\/nextcloud\/config\/zz-local\.config\.php:5 sets '\/var\/www\/nextcloud\/data' \(the last of 2 settings .*\), which resolves to \/var\/www\/nextcloud\/data on \/var\/www\/nextcloud \(ext4/,
    );
  });
  it("fails an unmounted mountpoint: the path is right, the filesystem is not", () => {
    expect(msg(judge(parse("mount-missing.txt")))).toContain("/mnt/nextcloud is held by / (overlay overlay), not by a mount at /mnt/nextcloud: Nextcloud writes under an empty mountpoint");
  });
  it("fails a path that climbs out of the mount with ..", () => {
    const d = parse("overrides.txt");
    const v = { ...d, settings: d.settings.slice(0, 3) };
    expect(msg(judge(v))).toContain("which resolves to /mnt/nextcloud-old");
  });
  it("fails what it cannot evaluate, and a config that sets no datadirectory", () => {
    const d = parse("conformant-tmpfs.txt");
    expect(msg(judge({ ...d, unsupported: [{ file: CFG, line: 4, text: `"datadirectory" => "/mnt/$x",` }] }))).toContain("set it in a form not evaluated without PHP");
    expect(msg(judge({ ...d, settings: [] }))).toContain("Nextcloud uses <its install folder>/data");
    expect(msg(judge({ ...d, exists: false }))).toContain("does not exist");
  });
});

describe("DATA-030 on the lab's lxc210 (real smbfuse mount of //vm102/nextcloud)", () => {
  it("passes with the share mounted; fails when the mount failed at boot (seen on this machine under load)", () => {
    expect(judge(parse("lab-lxc210-conformant.txt")).status).toBe("passed");
    expect(msg(judge(parse("lab-lxc210-mount-failed-at-boot.txt")))).toContain("/mnt/nextcloud is held by / (overlay overlay), not by a mount at /mnt/nextcloud");
  });
});
