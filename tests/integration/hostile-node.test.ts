// Two things a node must be able to rely on, and the suite's verdict too (issue 15), on one lab:
//
// 1. Read-only, proven: every node's /etc, /srv, /var/lib, /root and the storage node's shares
//    (paths, types, sizes, modes, owners, SHA-256 of each file) are snapshotted right before and
//    right after a live-mode run without write probes (HLC_TARGET=live, no
//    HLC_ALLOW_WRITE_PROBES), read through the container engine, not the suite's SSH. The suite
//    makes no difference. Left out, each for its reason (SNAPSHOT_EXCLUDED): logs, journals and
//    what services keep for themselves while they run.
// 2. A garbage node: vm102's ss, findmnt, systemctl, getent, testparm, snapraid and docker are
//    shadowed by scripts (first on sshd's PATH, /usr/local/sbin) that print ANSI escapes, random
//    bytes and plausible-looking fragments, and exit 0. None of vm102's specs passes; every other
//    node's results stay as they were, but for the cross-node specs that read vm102's facts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultLab } from "../../fixtures/lab/default-lab.ts";
import { startLab, type Lab } from "../../fixtures/lab/lab.ts";
import { runSuite, type SuiteRun } from "../../fixtures/lab/run-suite.ts";
import { loadInventory } from "../../helpers/inventory/load.ts";
import { commandsOn, loadCatalog } from "../../helpers/spec/catalog.ts";

const SNAPSHOT_ROOTS = ["/etc", "/srv", "/var/lib", "/root", "/mnt/mergerfs"];

/** Not compared, and why: each is written by the node's own services or the lab, not the suite. */
export const SNAPSHOT_EXCLUDED: Record<string, string> = {
  "/var/lib/systemd": "systemd's own state: timer stamps, random seed, coredumps",
  "/var/lib/prometheus": "Prometheus's TSDB, written by its scrapes",
  "/var/lib/mysql": "MariaDB's data files, written by the server itself",
  "/var/lib/redis": "Redis's dump, written by the server itself",
  "/var/lib/containers": "Podman's storage and its health-check state, written by the health checks",
  "/var/lib/samba": "Samba's session and lock databases (tdb), written by smbd on every login",
  "/var/lib/logrotate": "logrotate's state",
  "/var/lib/private": "DynamicUser services' state",
  "/var/lib/vaultwarden": "the Vaultwarden stand-in's database, written by the service",
  "/var/lib/nextcloud-dumps": "dumps written by the node's nightly dump timer",
  "/var/lib/hlc": "the lab's own helpers' state",
  "/root/.cache": "caches of tools run by the node's own timers (restic)",
  "/root/.ssh/known_hosts": "the lab's pct stand-in on pve reaches its guests over SSH and records their keys",
  "/etc/ld.so.cache": "rewritten by ldconfig triggers of the image's services",
};

let lab: Lab | undefined;
let baseline: SuiteRun;
let before: Map<string, string>;
let after: Map<string, string>;
let garbage: SuiteRun;
let calibrated: Map<string, string>;

const excludeArgs = Object.keys(SNAPSHOT_EXCLUDED)
  .map((p) => `-path '${p}' -prune -o`)
  .join(" ");
// Per entry: its path, type, size, mode and owner; per regular file, its SHA-256 (in batches).
const SNAPSHOT = `for r in ${SNAPSHOT_ROOTS.join(" ")}; do [ -e "$r" ] || continue
find "$r" ${excludeArgs} -printf 'M\\t%p\\t%y\\t%s\\t%m\\t%U:%G\\n'
find "$r" ${excludeArgs} -type f -exec sha256sum {} + | sed 's/^/H\\t/'
done 2>/dev/null`;

async function snapshot(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await Promise.all(
    [...lab!.containers.entries()].map(async ([node, c]) => {
      const r = await c.exec(["sh", "-c", SNAPSHOT]);
      for (const line of r.stdout.split("\n")) {
        if (line.startsWith("M\t")) {
          const [, path, ...meta] = line.split("\t");
          out.set(`${node}:${path}`, `${meta.join(" ")}${out.get(`${node}:${path}`) ?? ""}`);
        } else if (line.startsWith("H\t")) {
          const m = /^H\t([0-9a-f]{64}) {2}(.*)$/.exec(line);
          if (m) out.set(`${node}:${m[2]}`, `${out.get(`${node}:${m[2]}`) ?? ""} sha256:${m[1]}`);
        }
      }
    }),
  );
  return out;
}

const GARBAGE_TOOLS = ["ss", "findmnt", "systemctl", "getent", "testparm", "snapraid", "docker"];
const GARBAGE = `#!/bin/sh
# hlc garbage node: this tool was replaced by a script that prints garbage and claims success
printf '\\033[1;31m%s\\033[0m \\033[2K garbage\\r\\n' "$(basename "$0")"
head -c 300 /dev/urandom
printf '\\n\\377\\376 LISTEN 0 4096 127.0.0.1:22 0.0.0.0:* users:(("sshd",pid=1,fd=3))\\n{"partial": [\\n'
exit 0`;

