// A file of the operator's repo checkout, read on the node that keeps it (CONT-003's compose
// copies, BOOT-012's unit snippets): a first line "present" or "missing", then at most `max` bytes
// of the file through `filter`, a shell pipeline that masks secret values there, on the node.
import { shQuote } from "../transport/shell.ts";
import { ProbeParseError, type ProbeOutput } from "./types.ts";

export function repoFileCommand(file: string, max: number, filter: string): string {
  const f = shQuote(file);
  return `[ -r ${f} ] || { echo missing; exit 0; }; echo present; head -c ${max} ${f} | ${filter}`;
}

/** The file's (filtered) text, or undefined when it is missing; anything else is the probe's error. */
export function repoFileText(probe: string, { stdout, stderr, code }: ProbeOutput): string | undefined {
  if (code !== 0) throw new ProbeParseError(probe, `exited ${code}: ${stderr.trim()}`);
  const nl = stdout.indexOf("\n");
  const head = nl < 0 ? stdout : stdout.slice(0, nl);
  if (head === "missing") return undefined;
  if (head !== "present") throw new ProbeParseError(probe, `expected "present" or "missing", got ${JSON.stringify(head)}`);
  return stdout.slice(nl + 1);
}
