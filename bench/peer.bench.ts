// `npm run bench`: against one 7-node fixture lab (started here; HLC_BENCH_INVENTORY=FILE uses a
// running one instead):
//   1. the phase breakdown of `npm run conformance` end to end, report included (median of rounds);
//   2. the project and testinfra (bench/peer, Debian's python3-testinfra, one ControlMaster SSH
//      connection per node, pytest-xdist across hosts) on the same checks of the same nodes,
//      interleaved (ABBA), each round from cold on both sides. Medians and the ratio per pair.
// Writes reports/bench/run.json and reports/bench/peer.json ({checks, project_ms, testinfra_ms, ratio}).
// Rounds: HLC_BENCH_ROUNDS (default 5). Timings here are never asserted anywhere.
import { execa } from "execa";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { defaultLab } from "../fixtures/lab/default-lab.ts";
import { startLab, type Lab } from "../fixtures/lab/lab.ts";
import { loadInventory } from "../helpers/inventory/load.ts";
import { declaredAccess } from "../helpers/inventory/sections/shares.ts";
import type { Inventory } from "../helpers/inventory/types.ts";
import { conformanceOnce, machineLoad, median, phaseTable, timedExec, type RunOnce } from "./run-once.ts";

/** The project's specs the peer suite performs too (bench/peer/test_peer.py). */
export const PEER_CHECKS = ["EXPOSE-001", "EXPOSE-004", "BOOT-006", "IDENT-001", "SHARE-004", "CONT-001", "DATA-003"] as const;
const ROUNDS = Number(process.env.HLC_BENCH_ROUNDS ?? 5);
const OUT = "reports/bench";
const PY = "/usr/bin/python3";

/** What the peer needs to know of each node, from the same inventory, and which checks it judged. */
function peerExpectations(inv: Inventory, judged: RunOnce["results"], sshConfig: string) {
  const nodes = Object.fromEntries(
    inv.nodes.map((n) => [
      n.name,
      {
        checks: judged.filter((r) => r.node === n.name && r.status !== "skipped").map((r) => r.id),
        services: n.services,
        identities: n.identities ?? [],
        mounts: (n.mounts ?? []).map((m) => {
          const [, host, share] = /^\/\/([^/]+)\/([^/]+)$/.exec(m.source) ?? [];
          const exp = inv.nodes.find((x) => x.name === host && x.shares)?.shares?.exports.find((s) => s.name === share);
          return { ...m, storageAccess: exp ? (declaredAccess(exp, m.identity) ?? "none") : null };
        }),
        containers: (n.containers ?? []).map((c) => ({ name: c.name, restart: c.restart })),
        snapraidConfig: n.storage?.snapraid?.config ?? null,
      },
    ]),
  );
  return { sshConfig, nodes };
}

/** An OpenSSH client config reaching every node as the project does (same key, pinned host keys). */
function writeSshConfig(inv: Inventory, dir: string): string {
  const known = join(dir, "peer_known_hosts");
  writeFileSync(known, inv.nodes.filter((n) => n.ssh && !n.ssh.jump).map((n) => `[${n.ssh!.host}]:${n.ssh!.port} ${n.ssh!.hostKey}\n`).join(""));
  const hosts = inv.nodes
    .filter((n) => n.ssh && !n.ssh.jump)
    .map((n) =>
      [
        `Host ${n.name}`,
        `  HostName ${n.ssh!.host}`,
        `  Port ${n.ssh!.port}`,
        `  User ${n.ssh!.user}`,
        `  IdentityFile ${n.ssh!.identityFile}`,
        `  IdentitiesOnly yes`,
        `  UserKnownHostsFile ${known}`,
        `  StrictHostKeyChecking yes`,
        `  BatchMode yes`,
        `  LogLevel ERROR`,
        `  ControlPath /tmp/hlc-peer-%C`,
      ].join("\n"),
    );
  const file = join(dir, "peer_ssh_config");
  writeFileSync(file, hosts.join("\n") + "\n");
  return file;
}

interface PeerRun {
  wallMs: number;
  cpuMs: number;
  passed: number;
  failed: number;
}

