// Real SnapRAID / MergerFS / findmnt captures of the lab's storage node (hlc/storage), as probe
// outputs: stdout, stderr and the exit code the capture recorded.
import { existsSync, readFileSync } from "node:fs";
import type { ProbeOutput } from "../../../helpers/probes/types.ts";

const dirs = {
  /** The image's own captures: `snapraid status` / `snapraid diff` without -c (same output). */
  image: new URL("../../../fixtures/images/storage/captured/", import.meta.url),
  snapraid: new URL("../../../fixtures/captured/snapraid/", import.meta.url),
  mergerfs: new URL("../../../fixtures/captured/mergerfs/", import.meta.url),
};

function codes(dir: URL): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of readFileSync(new URL("exit-codes.tsv", dir), "utf8").split("\n").slice(1)) {
    const [capture, command, code] = line.split("\t");
    if (capture && command && code) m.set(`${capture}.${command}`, Number(code));
  }
  return m;
}

const codeTables = { image: codes(dirs.image), snapraid: codes(dirs.snapraid) };

/** `<capture>.<probe>` from one of the capture folders, as the probe saw it. */
export function captured(where: keyof typeof dirs, capture: string, probe: string): ProbeOutput {
  const dir = dirs[where];
  const out = new URL(`${capture}.${probe}.txt`, dir);
  const err = new URL(`${capture}.${probe}.stderr.txt`, dir);
  if (!existsSync(out)) throw new Error(`no capture ${where}/${capture}.${probe}.txt`);
  const code = (where === "image" ? codeTables.image : codeTables.snapraid).get(`${capture}.${probe}`);
  if (code === undefined) throw new Error(`no exit code for ${where}/${capture}.${probe}`);
  return { stdout: readFileSync(out, "utf8"), stderr: existsSync(err) ? readFileSync(err, "utf8") : "", code };
}

export function hasCapture(where: keyof typeof dirs, capture: string, probe: string): boolean {
  return existsSync(new URL(`${capture}.${probe}.txt`, dirs[where]));
}
