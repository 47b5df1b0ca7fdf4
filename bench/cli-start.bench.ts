// How fast the command answers what needs no run (issue #24/#25: --help, --version, --list ≤ 0.3 s):
// the installed command (node bin/homelab-conformance.js on dist/) against the same entry run from
// source through tsx (what `npx homelab-conformance` ran before), and bare `node -e 0` as the
// floor. Wall and CPU (user+sys, GNU time) per invocation, medians of interleaved rounds, written
// to reports/bench/cli-start.json. Plain measured figures: nothing here asserts a time.
//   npm run bench:cli            (HLC_BENCH_ROUNDS, default 7)
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg, cpus, tmpdir } from "node:os";
import { join } from "node:path";

const ROUNDS = Number(process.env.HLC_BENCH_ROUNDS ?? 7);
const timeFile = join(mkdtempSync(join(tmpdir(), "hlc-cli-bench-")), "t");
const TSX = join("node_modules", "tsx", "dist", "cli.mjs");

const CASES: Record<string, string[]> = {
  "--help": ["--help"],
  "--version": ["--version"],
  "--list": ["--list"],
  "typo (exit 2)": ["--inventry", "x.yaml"],
};
const SIDES: Record<string, (args: string[]) => string[]> = {
  installed: (a) => [process.execPath, "bin/homelab-conformance.js", ...a],
  "source via tsx": (a) => [process.execPath, TSX, "scripts/conformance.ts", ...a],
};

function once(argv: string[]): { wallMs: number; cpuMs: number } {
  const t0 = performance.now();
  try {
    execFileSync("/usr/bin/time", ["-f", "%U %S", "-o", timeFile, ...argv], { stdio: "ignore" });
  } catch {
    /* the typo exits 2 */
  }
  const wallMs = performance.now() - t0;
  const [u, s] = readFileSync(timeFile, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number);
  return { wallMs: Math.round(wallMs), cpuMs: Math.round((u! + s!) * 1000) };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const load = { before: loadavg()[0]!, cpus: cpus().length };
const floor: Array<{ wallMs: number; cpuMs: number }> = [];
const raw: Record<string, Record<string, Array<{ wallMs: number; cpuMs: number }>>> = {};
for (let i = 0; i < ROUNDS; i++) {
  floor.push(once([process.execPath, "-e", "0"]));
  for (const [name, args] of Object.entries(CASES)) {
    for (const [side, cmd] of Object.entries(i % 2 ? SIDES : Object.fromEntries(Object.entries(SIDES).reverse()))) {
      ((raw[name] ??= {})[side] ??= []).push(once(cmd(args)));
    }
  }
}
const nodeFloor = { wallMs: median(floor.map((x) => x.wallMs)), cpuMs: median(floor.map((x) => x.cpuMs)) };
const cases = Object.fromEntries(
  Object.entries(raw).map(([name, sides]) => [
    name,
    Object.fromEntries(Object.entries(sides).map(([side, xs]) => [side, { wallMs: median(xs.map((x) => x.wallMs)), cpuMs: median(xs.map((x) => x.cpuMs)), rounds: xs }])),
  ]),
);
const result = { rounds: ROUNDS, load: { ...load, after: loadavg()[0]! }, nodeFloor, cases };
mkdirSync("reports/bench", { recursive: true });
writeFileSync("reports/bench/cli-start.json", JSON.stringify(result, null, 2) + "\n");
console.log(`load ${load.before.toFixed(1)} on ${load.cpus} CPUs; node -e 0: ${nodeFloor.wallMs} ms wall, ${nodeFloor.cpuMs} ms CPU (medians of ${ROUNDS})\n`);
console.log("| command | installed (node on dist/) wall / CPU ms | from source via tsx wall / CPU ms |");
console.log("|---|---|---|");
for (const [name, s] of Object.entries(cases)) console.log(`| ${name} | ${s.installed!.wallMs} / ${s.installed!.cpuMs} | ${s["source via tsx"]!.wallMs} / ${s["source via tsx"]!.cpuMs} |`);
console.log("\nwritten reports/bench/cli-start.json");
