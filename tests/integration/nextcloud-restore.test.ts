// Issue 21: DATA-012 restores the newest Nextcloud dump without writing on its node. Through the
// real path (the conformance suite as `npm run conformance` runs it, filtered to DATA-012), on a
// lab node reached over SSH (hlc/node: sshd, no MariaDB at all) holding a real mariadb-dump made
// in the scratch image from the lab's Nextcloud schema:
// - the good dump streams to this machine, restores into the throwaway MariaDB: PASSED;
// - the same dump cut to half its size: FAILED (zcat's exit, the archive cut short);
// - with no container engine reachable (the run started in a mount namespace where the engine's
//   socket is /dev/null: testcontainers finds no working runtime): SKIPPED with that reason;
// - the dump on the node is byte for byte, mtime and ctime what it was, and no scratch container
//   is left behind by any run; one a killed run left behind is removed by the next run's start.
import { execa } from "execa";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GenericContainer, Wait } from "testcontainers";
import { startLab, type Lab } from "../../fixtures/lab/lab.ts";
import { resultFor, runSuite } from "../../fixtures/lab/run-suite.ts";
import { SCRATCH_IMAGE, startScratchMariadb } from "../../helpers/probes/scratch-mariadb.ts";
import { packagePath } from "../../helpers/paths.ts";

const DIR = "/var/backups/nextcloud";
const DUMP = `${DIR}/nextcloud-db-20261206T030000Z.sql.gz`;
const stamp = `sha256sum ${DUMP}; stat -c '%s %Y %Z' ${DUMP}`;

let lab: Lab | undefined;
/** The result as reports/results.json has it (a skipped result's reason is there, not in vitest's report). */
const recordOf = (resultsFile: string, id: string, node: string) =>
  (JSON.parse(readFileSync(resultsFile, "utf8")) as { results: Array<{ id: string; node: string; status: string; kind?: string; message?: string }> }).results.find((r) => r.id === id && r.node === node);
/** The scratch containers on this machine now, with the process each was started by. */
const scratchContainers = async () =>
  (await execa("docker", ["ps", "-a", "--filter", "label=hlc.scratch", "--format", '{{.ID}} {{.Label "hlc.scratch.pid"}} {{.Label "hlc.scratch.host"}}'])).stdout
    .split("\n")
    .filter(Boolean)
    .map((r) => r.split(" "))
    .filter(([, , host]) => host === hostname());
/**
 * Scratch containers that appeared during `run` and whose run has ended: what that run left
 * behind. Only the containers new since before it count (a run killed by another test may have left
 * one earlier, which the next run's start reaps), and a concurrent run's (its process alive) does not.
 */
const leftoverOf = async (run: () => Promise<unknown>) => {
  const before = new Set((await scratchContainers()).map(([id]) => id));
  await run();
  const alive = (pid: number) => {
    try {
      return process.kill(pid, 0);
    } catch {
      return false;
    }
  };
  return (await scratchContainers()).filter(([id, pid]) => !before.has(id) && !alive(Number(pid))).map((r) => r.join(" ")).join(", ");
};

/** A real gzip'd mariadb-dump of the lab's Nextcloud schema, made in the scratch image. */
async function realDump(): Promise<Buffer> {
  const probe = await startScratchMariadb(); // builds the image when it is absent
  if (!probe.ok) throw new Error(probe.unavailable);
  await probe.container.stop({ remove: true });
  const c = await new GenericContainer(SCRATCH_IMAGE)
    .withCopyFilesToContainer([{ source: packagePath("fixtures", "images", "nextcloud", "schema.sql"), target: "/schema.sql" }])
    .withWaitStrategy(Wait.forLogMessage(/ready for connections/))
    .withStartupTimeout(90_000)
    .start();
  try {
    const r = await c.exec(["sh", "-c", "mariadb </schema.sql && mariadb-dump --single-transaction --quick nextcloud | gzip -9 | base64 -w0"]);
    if (r.exitCode !== 0) throw new Error(`mariadb-dump failed: ${r.output}`);
    return Buffer.from(r.stdout.trim(), "base64");
  } finally {
    await c.stop({ remove: true });
  }
}

