// Containers from `docker inspect` of every container (`docker ps -aq`), one JSON array. Checked
// against podman 4.3's podman-docker output (fixtures/captured/containers/); Docker's own format
// differs in small ways handled here: Name has a leading "/", Health lives at State.Health
// (podman 4.3 also prints State.Healthcheck), an empty restart policy means "no".
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

export interface ContainerPort {
  /** "8096/tcp" */
  containerPort: string;
  /** "" = all interfaces (as `-p 8096:8096` leaves it). */
  hostIp: string;
  hostPort: number;
}

export interface ContainerMount {
  type: string;
  source: string;
  destination: string;
  rw: boolean;
  /** "rslave", "rprivate", ... ("" when the engine prints none). */
  propagation: string;
}

export interface ContainerInfo {
  name: string;
  /** "no" when the engine prints an empty policy. */
  restartPolicy: string;
  status: string;
  /**
   * Really running: Docker's State.Running stays TRUE while the container is paused or in a
   * restart back-off (moby container/state.go: SetRestarting() sets `Running = true` "because of
   * all the checks in docker around rm/stop/etc", and pausing only sets `Paused = true`; its
   * StateString() then says "paused" / "restarting"). Podman sets Running only in its running
   * state. So running = Running && !Paused && !Restarting && !Dead, and Status (when printed) is
   * "running" (captures: fixtures/captured/containers/format-docker-states.jsonl).
   */
  running: boolean;
  /** State.Running as the engine printed it (true also when paused or restarting under Docker). */
  stateRunning: boolean;
  paused: boolean;
  restarting: boolean;
  dead: boolean;
  /** "healthy" | "unhealthy" | "starting"; undefined when it has no healthcheck. */
  health?: string;
  /** State.StartedAt as the engine prints it (RFC 3339, nanoseconds), when it has started. */
  startedAt?: string;
  /**
   * Start of the newest entry of State.Health.Log: when the check behind `health` ran. Older than
   * `startedAt` means `health` predates the current start (a restart keeps the last status).
   */
  lastHealthCheck?: string;
  restartCount: number;
  ports: ContainerPort[];
  mounts: ContainerMount[];
  /** HostConfig.Devices: device nodes given to it (`--device`, compose `devices:`). */
  devices: DeviceMapping[];
  /** HostConfig.DeviceRequests: devices asked of a device driver (`--gpus`, compose `deploy.resources.reservations.devices`). */
  deviceRequests: DeviceRequest[];
  /** Config.Image: the image as it was asked for ("" when the engine printed none). */
  image?: string;
  /** Labels com.docker.compose.project / .service ("" when not created by compose). */
  composeProject?: string;
  composeService?: string;
  /**
   * Names of Config.Env, never the values (secrets live there): cut at "=" on the node by the
   * template, so no value reaches the runner or the evidence. Includes the image's ENV and what the
   * engine adds (PATH, HOME, HOSTNAME, container=podman). Undefined when the engine printed none.
   */
  envKeys?: string[];
}

// The two device fields as Docker defines them (moby api/types/container/hostconfig.go, in
// Resources, embedded in HostConfig):
//   type DeviceMapping struct { PathOnHost string; PathInContainer string; CgroupPermissions string }
//   type DeviceRequest struct {
//     Driver string             // Name of device driver
//     Count int                 // Number of devices to request (-1 = All)
//     DeviceIDs []string        // List of device IDs as recognizable by the device driver
//     Capabilities [][]string   // An OR list of AND lists of device capabilities (e.g. "gpu")
//     Options map[string]string }
// `docker run --gpus all` stores {Driver: "", Count: -1, Capabilities: [["gpu"]]}: the CLI leaves
// Driver empty and the daemon picks the driver that has the capability (captured:
// fixtures/captured/gpu/inspect-docker-devices.json). Podman 4.3 has no DeviceRequests (its
// template fails on the field, hence `{{json .HostConfig}}` in FORMAT) and prints a --device of a
// node by the host's device of the same major:minor in PathOnHost (/dev/null for the lab's stand-in).
export interface DeviceMapping {
  pathOnHost: string;
  pathInContainer: string;
  cgroupPermissions: string;
}

export interface DeviceRequest {
  driver: string;
  /** -1: all. */
  count: number;
  deviceIds: string[];
  /** OR list of AND lists. */
  capabilities: string[][];
}

const NAME = "containers";

