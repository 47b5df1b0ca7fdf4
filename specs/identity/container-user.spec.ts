// §4.5 "Verify container user/UID/GID alignment", §5.3 "Consistent UID/GID handling across
// boundaries": a container runs as its declared user, both in what it asks for (Config.User, or
// the PUID/PGID variables of the linuxserver.io convention) and in what the kernel sees (the real
// uid of its processes, /proc/PID/status on the node). A container that runs as root writes
// root-owned files to its config and to any writable mount; one that runs as another uid cannot
// read what its identity owns.
import { accounts, type Accounts } from "../../helpers/probes/accounts.ts";
import { containerUsers, type ContainerUser } from "../../helpers/probes/container-users.ts";
import { containers } from "../../helpers/probes/containers.ts";
import type { ContainerDecl } from "../../helpers/inventory/sections/containers.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";
import { describeId, resolveId } from "./resolve.ts";

export default invariant(
  {
    id: "IDENT-005",
    title: "Containers run as their declared user",
    must:
      "Every running container that declares a `user` MUST ask for it — Config.User naming that uid (and gid when declared), or, with an empty Config.User, PUID/PGID equal to them (linuxserver.io convention) — and its processes MUST really run with it (real uid from /proc/PID/status on the node): with Config.User, the main process runs as that uid and gid; with PUID/PGID, the service process (some process of the container) runs as PUID:PGID. Names are resolved with the node's getent.",
    fix: (f, node) => `on ${node.name}: in the compose file of ${name(f)} set user: "<uid>:<gid>" (or environment PUID=<uid>, PGID=<gid> for linuxserver.io images) (wanted: ${f.expected}); then docker compose up -d`,
    section: "§4.5, §5.3",
    family: "identity",
    severity: "critical",
  },
  {
    appliesTo: (node) => (node.containers ?? []).some((c) => c.user !== undefined),
    planned: (node) =>
      (node.containers?.length ?? 0) > 0 ? "planned in §4.5: declare containers[].user to check that each container runs as its declared user" : undefined,
    reads: () => ({ containerUsers, accounts, containers }),
    check(ctx) {
      const found = ctx.facts.containerUsers;
      const acc = ctx.facts.accounts;
      const inspected = ctx.facts.containers;
      return (ctx.node.containers ?? [])
        .filter((c) => c.user !== undefined)
        .flatMap((decl): Finding[] => {
          const c = found.find((x) => x.name === decl.name);
          if (c) return containerFindings(ctx.node.name, decl, c, acc);
          // The users' probe lists every container, running or not: one that does not exist is
          // CONT-002's. One that `containers` saw running, yet absent from the users' answer:
          // that answer is not to be believed (issue 15).
          if (!inspected.some((x) => x.name === decl.name && x.running)) return [];
          return [{ subject: `container ${decl.name}`, expected: `its processes' users read on ${ctx.node.name}`, actual: "docker inspect shows it running, but the container-users probe did not list it: its users cannot be judged" }];
        });
    },
  },
);

const root = (id: number) => (id === 0 ? " (root)" : "");

/** What is wrong with one running container's user (one finding, or none). */
export function containerFindings(node: string, decl: ContainerDecl, c: ContainerUser, acc: Accounts): Finding[] {
  const [u, g] = decl.user!.split(":") as [string, string | undefined];
  const wantUid = resolveId(acc, "user", u);
  const wantGid = g === undefined ? undefined : resolveId(acc, "group", g);
  const subject = `container ${decl.name}`;
  const expected = `runs as ${decl.user}${wantUid !== undefined ? ` (uid ${wantUid}${wantGid !== undefined ? `, gid ${wantGid}` : ""})` : ""}`;
  if (wantUid === undefined || (g !== undefined && wantGid === undefined)) {
    return [{ subject, expected, actual: `declared user ${decl.user} does not resolve on ${node} (getent): cannot check` }];
  }
  const problems: string[] = [];
  const main = c.processes.find((p) => p.main);
  const procText = (p: { pid: number; uid: number; gid: number; command: string }) => `process ${p.pid} (${p.command}) runs as ${p.uid}:${p.gid}${root(p.uid)}`;

  if (c.configUser !== "") {
    const [cu, cg] = c.configUser.split(":") as [string, string | undefined];
    const cuid = resolveId(acc, "user", cu);
    const cgid = cg === undefined ? undefined : resolveId(acc, "group", cg);
    const asks = cuid === wantUid && (wantGid === undefined || cg === undefined || cgid === wantGid);
    if (!asks) problems.push(`Config.User is ${JSON.stringify(c.configUser)}`);
    // No main process read: it exited between `docker ps` and the read (a restart loop): CONT-002's.
    if (main && (main.uid !== wantUid || (wantGid !== undefined && main.gid !== wantGid))) problems.push(`Config.User ${JSON.stringify(c.configUser)} but its main ${procText(main)}`);
  } else if (c.puid !== undefined || c.pgid !== undefined) {
    if (c.puid !== `${wantUid}`) problems.push(`PUID=${c.puid ?? "(unset)"}`);
    if (wantGid !== undefined && c.pgid !== `${wantGid}`) problems.push(`PGID=${c.pgid ?? "(unset)"}`);
    const service = c.processes.find((p) => p.uid === wantUid && (wantGid === undefined || p.gid === wantGid));
    if (!service && c.processes.length > 0) {
      problems.push(`no process runs as ${wantUid}${wantGid !== undefined ? `:${wantGid}` : ""} (the image ignores PUID/PGID): ${c.processes.slice(0, 3).map(procText).join(", ")}`);
    }
  } else if (wantUid !== 0) {
    problems.push("Config.User is empty and no PUID/PGID is set: it runs as the image's default user");
    if (main && main.uid !== wantUid) problems.push(`its main ${procText(main)}`);
  }
  if (problems.length === 0) return [];
  const asRoot = main?.uid === 0 && wantUid !== 0;
  const consequence = asRoot
    ? `files it writes (config, writable mounts) are root's, not ${describeId(acc, "user", wantUid)}'s`
    : `it does not run as ${describeId(acc, "user", wantUid)}: files it writes are not its identity's, and what its identity owns may be denied to it`;
  return [{ subject, expected, actual: `${decl.name} (${node}): ${problems.join("; ")}: ${consequence}` }];
}

// Where a finding names it (the subject the check above writes), for the fix line.
const name = (f: Finding): string => /^container (\S+)/.exec(f.subject)?.[1] ?? "<container>";