beforeAll(async () => {
  const dump = await realDump();
  lab = await startLab([
    {
      name: "nc",
      role: "service",
      layer: 3,
      image: "node",
      services: [],
      declare: { backups: { nextcloud: { dir: DIR, pattern: "nextcloud-db-*.sql.gz", maxAgeHours: 26, restoreTest: true, expectTables: ["oc_appconfig", "oc_filecache", "oc_storages", "oc_users"], minTables: 4 } } },
    },
  ]);
  const node = lab.containers.get("nc")!;
  await node.exec(["install", "-d", "-m", "0700", DIR]);
  await node.copyContentToContainer([{ content: dump, target: DUMP, mode: 0o600 }]);
  process.env.HLC_ONLY_INVARIANTS = "DATA-012";
}, 600_000);

afterAll(async () => {
  delete process.env.HLC_ONLY_INVARIANTS;
  await lab?.stop();
});

describe("DATA-012 through the real path: streamed from the node, restored on this machine", () => {
  it("a good dump restores into the throwaway MariaDB: passed, the node's dump untouched, no container left", async () => {
    const node = lab!.containers.get("nc")!;
    const before = (await node.exec(["sh", "-c", stamp])).stdout;
    // What a run killed before its end leaves: a scratch container of a process that is gone.
    const ended = execa("true");
    await ended;
    const gone = ended.pid!;
    const orphan = (await execa("docker", ["create", "--label", "hlc.scratch=mariadb", "--label", `hlc.scratch.pid=${gone}`, "--label", `hlc.scratch.host=${hostname()}`, SCRATCH_IMAGE])).stdout.trim();
    let run!: Awaited<ReturnType<typeof runSuite>>;
    const left = await leftoverOf(async () => (run = await runSuite(lab!.inventoryFile, { target: "live" })));
    const r = resultFor(run, "DATA-012", "nc");
    expect(r.status, r.message).toBe("passed");
    expect((await node.exec(["sh", "-c", stamp])).stdout).toBe(before);
    expect((await node.exec(["sh", "-c", "command -v mariadb mysql mariadbd || echo none"])).stdout.trim()).toBe("none");
    expect(left).toBe("");
    // The next run's start removed it.
    expect((await execa("docker", ["ps", "-aq", "--no-trunc", "--filter", `id=${orphan}`])).stdout.trim()).toBe("");
  }, 600_000);

  it("the dump cut to half its size fails: zcat's exit says the archive is cut short", async () => {
    const node = lab!.containers.get("nc")!;
    await node.exec(["sh", "-c", `touch -r ${DUMP} /tmp/ref && truncate -s $(( $(stat -c %s ${DUMP}) / 2 )) ${DUMP} && touch -r /tmp/ref ${DUMP}`]);
    let run!: Awaited<ReturnType<typeof runSuite>>;
    const left = await leftoverOf(async () => (run = await runSuite(lab!.inventoryFile, { target: "live" })));
    const r = resultFor(run, "DATA-012", "nc");
    expect(r.status).toBe("failed");
    expect(r.message).toMatch(/expected imports without error into scratch database hlc_restore_nc_\d{14}; actual the import failed \(exit \d+.*; zcat exited 1: the archive is cut short\)/);
    expect(left).toBe("");
  }, 600_000);

  // testcontainers falls back from a DOCKER_HOST that does not answer to /var/run/docker.sock, so
  // the engine is hidden from the run instead (root and unshare needed; here both are).
  const hide = ["unshare", "--mount", "--propagation", "private", "sh", "-c", 'for s in /run/docker.sock /var/run/docker.sock; do [ -S "$s" ] && mount --bind /dev/null "$s"; done; exec "$@"', "sh"];
  it("without a container engine on this machine: skipped with that reason, never passed", async () => {
    {
      const run = await runSuite(lab!.inventoryFile, { target: "live", prefix: hide });
      expect(resultFor(run, "DATA-012", "nc").status).toBe("skipped");
      const r = recordOf(run.resultsFile, "DATA-012", "nc")!;
      expect(r).toMatchObject({ status: "skipped", kind: "not-hostable" });
      expect(r.message).toContain("DATA-012 [nc] not run: no container engine is reachable on the machine running the suite, so there is no throwaway MariaDB to restore into");
    }
  }, 600_000);
});