/**
 * Only the parts the specs judge, one JSON object per container and line: the full inspect
 * output holds Config.Env, where secrets (ADMIN_TOKEN, DB passwords) live, and evidence is kept,
 * so of Config.Env only the names are printed (`split` is in Docker's and podman's template
 * functions; checked on Docker 20.10+ and podman 4.3.1). `index` of a missing label is "".
 * HostConfig is printed whole (it holds no environment; a logging driver's options, which could,
 * go through the evidence redaction like any output): naming its fields one by one fails on an
 * engine that lacks one (podman 4.3 has no HostConfig.DeviceRequests). Works with Docker's and
 * podman's Go templates alike.
 */
const FORMAT =
  '{"Name":{{json .Name}},"RestartCount":{{json .RestartCount}},"State":{{json .State}},' +
  '"HostConfig":{{json .HostConfig}},"Mounts":{{json .Mounts}},' +
  '"Image":{{json .Config.Image}},"Project":{{json (index .Config.Labels "com.docker.compose.project")}},"Service":{{json (index .Config.Labels "com.docker.compose.service")}},' +
  '"EnvKeys":[{{range $i, $e := .Config.Env}}{{if $i}},{{end}}{{json (index (split $e "=") 0)}}{{end}}]}';

export const containers: Probe<ContainerInfo[]> = {
  name: NAME,
  command: `ids=$(docker ps -aq) || exit $?; if [ -n "$ids" ]; then docker inspect --format '${FORMAT}' $ids; fi`,
  parse: (output) => parseInspect(output),
};

const bad = (msg: string) => new ProbeParseError(NAME, msg);
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

export function parseInspect({ stdout, stderr, code }: ProbeOutput): ContainerInfo[] {
  if (code !== 0) throw bad(`docker exited ${code}: ${stderr.trim()}`);
  // The probe prints one JSON object per line (--format); plain `docker inspect` prints an array.
  const text = stdout.trim();
  const json = (t: string): unknown => {
    try {
      return JSON.parse(t);
    } catch (e) {
      throw bad(`not JSON (${(e as Error).message}): ${JSON.stringify(t.slice(0, 200))}`);
    }
  };
  if (text === "") return [];
  if (text.startsWith("[")) {
    const doc = json(text);
    if (!Array.isArray(doc)) throw bad("docker inspect did not print a JSON array");
    return doc.map(parseOne);
  }
  return text.split("\n").filter((l) => l.trim() !== "").map((l) => parseOne(json(l)));
}

