// The conformance run, once, before the one test file reports it: it reads the run's parameters
// (set by the CLI), gathers every node's facts over one SSH connection per node, judges each
// (invariant, node) once (helpers/run/run.ts) and hands the results, plain data, to
// specs/conformance.test.ts, which reports each as a test (Allure, the reporters).
//
// The results travel over a BroadcastChannel (helpers/results/channel.ts; worker_threads: one
// process, structured clone): the test file says "ready", the run answers once it has judged,
// with its results or its error (the file then fails to load, a run error in results.json, never
// an empty green run). So the run need not wait for vitest, nor vitest for the run:
//   - the CLI starts the run (startRun) BEFORE it imports vitest, and names the channel in the
//     project's `provide` (helpers/cli/judge.ts): vitest's own start (~0.5 s) overlaps the gather;
//   - vitest run by itself (vitest.config.ts's conformance project): the setup starts it here and
//     returns at once, so the worker's start (~0.4 s) overlaps the gather.
import { randomUUID } from "node:crypto";
import type { TestProject } from "vitest/node";
import { offerOutcome, type RunOutcome } from "../helpers/results/channel.ts";
import type { JudgedResult } from "../helpers/results/model.ts";
import { inheritedMarks, type PhaseMarks } from "../helpers/report/phases.ts";
import { gatherProgress } from "../helpers/report/progress.ts";
import { runStats, writeRunStats } from "../helpers/report/run-stats.ts";
import { paramsFromEnv, type RunParams } from "../helpers/run/options.ts";
import { runConformance } from "../helpers/run/run.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The BroadcastChannel the run's results come on (helpers/results/channel.ts). */
    hlcResultsChannel: string;
  }
}

export interface StartedRun {
  /** The channel its outcome is offered on. */
  channel: string;
  /** Settles once the run has judged (or failed), its run-stats.json written; never rejects. */
  outcome: Promise<RunOutcome>;
  /** Stops offering the outcome (after vitest has ended). */
  close(): void;
}

/** Starts the run the environment describes (helpers/run/options.ts) and offers its outcome. */
export function startRun(env: NodeJS.ProcessEnv = process.env): StartedRun {
  const gatherStart = Date.now();
  const params = paramsFromEnv(env);
  const channel = `hlc-results-${randomUUID()}`;
  const outcome: Promise<RunOutcome> = judged(params, gatherStart).then(
    (results) => ({ results }),
    (e: unknown) => ({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
  return { channel, outcome, close: offerOutcome(channel, outcome) };
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  // Started by the caller (the CLI), which also waits for it: nothing to do here.
  if (project.getProvidedContext().hlcResultsChannel) return undefined;
  const run = startRun();
  project.provide("hlcResultsChannel", run.channel);
  // vitest's teardown of the setup: the run has ended (or never asked: a worker that did not
  // start); nothing is left open.
  return async () => {
    await run.outcome;
    run.close();
  };
}

async function judged(params: RunParams, gatherStart: number): Promise<JudgedResult[]> {
  const progress = gatherProgress();
  const run = await runConformance(params, { onProgress: progress.event, onGathered: progress.end });
  if (run.diagnosticsProblem) console.warn(`[conformance] ${run.diagnosticsProblem}`);
  // Where the run's time goes (helpers/report/phases.ts); the reporters and the renderer add theirs.
  const marks: PhaseMarks = { ...inheritedMarks(), vitestStart: Math.round(performance.timeOrigin), gatherStart, gatherEnd: Date.now() };
  writeRunStats(runStats(params, run, marks));
  return run.results;
}
