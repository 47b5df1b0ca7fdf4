// How the judged results reach the test file that reports them: specs/global-setup.ts runs the
// gather and the judging in vitest's main thread while the worker starts; the worker's test file
// asks on a BroadcastChannel (worker_threads, one process) and is answered once, with the results
// or the run's error.
import { BroadcastChannel } from "node:worker_threads";
import type { JudgedResult } from "./model.ts";

export const RESULTS_READY = "ready";
export type RunOutcome = { results: JudgedResult[] } | { error: string };

/** The run's side: answers the first RESULTS_READY with the outcome once it is known; returns the closer. */
export function offerOutcome(name: string, outcome: Promise<RunOutcome>): () => void {
  const channel = new BroadcastChannel(name);
  const close = () => channel.close();
  channel.onmessage = (ev) => {
    if ((ev as MessageEvent).data !== RESULTS_READY) return;
    void outcome.then((o) => {
      channel.postMessage(o);
      close();
    });
  };
  return close;
}

/** The worker's side: asks for the outcome and waits for it (the gather may take minutes). */
export function awaitResults(name: string): Promise<JudgedResult[]> {
  return new Promise((resolve, reject) => {
    const channel = new BroadcastChannel(name);
    channel.onmessage = (ev) => {
      const o = (ev as MessageEvent).data as RunOutcome | typeof RESULTS_READY;
      if (o === RESULTS_READY) return;
      channel.close();
      if ("error" in o) reject(new Error(`the run could not judge: ${o.error}`));
      else resolve(o.results);
    };
    channel.postMessage(RESULTS_READY);
  });
}
