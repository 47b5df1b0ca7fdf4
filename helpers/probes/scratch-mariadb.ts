// A throwaway MariaDB on the machine running the suite (a RunnerResource, probes/types.ts): one
// container per run that needs it, started with testcontainers on the user's own container engine
// from fixtures/images/scratch-mariadb (Debian's mariadb-server; built here when absent), removed
// when the run's gather ends. Its data lives in the container's own layer only: nothing of what is
// imported is kept once it is gone. No engine reachable (or no image to be had): the resource is
// `unavailable` with why, and the probes that need it say so instead of running.
import { hostname } from "node:os";
import type { Duplex } from "node:stream";
import { PassThrough } from "node:stream";
import type { StartedTestContainer } from "testcontainers";
import { packagePath } from "../paths.ts";
import type { RunnerResource } from "./types.ts";

const IMAGE_DIR = packagePath("fixtures", "images", "scratch-mariadb");
const BASE_SCRIPT = packagePath("fixtures", "base", "build-base.sh");
/** As the lab's images (fixtures/lab/images.ts): HLC_IMAGE_TAG keeps two checkouts apart. */
export const SCRATCH_IMAGE = `hlc/scratch-mariadb:${process.env.HLC_IMAGE_TAG || "latest"}`;
/** Bound of one runner-side script once its input has ended (an import that hangs is cut). */
const AFTER_INPUT_MS = 300_000;

export type ScratchMariadb =
  | { ok: true; container: StartedTestContainer; run: (script: string, args: string[], feed: (stdin: Duplex) => Promise<void>) => Promise<{ stdout: string; stderr: string; code: number | null }> }
  | { ok: false; unavailable: string };

// testcontainers (~0.8 s of CPU to import) is loaded when a run starts the scratch database, not
// by every import of the catalogue (--list, the spec files' collection); its defaults first.
type Testcontainers = typeof import("testcontainers");
type RuntimeClient = Awaited<ReturnType<Testcontainers["getContainerRuntimeClient"]>>;
const testcontainers = async (): Promise<Testcontainers> => {
  await import("./testcontainers-env.ts");
  return import("testcontainers");
};

const first = (e: unknown) => String((e as Error)?.message ?? e).split("\n")[0]!.slice(0, 300);

async function ensureImage(client: RuntimeClient): Promise<void> {
  const { GenericContainer, ImageName } = await testcontainers();
  if (await client.image.exists(ImageName.fromString(SCRATCH_IMAGE))) return;
  // Its base is Debian's (fixtures/base/build-base.sh: a registry's debian:bookworm-slim, else debootstrap).
  // execa imported here, as testcontainers is: ~0.15 s of CPU a run that never needs it would pay.
  const { execa } = await import("execa");
  await execa("bash", [BASE_SCRIPT], { stdout: "ignore", stderr: "ignore" }).catch(() => undefined);
  await GenericContainer.fromDockerfile(IMAGE_DIR).build(SCRATCH_IMAGE, { deleteOnExit: false });
}

const alive = (pid: number) => {
  try {
    return process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // there, but not ours to signal
  }
};

/**
 * Removes the scratch containers a run on this machine left behind when it was killed before its
 * end (no Ryuk here): labelled with this host and a process that no longer exists. Best effort;
 * another run's container (its process alive) is never touched.
 */
async function reapOrphans(client: RuntimeClient): Promise<void> {
  const dockerode = client.container.dockerode;
  const listed = await dockerode.listContainers({ all: true, filters: { label: ["hlc.scratch"] } }).catch(() => []);
  for (const c of listed) {
    const pid = Number(c.Labels["hlc.scratch.pid"]);
    if (c.Labels["hlc.scratch.host"] !== hostname() || !Number.isInteger(pid) || pid <= 0 || alive(pid)) continue;
    await dockerode.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
}

export async function startScratchMariadb(): Promise<ScratchMariadb> {
  const { GenericContainer, getContainerRuntimeClient, Wait } = await testcontainers();
  let client: RuntimeClient;
  try {
    client = await getContainerRuntimeClient();
  } catch (e) {
    return { ok: false, unavailable: `no container engine is reachable on the machine running the suite, so there is no throwaway MariaDB to restore into (${first(e)})` };
  }
  await reapOrphans(client);
  try {
    await ensureImage(client);
  } catch (e) {
    return { ok: false, unavailable: `the throwaway MariaDB image ${SCRATCH_IMAGE} could not be built on the machine running the suite (${first(e)})` };
  }
  let container: StartedTestContainer;
  try {
    container = await new GenericContainer(SCRATCH_IMAGE)
      // Which process started it: a run killed before its end (no Ryuk here) leaves it behind, and
      // `docker ps --filter label=hlc.scratch` then names the process that is gone.
      .withLabels({ "hlc.scratch": "mariadb", "hlc.scratch.pid": String(process.pid), "hlc.scratch.host": hostname() })
      .withWaitStrategy(Wait.forLogMessage(/ready for connections/))
      .withStartupTimeout(90_000)
      .start();
  } catch (e) {
    return { ok: false, unavailable: `the throwaway MariaDB container did not start on the machine running the suite (${first(e)})` };
  }
  const dockerode = client.container.dockerode;
  const run = async (script: string, args: string[], feed: (stdin: Duplex) => Promise<void>) => {
    const exec = await dockerode.getContainer(container.getId()).exec({ Cmd: ["sh", "-c", script, "sh", ...args], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false });
    const io = await exec.start({ hijack: true, stdin: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const o = new PassThrough().on("data", (d: Buffer) => out.push(d));
    const e = new PassThrough().on("data", (d: Buffer) => err.push(d));
    dockerode.modem.demuxStream(io, o, e);
    const ended = new Promise<void>((resolve) => {
      io.once("end", resolve);
      io.once("close", resolve);
      io.once("error", () => resolve());
    });
    // The script's stdin is `io`: whatever happens to the feed, it is ended so the script sees EOF.
    await feed(io).finally(() => io.end());
    let timer: NodeJS.Timeout | undefined;
    const bounded = await Promise.race([ended.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), AFTER_INPUT_MS)))]);
    clearTimeout(timer);
    if (!bounded) {
      io.destroy();
      throw new Error(`the runner-side script did not finish within ${AFTER_INPUT_MS / 1000} s after its input ended`);
    }
    const { ExitCode } = await exec.inspect();
    return { stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), code: typeof ExitCode === "number" ? ExitCode : null };
  };
  return { ok: true, container, run };
}

/** One throwaway MariaDB per run, shared by every node's restore (each into its own scratch database). */
export const scratchMariadb: RunnerResource<ScratchMariadb> = {
  key: "scratch-mariadb",
  start: startScratchMariadb,
  async stop(m) {
    if (m.ok) await m.container.stop({ remove: true, removeVolumes: true, timeout: 5_000 });
  },
};