beforeAll(async () => {
  delete process.env.HLC_ALLOW_WRITE_PROBES;
  lab = await startLab(defaultLab());
  baseline = await runSuite(lab.inventoryFile);
  before = await snapshot();
  await runSuite(lab.inventoryFile, { target: "live" });
  after = await snapshot();
  // The snapshot sees a change: a file changed in /root, a file added under a share (removed again).
  await lab.containers.get("pve")!.exec(["sh", "-c", "echo '# hlc calibration' >>/root/.profile"]);
  await lab.containers.get("vm102")!.exec(["sh", "-c", "touch /mnt/mergerfs/media/hlc-calibration"]);
  calibrated = await snapshot();
  await lab.containers.get("pve")!.exec(["sh", "-c", "sed -i '/# hlc calibration/d' /root/.profile"]);
  await lab.containers.get("vm102")!.exec(["rm", "-f", "/mnt/mergerfs/media/hlc-calibration"]);
  const vm102 = lab.containers.get("vm102")!;
  const install = GARBAGE_TOOLS.map((t) => `cat >/usr/local/sbin/${t} <<'EOF'\n${GARBAGE}\nEOF\nchmod 755 /usr/local/sbin/${t}`).join("\n");
  const r = await vm102.exec(["sh", "-c", install]);
  if (r.exitCode !== 0) throw new Error(`cannot install the garbage tools: ${r.output}`);
  garbage = await runSuite(lab.inventoryFile);
}, 1_500_000);

afterAll(async () => {
  await lab?.stop();
});

describe("a live-mode run without write probes changes nothing on any node", () => {
  it("snapshots every node's /etc, /srv, /var/lib, /root and the shares, before and after: identical", () => {
    expect(before.size).toBeGreaterThan(1000);
    // It would see a change: a line added to a file, a file added to a share.
    expect(after.get("pve:/root/.profile")).toMatch(/sha256:/);
    expect(calibrated.get("pve:/root/.profile")).not.toBe(after.get("pve:/root/.profile"));
    expect(calibrated.has("vm102:/mnt/mergerfs/media/hlc-calibration")).toBe(true);
    console.log(`[read-only] ${before.size} entries snapshotted on ${lab!.containers.size} nodes; excluded: ${Object.keys(SNAPSHOT_EXCLUDED).join(", ")}`);
    const changed = [...new Set([...before.keys(), ...after.keys()])]
      .filter((k) => before.get(k) !== after.get(k))
      .map((k) => `${k}: ${before.get(k) ?? "(absent)"} → ${after.get(k) ?? "(absent)"}`);
    expect(changed).toEqual([]);
  });
});

describe("a node whose tools print garbage", () => {
  it("the lab was conformant before", () => {
    expect(baseline.results.filter((r) => r.status === "failed").map((r) => `${r.id} ${r.node}: ${r.message.slice(0, 300)}`)).toEqual([]);
  });

  it("passes none of its specs that read a shadowed tool", async () => {
    const mine = garbage.results.filter((r) => r.node === "vm102");
    expect(mine.length).toBeGreaterThan(10);
    // A spec whose every command on vm102 uses none of the shadowed tools read the node truly (EXPOSE-009
    // reads /proc with grep): its pass is no false pass. Every other spec of vm102 must not pass.
    const inventory = loadInventory(lab!.inventoryFile);
    const node = inventory.nodes.find((n) => n.name === "vm102")!;
    const catalog = await loadCatalog();
    const usesGarbage = (id: string) => {
      const d = catalog.find((x) => x.meta.id === id)!;
      const commands = commandsOn(d, { ...inventory, nodes: [node] });
      return commands.some((c) => GARBAGE_TOOLS.some((t) => new RegExp(`(^|[^\\w./-])${t}\\b`).test(c)));
    };
    const passed = mine.filter((r) => r.status === "passed").map((r) => r.id);
    expect(passed.filter(usesGarbage)).toEqual([]);
    expect(passed.length).toBeLessThan(mine.length / 4);
  });

  it("leaves every other node's results as they were, but for specs that read vm102's facts", () => {
    const was = new Map(baseline.results.map((r) => [`${r.id} ${r.node}`, r.status]));
    const moved = garbage.results
      .filter((r) => r.node !== "vm102" && was.get(`${r.id} ${r.node}`) !== r.status)
      .filter((r) => !(r.status === "failed" && r.message.includes("vm102")))
      .map((r) => `${r.id} ${r.node}: ${was.get(`${r.id} ${r.node}`)} → ${r.status}: ${r.message.slice(0, 200)}`);
    expect(moved).toEqual([]);
  });
});