async function testinfraOnce(expectFile: string, sshConfig: string, nodes: string[], workers: number): Promise<PeerRun> {
  // From cold, like the project: no ControlMaster left from the round before.
  await Promise.all(nodes.map((n) => execa("ssh", ["-F", sshConfig, "-O", "exit", n], { reject: false })));
  const junit = resolve(OUT, "peer-junit.xml");
  const { r, wallMs, cpuMs } = await timedExec(PY, ["-m", "pytest", "-q", "-p", "no:cacheprovider", ...(workers > 1 ? ["-n", String(workers)] : []), `--junitxml=${junit}`, "bench/peer"], {
    env: { HLC_PEER_EXPECT: expectFile },
  });
  const xml = existsSync(junit) ? readFileSync(junit, "utf8") : "";
  const attr = (name: string) => Number(new RegExp(`<testsuite[^>]* ${name}="(\\d+)"`).exec(xml)?.[1] ?? NaN);
  const tests = attr("tests");
  const failed = attr("failures") + attr("errors");
  if (!Number.isFinite(tests)) throw new Error(`pytest wrote no results (exit ${r.exitCode}):\n${r.all?.slice(-3000)}`);
  return { wallMs, cpuMs, passed: tests - failed - attr("skipped"), failed };
}

/** The project's engine on the same checks only (bench/subset-run.ts), as its own process. */
async function subsetOnce(inventory: string): Promise<{ wallMs: number; cpuMs: number; checks: number; failed: number }> {
  const { r, wallMs, cpuMs } = await timedExec("node_modules/.bin/tsx", ["bench/subset-run.ts", inventory, PEER_CHECKS.join(",")]);
  const line = r.stdout.split("\n").filter((l) => l.startsWith("{")).at(-1);
  if (!line) throw new Error(`bench/subset-run.ts printed no counts (exit ${r.exitCode}):\n${r.all?.slice(-3000)}`);
  const c = JSON.parse(line) as { checks: number; failed: number };
  return { wallMs, cpuMs, checks: c.checks, failed: c.failed };
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  let lab: Lab | undefined;
  const dir = resolve(".lab", `peer-${process.pid}`);
  let inventoryFile = process.env.HLC_BENCH_INVENTORY;
  if (!inventoryFile) {
    console.log("starting the 7-node fixture lab for the benchmark ...");
    lab = await startLab(defaultLab(), { id: `bench-${process.pid}` });
    inventoryFile = lab.inventoryFile;
  }
  try {
    const inv = loadInventory(inventoryFile);
    const before = machineLoad();

    // 1. Where the time of a whole run goes, report included.
    const full: RunOnce[] = [];
    for (let i = 0; i < ROUNDS; i++) full.push(await conformanceOnce(inventoryFile));
    console.log(`\nnpm run conformance -- --inventory <lab>: ${inv.nodes.length} nodes, ${full[0]!.counts.total} results, report rendered (load ${before.load1} on ${before.cpus} CPUs)\n`);
    console.log(phaseTable(full));
    writeFileSync(join(OUT, "run.json"), JSON.stringify({ nodes: inv.nodes.length, load: before, rounds: full.map((r) => ({ wallMs: r.wallMs, phases: r.phases, counts: r.counts })), medianWallMs: median(full.map((r) => r.wallMs)) }, null, 2) + "\n");

    // 2. The same checks, side by side.
    const subset = (r: RunOnce) => r.results.filter((x) => (PEER_CHECKS as readonly string[]).includes(x.id) && x.status !== "skipped");
    // The CLI side is the command a user types once installed (README): homelab-conformance, no npm.
    const warm = await conformanceOnce(inventoryFile, { report: false, via: "installed", args: ["--invariant", PEER_CHECKS.join(",")] });
    const expectFile = resolve(OUT, "peer-expect.json");
    mkdirSync(dir, { recursive: true });
    const sshConfig = writeSshConfig(inv, dir);
    writeFileSync(expectFile, JSON.stringify(peerExpectations(inv, warm.results, sshConfig), null, 2));
    const sshNodes = inv.nodes.filter((n) => n.ssh && !n.ssh.jump).map((n) => n.name);
    const workers = Math.min(sshNodes.length, Number(process.env.HLC_BENCH_XDIST ?? 4));
    await testinfraOnce(expectFile, sshConfig, sshNodes, workers); // warm-up (imports, pyc)

    type Pair = { project_cpu_ms: number; project_cli_cpu_ms: number; testinfra_cpu_ms: number; project_ms: number; project_cli_ms: number; testinfra_ms: number; ratio: number; ratio_cli: number; project_checks: number; project_cli_checks: number; testinfra_checks: number; project_failed: number; testinfra_failed: number };
    const pairs: Pair[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // ABBA: which side goes first alternates, so a load that drifts favours neither.
      const order = i % 2 === 0 ? ["engine", "cli", "testinfra"] : ["testinfra", "cli", "engine"];
      let e: Awaited<ReturnType<typeof subsetOnce>> | undefined;
      let p: RunOnce | undefined;
      let t: PeerRun | undefined;
      for (const side of order) {
        if (side === "engine") e = await subsetOnce(inventoryFile);
        else if (side === "cli") p = await conformanceOnce(inventoryFile, { report: false, via: "installed", args: ["--invariant", PEER_CHECKS.join(",")] });
        else t = await testinfraOnce(expectFile, sshConfig, sshNodes, workers);
      }
      const mine = subset(p!);
      pairs.push({
        project_cpu_ms: e!.cpuMs,
        project_cli_cpu_ms: p!.cpuMs,
        testinfra_cpu_ms: t!.cpuMs,
        project_ms: e!.wallMs,
        project_cli_ms: p!.wallMs,
        testinfra_ms: t!.wallMs,
        ratio: Math.round((t!.wallMs / e!.wallMs) * 100) / 100,
        ratio_cli: Math.round((t!.wallMs / p!.wallMs) * 100) / 100,
        project_checks: e!.checks,
        project_cli_checks: mine.length,
        testinfra_checks: t!.passed + t!.failed,
        project_failed: e!.failed,
        testinfra_failed: t!.failed,
      });
    }
    const after = machineLoad();
    const checks = pairs[0]!.project_checks;
    const r2 = (x: number) => Math.round(x * 100) / 100;
    const result = {
      checks,
      // Issue #25's two figures: testinfra / the CLI a user types, wall and CPU (medians over the
      // rounds of the per-round ratios). The engine alone (bench/subset-run.ts) is engine_ratio.
      ratio: median(pairs.map((x) => x.ratio_cli)),
      cpu_ratio: median(pairs.map((x) => r2(x.testinfra_cpu_ms / x.project_cli_cpu_ms))),
      project_ms: median(pairs.map((x) => x.project_ms)),
      testinfra_ms: median(pairs.map((x) => x.testinfra_ms)),
      engine_ratio: median(pairs.map((x) => x.ratio)),
      project_cli_ms: median(pairs.map((x) => x.project_cli_ms)),
      cpu_ms: { project: median(pairs.map((x) => x.project_cpu_ms)), project_cli: median(pairs.map((x) => x.project_cli_cpu_ms)), testinfra: median(pairs.map((x) => x.testinfra_cpu_ms)) },
      invariants: PEER_CHECKS,
      nodes: sshNodes.length,
      project: "tsx bench/subset-run.ts <lab> <the invariants>: the project's engine gathering only the probes those invariants read, judging every (invariant, node) pair",
      project_cli: "node bin/homelab-conformance.js --inventory <lab> --invariant <the invariants> (HLC_REPORT=0): the installed command a user types, gathering only what those invariants read, results.json and Allure results written",
      testinfra: `${PY} -m pytest -n ${workers} bench/peer (testinfra ssh backend, ControlMaster per node, from cold each round)`,
      load: { before, after },
      pairs,
    };
    writeFileSync(join(OUT, "peer.json"), JSON.stringify(result, null, 2) + "\n");
    console.log(`\nSame checks, same ${sshNodes.length} nodes (${PEER_CHECKS.join(", ")}): ${checks} (check, node) pairs on each side\n`);
    console.log("| round | project, same checks ms | project CLI (whole gather) ms | testinfra ms | testinfra / project | testinfra / CLI | checks (project / CLI / testinfra) | failed (project / testinfra) |");
    console.log("|---|---|---|---|---|---|---|---|");
    pairs.forEach((x, i) => console.log(`| ${i + 1} | ${x.project_ms} | ${x.project_cli_ms} | ${x.testinfra_ms} | ${x.ratio} | ${x.ratio_cli} | ${x.project_checks} / ${x.project_cli_checks} / ${x.testinfra_checks} | ${x.project_failed} / ${x.testinfra_failed} |`));
    console.log(`| median | ${result.project_ms} | ${result.project_cli_ms} | ${result.testinfra_ms} | ${result.engine_ratio} | ${result.ratio} | | |`);
    console.log(`\nCPU time (user + sys of every process), median: project ${result.cpu_ms.project} ms, project CLI ${result.cpu_ms.project_cli} ms, testinfra ${result.cpu_ms.testinfra} ms`);
    console.log(`testinfra / CLI (reports/bench/peer.json ratio, cpu_ratio): ${result.ratio}x wall, ${result.cpu_ratio}x CPU (target 5x each)`);
    console.log(`\nload ${before.load1} → ${after.load1} on ${before.cpus} CPUs; written ${OUT}/run.json, ${OUT}/peer.json`);
    if (pairs.some((x) => x.project_checks !== x.testinfra_checks || x.project_cli_checks !== x.testinfra_checks)) console.warn("WARNING: the two sides did not count the same checks");
  } finally {
    // The peer's ssh config and known_hosts; its ControlMaster sockets close with ControlPersist.
    rmSync(dir, { recursive: true, force: true });
    if (lab) await lab.stop();
  }
}

await main();
