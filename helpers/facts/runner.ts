// Probes with a runner-side step (Probe.runner, helpers/probes/types.ts): the node's read-only
// command streams its stdout over one more channel of the node's connection into a step on the
// machine running the suite, never through the batch (a byte stream is no probe text). What that
// step needs there (a throwaway container) is a resource started once per run, on first use, and
// stopped when the gather ends, whatever happened.
// The gather (gather.ts, gatherOnRunner) runs them beside the node's batches.
import type { RunnerResource } from "../probes/types.ts";

export class RunnerResources {
  private readonly started = new Map<string, { resource: RunnerResource<unknown>; value: Promise<unknown> }>();

  /** The resource, started on the first call of the run (concurrent callers share the start). */
  get<R>(resource: RunnerResource<R>): Promise<R> {
    let s = this.started.get(resource.key);
    if (!s) {
      s = { resource: resource as RunnerResource<unknown>, value: resource.start() };
      this.started.set(resource.key, s);
    }
    return s.value as Promise<R>;
  }

  /** Stop every resource this run started (those that failed to start have nothing to stop). */
  async stopAll(): Promise<void> {
    const all = [...this.started.values()];
    this.started.clear();
    await Promise.all(
      all.map(async ({ resource, value }) => {
        const v = await value.catch(() => undefined);
        if (v !== undefined) await resource.stop(v).catch(() => undefined);
      }),
    );
  }
}
