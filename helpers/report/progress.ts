// Terminal progress of the gather phase: which nodes are still being asked, so a slow one shows.
// On a TTY one line that updates in place (colour allowed); elsewhere (CI logs, pipes) a line per
// node as it finishes and, every few seconds, which nodes are still outstanding. Off with
// HLC_PROGRESS=0.
import type { NodeFacts } from "../facts/types.ts";
import { paint } from "./terminal.ts";

export interface GatherProgress {
  event(e: { node: string; phase: "start" | "done"; facts?: NodeFacts }): void;
  /** Stop the ticker (idempotent). */
  end(): void;
}

export function gatherProgress(out: NodeJS.WriteStream = process.stderr, tickMs = out.isTTY ? 250 : 5000): GatherProgress {
  if (process.env.HLC_PROGRESS === "0") return { event: () => {}, end: () => {} };
  const tty = Boolean(out.isTTY);
  const c = paint(tty);
  const started = new Map<string, number>();
  const done = new Map<string, NodeFacts>();
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let ended = false;

  const waiting = () => [...started.keys()].filter((n) => !done.has(n));
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const line = () => {
    const w = waiting().map((n) => `${n} ${secs(performance.now() - started.get(n)!)}`);
    return `[gather] ${done.size}/${started.size} nodes done${w.length ? `; waiting for ${c.yellow(w.join(", "))}` : ""}`;
  };
  const render = () => {
    if (ended) return;
    if (tty) out.write(`\r\x1b[2K${line()}`);
    else if (waiting().length) out.write(`[gather] still waiting after ${secs(performance.now() - t0)}: ${waiting().map((n) => `${n} (${secs(performance.now() - started.get(n)!)})`).join(", ")}\n`);
  };
  return {
    event(e) {
      if (ended) return;
      if (e.phase === "start") {
        started.set(e.node, performance.now());
        timer ??= setInterval(render, tickMs).unref();
        return;
      }
      done.set(e.node, e.facts!);
      const f = e.facts!;
      const ms = f.gatherMs;
      const what = f.reachable ? `${Object.keys(f.facts).length} facts in ${secs(ms)}` : c.red(`unreachable after ${secs(ms)}: ${f.error?.message.split("\n")[0] ?? "?"}`);
      if (tty) out.write(`\r\x1b[2K[gather] ${e.node.padEnd(10)} ${what}\n${line()}`);
      else out.write(`[gather] ${e.node.padEnd(10)} ${what}\n`);
    },
    end() {
      if (ended) return;
      ended = true;
      if (timer) clearInterval(timer);
      if (started.size === 0) return;
      const slowest = [...done.values()].sort((a, b) => b.gatherMs - a.gatherMs)[0];
      const tail = `[gather] ${done.size} nodes in ${secs(performance.now() - t0)}${slowest ? `, slowest ${slowest.node} (${secs(slowest.gatherMs)})` : ""}`;
      out.write(tty ? `\r\x1b[2K${tail}\n` : `${tail}\n`);
    },
  };
}
