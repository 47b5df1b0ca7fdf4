// CONT-003's comparison: a compose file's services (helpers/probes/compose-file.ts) against the
// containers `docker inspect` shows (helpers/probes/containers.ts). A service's containers are the
// one named by its container_name, else those labelled com.docker.compose.project/.service as
// compose labels them. Compared: image, restart policy, published ports, volumes (bind sources and
// targets, read-only, propagation when the file sets one) and environment NAMES (never values);
// values with an unresolved `${VAR}` are not compared, and the result says which.
import type { ComposeFileFact, ComposeService } from "../../helpers/probes/compose-file.ts";
import type { ContainerInfo } from "../../helpers/probes/containers.ts";
import type { Finding } from "../../helpers/spec/message.ts";

/**
 * An image reference as the engine records it: Docker Hub's `docker.io/` and `library/` are
 * implied, and a reference without a tag or digest means `:latest` (podman records the resolved
 * `docker.io/library/nginx:latest` where Docker keeps `nginx`).
 */
export function normalizeImage(ref: string): string {
  let r = ref.trim().replace(/^docker\.io\//, "").replace(/^index\.docker\.io\//, "");
  if (!r.includes("/") || /^library\//.test(r)) r = r.replace(/^library\//, "");
  const last = r.slice(r.lastIndexOf("/") + 1);
  if (!r.includes("@") && !last.includes(":")) r += ":latest";
  return r;
}

const ipOf = (ip: string): string => {
  const v = ip.replace(/^\[|\]$/g, "");
  return v === "0.0.0.0" || v === "::" ? "" : v;
};
const portText = (p: { hostIp?: string; hostPort?: number | null; containerPort: string }): string => {
  const ip = p.hostIp === undefined ? "${…}" : p.hostIp;
  const host = p.hostPort === null ? "" : p.hostPort === undefined ? "${…}" : String(p.hostPort);
  return [ip, host, p.containerPort].filter(Boolean).join(":");
};
const restartName = (r: string): string => r.replace(/:\d+$/, "");

export interface ProjectCopy {
  project: string;
  fact: ComposeFileFact;
}

/** Findings for one compose copy against the node's containers; `notes` lists what was not compared. */
export function compareProject({ project, fact }: ProjectCopy, found: ContainerInfo[]): { findings: Finding[]; notes: string[] } {
  const findings: Finding[] = [];
  const notes: string[] = [];
  const file = fact.file;
  const claimed = new Set<string>();
  for (const svc of fact.services) {
    const subject = `compose ${project} service ${svc.name}`;
    const mine = containersOf(svc, project, found);
    if (!mine.length) {
      if (svc.profiles.length) {
        notes.push(`${svc.name}: no container (profiles ${svc.profiles.join(", ")}: started only with one of them)`);
        continue;
      }
      findings.push({ subject, expected: `a container ${svc.containerName ? `named ${svc.containerName}` : `labelled com.docker.compose.project=${project}, service=${svc.name}`} (${file})`, actual: "no such container: the service in the repo copy is not deployed" });
      continue;
    }
    if (svc.unresolved.length) notes.push(`${svc.name}: not compared (unresolved interpolation, set where compose runs): ${svc.unresolved.join(", ")}`);
    for (const c of mine) {
      claimed.add(c.name);
      findings.push(...compareService(svc, c, `${subject} (container ${c.name})`));
    }
  }
  for (const c of found) {
    if (c.composeProject === project && !claimed.has(c.name))
      findings.push({ subject: `compose ${project} container ${c.name}`, expected: `every container of project ${project} described in ${file}`, actual: `service ${c.composeService || "(no service label)"} runs but is not in the repo copy` });
  }
  return { findings, notes };
}

function containersOf(svc: ComposeService, project: string, found: ContainerInfo[]): ContainerInfo[] {
  if (svc.containerName) return found.filter((c) => c.name === svc.containerName);
  return found.filter((c) => c.composeProject === project && c.composeService === svc.name);
}

/** The differences between one service of the copy and one container that runs it. */
export function compareService(svc: ComposeService, c: ContainerInfo, subject: string): Finding[] {
  const out: Finding[] = [];
  const diff = (what: string, expected: string, actual: string) => out.push({ subject: `${subject}: ${what}`, expected, actual });

  if (svc.image !== undefined && c.image !== undefined && c.image !== "" && normalizeImage(svc.image) !== normalizeImage(c.image)) diff("image", `image ${svc.image}`, `image ${c.image}`);

  if (svc.restart !== "(unresolved)" && restartName(svc.restart) !== restartName(c.restartPolicy)) diff("restart", `restart ${svc.restart}`, `restart policy ${c.restartPolicy}`);

  // Ports: each of the file's must be published (host IP and port compared where resolved), and
  // the container must publish nothing else.
  const used = new Set<number>();
  const missing: string[] = [];
  for (const p of svc.ports) {
    const i = c.ports.findIndex(
      (b, j) => !used.has(j) && b.containerPort === p.containerPort && (p.hostPort == null || b.hostPort === p.hostPort) && (p.hostIp === undefined || ipOf(b.hostIp) === p.hostIp),
    );
    if (i < 0) missing.push(portText(p));
    else used.add(i);
  }
  const extra = c.ports.filter((_b, j) => !used.has(j)).map((b) => portText({ hostIp: ipOf(b.hostIp), hostPort: b.hostPort, containerPort: b.containerPort }));
  const published = c.ports.map((b) => portText({ hostIp: ipOf(b.hostIp), hostPort: b.hostPort, containerPort: b.containerPort })).join(", ") || "none";
  if (missing.length) diff("ports", `published ${missing.join(", ")}`, `published ${published}`);
  if (extra.length) diff("ports", `nothing published beyond the file's ports (${svc.ports.map((p) => portText(p)).join(", ") || "none"})`, `also published ${extra.join(", ")}`);

  // Volumes: each of the file's by its target; binds by source too; read-only and propagation.
  for (const v of svc.volumes) {
    const m = c.mounts.find((x) => x.destination.replace(/(.)\/+$/, "$1") === v.target);
    const want = `${v.type} ${v.source ?? "(not compared)"} at ${v.target}${v.readOnly ? " read-only" : " read-write"}${v.propagation ? ` ${v.propagation}` : ""}`;
    if (!m) {
      diff(`volume ${v.target}`, want, "nothing mounted there");
      continue;
    }
    const problems: string[] = [];
    if (v.type === "bind" && m.type !== "bind") problems.push(`a ${m.type || "mount"}, not a bind`);
    if (v.type === "bind" && v.source !== undefined && m.source.replace(/(.)\/+$/, "$1") !== v.source) problems.push(`from ${m.source}`);
    if (v.type === "volume" && m.type !== "volume") problems.push(`a ${m.type || "mount"} from ${m.source}, not a volume`);
    if (v.readOnly === m.rw) problems.push(m.rw ? "read-write" : "read-only");
    if (v.propagation && m.propagation && m.propagation !== v.propagation) problems.push(`propagation ${m.propagation}`);
    if (problems.length) diff(`volume ${v.target}`, want, problems.join(", "));
  }
  const targets = new Set(svc.volumes.map((v) => v.target));
  for (const m of c.mounts.filter((x) => x.type === "bind" && !targets.has(x.destination.replace(/(.)\/+$/, "$1"))))
    diff(`volume ${m.destination}`, "no bind mount the file does not declare", `bind ${m.source} at ${m.destination}${m.rw ? "" : " read-only"}`);

  // Environment names only. The container's list also holds the image's ENV and what the engine
  // adds, so a name the file does not set is not judged; a name the file sets must be there.
  if (c.envKeys !== undefined) {
    const have = new Set(c.envKeys);
    const absent = svc.envKeys.filter((k) => !have.has(k));
    if (absent.length) diff("environment", `the variables ${svc.envKeys.join(", ")} set (names only)`, `not set: ${absent.join(", ")}`);
  }
  return out;
}