function parseOne(raw: unknown): ContainerInfo {
  const c = obj(raw);
  const name = str(c?.Name).replace(/^\//, "");
  const state = obj(c?.State);
  const host = obj(c?.HostConfig);
  if (!c || !name || !state || !host) throw bad(`malformed container entry: ${JSON.stringify(raw).slice(0, 200)}`);
  const health = obj(state.Health) ?? obj(state.Healthcheck);
  const healthStatus = str(health?.Status);
  const log = Array.isArray(health?.Log) ? health.Log : [];
  const lastHealthCheck = str(obj(log.at(-1))?.Start);
  const startedAt = str(state.StartedAt);
  const ports: ContainerPort[] = [];
  for (const [containerPort, bindings] of Object.entries(obj(host.PortBindings) ?? {})) {
    for (const b of Array.isArray(bindings) ? bindings : []) {
      const hostPort = Number(str(obj(b)?.HostPort));
      if (!Number.isInteger(hostPort) || hostPort < 1) throw bad(`${name}: unreadable port binding ${JSON.stringify(b)}`);
      ports.push({ containerPort, hostIp: str(obj(b)?.HostIp), hostPort });
    }
  }
  const mounts: ContainerMount[] = (Array.isArray(c.Mounts) ? c.Mounts : []).map((m) => {
    const o = obj(m);
    if (!o || typeof o.Destination !== "string") throw bad(`${name}: malformed mount ${JSON.stringify(m)}`);
    return { type: str(o.Type), source: str(o.Source), destination: o.Destination, rw: o.RW === true, propagation: str(o.Propagation) };
  });
  const restartCount = typeof c.RestartCount === "number" ? c.RestartCount : 0;
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const devices: DeviceMapping[] = list(host.Devices).map((d) => {
    const o = obj(d);
    if (!o || typeof o.PathInContainer !== "string") throw bad(`${name}: malformed device mapping ${JSON.stringify(d)}`);
    return { pathOnHost: str(o.PathOnHost), pathInContainer: o.PathInContainer, cgroupPermissions: str(o.CgroupPermissions) };
  });
  const deviceRequests: DeviceRequest[] = list(host.DeviceRequests).map((r) => {
    const o = obj(r);
    if (!o) throw bad(`${name}: malformed device request ${JSON.stringify(r)}`);
    return {
      driver: str(o.Driver),
      count: typeof o.Count === "number" ? o.Count : 0,
      deviceIds: list(o.DeviceIDs).map(str),
      capabilities: list(o.Capabilities).map((and) => list(and).map(str)),
    };
  });
  return {
    name,
    restartPolicy: str(obj(host.RestartPolicy)?.Name) || "no",
    status: str(state.Status),
    running: state.Running === true && state.Paused !== true && state.Restarting !== true && state.Dead !== true && (str(state.Status) === "" || str(state.Status) === "running"),
    stateRunning: state.Running === true,
    paused: state.Paused === true,
    restarting: state.Restarting === true,
    dead: state.Dead === true,
    ...(healthStatus ? { health: healthStatus } : {}),
    ...(startedAt && !startedAt.startsWith("0001-") ? { startedAt } : {}),
    ...(lastHealthCheck && !lastHealthCheck.startsWith("0001-") ? { lastHealthCheck } : {}),
    restartCount,
    ports,
    mounts,
    devices,
    deviceRequests,
    // Plain `docker inspect` (captures) has Config; there the top-level Image is the image's ID.
    image: obj(c.Config) ? str(obj(c.Config)?.Image) : str(c.Image),
    composeProject: str(c.Project) || str(obj(obj(c.Config)?.Labels)?.["com.docker.compose.project"]),
    composeService: str(c.Service) || str(obj(obj(c.Config)?.Labels)?.["com.docker.compose.service"]),
    ...envKeysOf(c),
  };
}

// The probe prints EnvKeys (names only); plain `docker inspect` output (captures) has Config.Env,
// whose values are dropped here.
function envKeysOf(c: Obj): { envKeys?: string[] } {
  if (Array.isArray(c.EnvKeys)) return { envKeys: c.EnvKeys.filter((k): k is string => typeof k === "string") };
  const env = obj(c.Config)?.Env;
  if (Array.isArray(env)) return { envKeys: env.filter((e): e is string => typeof e === "string").map((e) => e.split("=")[0]!) };
  return {};
}

/**
 * An RFC 3339 time with up to nanosecond precision ("2026-11-25T18:01:36.100486091Z", also with a
 * "+01:00" offset) as nanoseconds since the epoch; undefined when unreadable. (Date keeps only
 * milliseconds, and the first health check can start within one of the container's start.)
 */
export function rfc3339Nanos(t: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(t.trim());
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

/**
 * Whether the container's health status comes from a check that ran since its current start.
 * Undefined when it cannot be told (no healthcheck, no check yet, or unreadable times).
 */
export function healthIsFresh(c: ContainerInfo): boolean | undefined {
  if (c.health === undefined || c.startedAt === undefined || c.lastHealthCheck === undefined) return undefined;
  const start = rfc3339Nanos(c.startedAt);
  const check = rfc3339Nanos(c.lastHealthCheck);
  if (start === undefined || check === undefined) return undefined;
  return check >= start;
}

/** Where a path inside the container comes from on the node: the deepest mount covering it. */
export function resolveOnNode(c: ContainerInfo, path: string): { mount: ContainerMount; nodePath: string } | undefined {
  const covering = c.mounts
    .filter((m) => m.destination === "/" || path === m.destination || path.startsWith(m.destination.replace(/\/+$/, "") + "/"))
    .sort((a, b) => b.destination.length - a.destination.length)[0];
  if (!covering) return undefined;
  const rest = path.slice(covering.destination.replace(/\/+$/, "").length);
  return { mount: covering, nodePath: (covering.source.replace(/\/+$/, "") + rest) || "/" };
}

/**
 * Whether a published HostIp honours a declared scope. An empty HostIp or a wildcard publishes on
 * every interface (and Docker's DNAT bypasses the host firewall): never allowed, whatever the scope.
 */
export function publishHonoursScope(hostIp: string, scope: "lan" | "loopback" | "tailnet"): boolean {
  const ip = hostIp.replace(/^\[|\]$/g, "");
  if (ip === "" || ip === "0.0.0.0" || ip === "::") return false;
  const loop = /^127\./.test(ip) || ip === "::1";
  const tail = /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./.test(ip) || /^fd7a:115c:a1e0:/i.test(ip);
  if (scope === "loopback") return loop;
  if (scope === "tailnet") return tail;
  return !loop && !tail;
}
