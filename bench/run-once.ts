// One conformance run against an inventory, as an operator starts it, timed from outside, with the
// phases the run recorded (helpers/report/phases.ts). Shared by the benchmarks. Started either as
// `npm run conformance` (from a clone: npm, then scripts/run-conformance.sh and its setup check)
// or as the installed command a user types, `homelab-conformance` (the package's bin, run by Node
// itself: no npm, no setup script).
import { execa } from "execa";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PhaseName } from "../helpers/report/phases.ts";

export interface RunOnce {
  wallMs: number;
  /** CPU time of the whole process tree (user + system, GNU time): what the run costs, whatever the load. */
  cpuMs: number;
  /** Peak resident memory of the run's largest process. */
  peakRssMb: number;
  exitCode: number;
  phases: Partial<Record<PhaseName | "start", number>>;
  gatherMs: number;
  connections: number;
  /** (id, node, status) of every result, for comparing runs. */
  results: Array<{ id: string; node: string | null; status: string }>;
  counts: Record<string, number>;
}

export async function conformanceOnce(inventory: string, options: { report?: boolean; args?: string[]; env?: Record<string, string>; via?: "npm" | "installed" } = {}): Promise<RunOnce> {
  const t0 = Date.now();
  const timeFile = join(mkdtempSync(join(tmpdir(), "hlc-bench-")), "time");
  const command = options.via === "installed" ? [process.execPath, "bin/homelab-conformance.js"] : ["npm", "run", "--silent", "conformance", "--"];
  const r = await execa("/usr/bin/time", ["-f", "%U %S %M", "-o", timeFile, ...command, "--inventory", inventory, ...(options.args ?? [])], {
    reject: false,
    all: true,
    // The installed command takes its first mark from HLC_T0 when set (as run-conformance.sh sets it).
    env: { ...options.env, ...(options.report === false ? { HLC_REPORT: "0" } : {}), ...(options.via === "installed" ? { HLC_T0: String(t0) } : {}) },
  });
  const wallMs = Date.now() - t0;
  const [user, sys, rssKb] = readFileSync(timeFile, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number);
  const stats = JSON.parse(readFileSync("reports/run-stats.json", "utf8")) as {
    gatherMs: number;
    connections: unknown[];
    marks?: { t0?: number };
    phases?: Partial<Record<PhaseName, number>>;
  };
  const results = JSON.parse(readFileSync("reports/results.json", "utf8")) as { counts: Record<string, number>; results: RunOnce["results"] };
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`${command.join(" ")} exited ${r.exitCode}:\n${r.all?.slice(-3000)}`);
  return {
    wallMs,
    cpuMs: Math.round((user! + sys!) * 1000),
    peakRssMb: Math.round(rssKb! / 1024),
    exitCode: r.exitCode ?? -1,
    // "start": npm itself, before the run's shell script took its first mark.
    phases: { ...(stats.marks?.t0 ? { start: Math.max(0, stats.marks.t0 - t0) } : {}), ...stats.phases },
    gatherMs: stats.gatherMs,
    connections: stats.connections.length,
    results: results.results.map((x) => ({ id: x.id, node: x.node, status: x.status })),
    counts: results.counts,
  };
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : Math.round((s[s.length / 2 - 1]! + s[s.length / 2]!) / 2);
};

/** One-minute load average and CPUs: the benchmark's context on a shared machine. */
export function machineLoad(): { load1: number; cpus: number } {
  const load1 = Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  const cpus = readFileSync("/proc/cpuinfo", "utf8").split("\n").filter((l) => l.startsWith("processor")).length;
  return { load1, cpus };
}

export const PHASE_ORDER = ["start", "setup", "load", "gather", "collection", "judging", "results", "exit", "report", "total"] as const;

/** Median of each phase over runs, as a table row per phase. */
export function phaseTable(runs: RunOnce[]): string {
  const lines = ["| phase | median ms | runs |", "|---|---|---|"];
  for (const p of PHASE_ORDER) {
    const xs = runs.map((r) => r.phases[p]).filter((x): x is number => x !== undefined);
    if (xs.length) lines.push(`| ${p} | ${median(xs)} | ${xs.join(", ")} |`);
  }
  lines.push(`| wall (outside) | ${median(runs.map((r) => r.wallMs))} | ${runs.map((r) => r.wallMs).join(", ")} |`);
  lines.push(`| CPU time (user + sys, every process) | ${median(runs.map((r) => r.cpuMs))} | ${runs.map((r) => r.cpuMs).join(", ")} |`);
  return lines.join("\n");
}

/** A command timed from outside: wall, and the CPU time of its whole process tree (GNU time). */
export async function timedExec(cmd: string, args: string[], options: { env?: Record<string, string> } = {}) {
  const timeFile = join(mkdtempSync(join(tmpdir(), "hlc-bench-")), "time");
  const t0 = Date.now();
  const r = await execa("/usr/bin/time", ["-f", "%U %S %M", "-o", timeFile, cmd, ...args], { reject: false, all: true, env: options.env });
  const wallMs = Date.now() - t0;
  const [user, sys] = readFileSync(timeFile, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number);
  return { r, wallMs, cpuMs: Math.round((user! + sys!) * 1000) };
}
