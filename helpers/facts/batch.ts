// Many probes, one round trip: the probes' commands run one after another in a single shell on
// the node, each framed by markers on stdout and stderr, and are split apart again here.
import { randomBytes } from "node:crypto";
import type { ProbeOutput } from "../probes/types.ts";

export interface BatchScript {
  script: string;
  nonce: string;
}

/** Each command runs in its own subshell with stdin closed, so one probe cannot eat another's input. */
export function buildBatch(commands: string[], nonce = randomBytes(6).toString("hex")): BatchScript {
  const mark = `@@HLC-${nonce}`;
  const parts = commands.map(
    (cmd, i) =>
      `printf '%s\\n' '${mark} BEGIN ${i}'; printf '%s\\n' '${mark} BEGIN ${i}' >&2\n` +
      `( ${cmd}\n) </dev/null\n` +
      `printf '\\n%s %s\\n' '${mark} END ${i}' "$?"; printf '\\n%s\\n' '${mark} END ${i}' >&2`,
  );
  return { script: parts.join("\n"), nonce };
}

function sections(text: string, mark: string): Map<number, { body: string; code?: number }> {
  const found = new Map<number, { body: string; code?: number }>();
  const re = new RegExp(`^${mark} BEGIN (\\d+)\\n([\\s\\S]*?)\\n${mark} END \\1(?: (\\d+))?$`, "gm");
  for (const m of text.matchAll(re)) {
    found.set(Number(m[1]), { body: m[2]!, code: m[3] === undefined ? undefined : Number(m[3]) });
  }
  return found;
}

/**
 * Split a batch's output back into one output per command. A command whose END marker never
 * came (the batch was killed) gets code null and whatever it printed.
 */
export function splitBatch(batch: BatchScript, count: number, stdout: string, stderr: string): ProbeOutput[] {
  const mark = `@@HLC-${batch.nonce}`;
  const outs = sections(stdout, mark);
  const errs = sections(stderr, mark);
  const results: ProbeOutput[] = [];
  for (let i = 0; i < count; i++) {
    const o = outs.get(i);
    results.push({
      stdout: o ? o.body : partial(stdout, mark, i),
      stderr: errs.get(i)?.body ?? partial(stderr, mark, i),
      code: o?.code ?? null,
    });
  }
  return results;
}

/** Output of a command that started but never finished. */
function partial(text: string, mark: string, i: number): string {
  const begin = `${mark} BEGIN ${i}\n`;
  const at = text.indexOf(begin);
  if (at < 0) return "";
  const rest = text.slice(at + begin.length);
  const next = rest.indexOf(`${mark} `);
  return next < 0 ? rest : rest.slice(0, next);
}
