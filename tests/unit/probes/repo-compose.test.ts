// CONT-003: the compose parser on realistic files (short and long syntax, anchors, interpolation,
// environment values masked on the node by the probe's own awk), and the spec judged on real
// `docker inspect` output: podman 4.3 on the lab's vm100 (conformant and after the drifts that
// re-create a container) and Docker 28 with compose's labels.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { describe, expect, it } from "vitest";
import { containersDeclared } from "../../../fixtures/lab/declared/containers.ts";
import { repoCopiesDeclared } from "../../../fixtures/lab/declared/repo-copies.ts";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import { composeFile, parseComposeOutput, parseComposeYaml } from "../../../helpers/probes/compose-file.ts";
import { containers } from "../../../helpers/probes/containers.ts";
import { evaluate, type Verdict } from "../../../helpers/spec/evaluate.ts";
import { normalizeImage } from "../../../specs/containers/compose-match.ts";
import { declared } from "../catalog-support.ts";

const LAB_COPY = "fixtures/images/monitoring/repo/media-compose.yaml";
const read = (f: string) => readFileSync(f, "utf8");
const out = (stdout: string) => ({ stdout, stderr: "", code: 0 });
/** The probe's own command on this machine (sh + awk), as the node runs it. */
const runProbe = (file: string) => execFileSync("/bin/sh", ["-c", composeFile(file).command]).toString();

describe("the compose parser", () => {
  it("reads the lab's copy, short and long syntax alike", () => {
    const f = parseComposeOutput(LAB_COPY, out(runProbe(LAB_COPY)));
    expect(f.error).toBeUndefined();
    expect(f.name).toBe("media");
    const [j, a] = f.services;
    expect(j).toMatchObject({ name: "jellyfin", containerName: "jellyfin", image: "localhost/hlc-media:latest", restart: "unless-stopped", envKeys: ["PUID", "PGID", "SERVICE", "PORT", "LIBRARY"] });
    expect(a!.volumes).toEqual(j!.volumes.map((v) => ({ ...v, written: expect.any(String), source: v.source!.replace("jellyfin", "audiobookshelf") })));
    // `${LAN_IP}` is the deployment's: the host address is not compared, the port is.
    expect(j!.ports).toEqual([{ written: "${LAN_IP}:8096:8096", hostIp: undefined, hostPort: 8096, containerPort: "8096/tcp" }]);
    expect(a!.ports).toEqual([expect.objectContaining({ hostIp: undefined, hostPort: 13378, containerPort: "13378/tcp" })]);
    expect(j!.unresolved).toEqual(['ports[0] host IP "${LAN_IP}"']);
  });

  it("reads every port and volume form of the specification", () => {
    const f = parseComposeYaml("syntax.yaml", read("fixtures/captured/compose/syntax.yaml"));
    expect(f.error).toBeUndefined();
    const web = f.services.find((s) => s.name === "web")!;
    // `<<: *common` merges restart and environment.
    expect(web.restart).toBe("unless-stopped");
    expect(web.envKeys).toEqual(["TZ"]);
    expect(web.ports.map((p) => [p.hostIp, p.hostPort, p.containerPort])).toEqual([
      ["", null, "80/tcp"],
      ["127.0.0.1", 8080, "80/tcp"],
      ["", 9090, "8080/tcp"],
      ["", 9091, "8081/tcp"],
      ["::1", 8443, "443/tcp"],
      ["", 53, "53/udp"],
      ["", undefined, "81/tcp"],
    ]);
    expect(web.unresolved).toContain('ports[5] host port "${WEB_PORT:-8081}"');
    expect(web.volumes.map((v) => [v.type, v.source, v.target, v.readOnly, v.propagation])).toEqual([
      ["bind", undefined, "/usr/share/nginx/html", true, undefined],
      ["volume", "data", "/var/lib/web", false, undefined],
      ["volume", undefined, "/var/cache/web", false, undefined],
      ["bind", "/srv/web", "/srv", false, "rslave"],
      ["volume", "logs", "/var/log/nginx", true, undefined],
      ["tmpfs", undefined, "/run", false, undefined],
    ]);
    const worker = f.services.find((s) => s.name === "worker")!;
    expect(worker).toMatchObject({ restart: "on-failure:3", profiles: ["batch"], envKeys: ["QUEUE", "PRICE"], envFromShell: ["FROM_SHELL"], unresolved: [] });
  });

  it("masks every environment value on the node: block, list, flow, quoted, multi-line", () => {
    const stdout = runProbe("fixtures/captured/compose/secrets-in-environment.yaml");
    for (const secret of ["s3cret", "hunter2", "abc=def", "line one secret", "=1", "two", "four"]) expect(stdout).not.toContain(secret);
    const f = parseComposeOutput("x", out(stdout));
    expect(f.services.map((s) => [s.name, s.envKeys, s.envFromShell])).toEqual([
      ["db", ["MARIADB_ROOT_PASSWORD", "QUOTED", "MULTI"], ["EMPTY"]],
      ["app", ["DB_PASS", "TOKEN"], ["FROM_SHELL"]],
      ["web", ["A", "B"], []],
      ["web2", ["C", "D"], []],
    ]);
    expect(f.services[0]!.restart).toBe("always");
  });

  it("says why a file is not judged", () => {
    expect(parseComposeOutput("f", out("missing\n"))).toMatchObject({ exists: false });
    expect(parseComposeYaml("f", "services: [a").error).toMatch(/^not valid YAML/);
    expect(parseComposeYaml("f", "version: '3'\n").error).toMatch(/no `services` map/);
    expect(parseComposeYaml("f", "services:\n  a:\n    ports: ['x:y']\n").error).toMatch(/unreadable container port/);
  });

  it("normalizes image references as the engines record them", () => {
    expect(normalizeImage("nginx")).toBe("nginx:latest");
    expect(normalizeImage("docker.io/library/nginx:latest")).toBe("nginx:latest");
    expect(normalizeImage("docker.io/jellyfin/jellyfin")).toBe("jellyfin/jellyfin:latest");
    expect(normalizeImage("localhost:5000/app")).toBe("localhost:5000/app:latest");
    expect(normalizeImage("localhost/hlc-media:latest")).toBe("localhost/hlc-media:latest");
  });
});

// vm100 as the lab declares it, with the copy kept on lxc200.
const inventory = parseInventory(
  dump({
    version: 1,
    defaults: { ssh: { agent: true } },
    nodes: [
      { name: "vm100", role: "compute", layer: 2, ssh: { host: "vm100" }, containers: containersDeclared.vm100, repoCopies: repoCopiesDeclared.vm100 },
      { name: "lxc200", role: "monitoring", layer: 3, ssh: { host: "lxc200" } },
    ],
  }),
  "/lab/abc/inventory.yaml",
);
const vm100 = inventory.nodes[0]!;
const CONT003 = declared.find((d) => d.meta.id === "CONT-003")!;
const rec = (name: string, stdout: string, value: unknown) => [name, { ok: true, value, evidence: { probe: name, command: "…", stdout, stderr: "", code: 0 } }] as const;

function judge(inspect: string, copyText?: string): Verdict {
  const i = read(`fixtures/captured/containers/${inspect}`);
  const copy = repoCopiesDeclared.vm100 as { compose: Array<{ file: string }> };
  const probe = composeFile(copy.compose[0]!.file);
  const stdout = copyText === undefined ? runProbe(LAB_COPY) : `present\n${copyText}`;
  const own: NodeFacts = { node: "vm100", reachable: true, roundTrips: 1, gatherMs: 1, facts: Object.fromEntries([rec(containers.name, i, containers.parse(out(i)))]) };
  const keeper: NodeFacts = { node: "lxc200", reachable: true, roundTrips: 1, gatherMs: 1, facts: Object.fromEntries([rec(probe.name, stdout, probe.parse(out(stdout)))]) };
  return evaluate(CONT003.meta, CONT003.def, vm100, own, [], { inventory, nodes: { vm100: own, lxc200: keeper } });
}
const message = (v: Verdict) => (v.status === "passed" ? "" : "message" in v ? v.message : "");

describe("CONT-003 on real docker inspect output", () => {
  it("passes on the conformant vm100 (the probe's own template on podman 4.3.1)", () => {
    const v = judge("format-vm100-repo-copies.jsonl");
    expect(v.status, message(v)).toBe("passed");
  });
  it("an older vm100 (before jellyfin got PUID/PGID, plain inspect) fails on exactly those names", () => {
    const v = judge("inspect-vm100.json");
    expect(v.status === "failed" && v.findings.map((f) => `${f.subject}: ${f.actual}`)).toEqual([
      expect.stringMatching(/^compose media service jellyfin \(container jellyfin\): environment: not set: PUID, PGID \[jellyfin: not compared/),
    ]);
  });
  it("restart-policy-no: jellyfin's restart differs from the copy", () => {
    const v = judge("inspect-vm100-restart-policy-no.json");
    expect(v.status).toBe("failed");
    expect(message(v)).toContain("compose media service jellyfin (container jellyfin): restart: expected restart unless-stopped; actual restart policy no");
    expect(v.status === "failed" && v.findings[0]!.fix).toMatch(/^update the repo copy \/etc\/homelab\/compose\/media\/compose.yaml on lxc200 to what runs, or re-deploy from it on vm100: docker compose/);
  });
  it("docker-publish-all: jellyfin publishes on every interface (the copy's port has an unresolved host IP, so only the port is compared)", () => {
    const v = judge("inspect-vm100-docker-publish-all.json");
    // Only the older capture's missing PUID/PGID: the copy's host address is `${LAN_IP}` (not
    // compared) and port 8096 still matches; publishing on every interface is EXPOSE-003's.
    expect(v.status === "failed" && v.findings.map((f) => f.subject)).toEqual(["compose media service jellyfin (container jellyfin): environment"]);
  });
  it("container-without-mount: jellyfin's /mnt/media bind is not in the copy", () => {
    const v = judge("inspect-vm100-container-without-mount.json");
    expect(message(v)).toContain("volume /mnt/media: expected no bind mount the file does not declare; actual bind /mnt/vm-data/jellyfin-media at /mnt/media read-only");
    expect(message(v)).toContain("volume /mnt: expected bind /mnt at /mnt read-only rslave; actual nothing mounted there");
  });
  it("a copy edited in the repo and not deployed fails: port, volume mode, environment name, a service not running", () => {
    const edited = read(LAB_COPY)
      .replace('published: "13378"', 'published: "13379"')
      .replace("/mnt/vm-data/jellyfin:/config", "/mnt/vm-data/jellyfin:/config:ro")
      .replace("      LIBRARY: /mnt/media\n", "      LIBRARY: /mnt/media\n      JELLYFIN_CACHE_DIR: /cache\n")
      .replace("services:\n", "services:\n  jellyseerr:\n    image: fallenbagel/jellyseerr\n    container_name: jellyseerr\n");
    const v = judge("format-vm100-repo-copies.jsonl", edited);
    const m = message(v);
    expect(m).toContain("compose media service audiobookshelf (container audiobookshelf): ports: expected published ${…}:13379:13378/tcp");
    expect(m).toContain("compose media service jellyfin (container jellyfin): volume /config: expected bind /mnt/vm-data/jellyfin at /config read-only; actual read-write");
    expect(m).toContain("compose media service jellyfin (container jellyfin): environment: expected the variables PUID, PGID, SERVICE, PORT, LIBRARY, JELLYFIN_CACHE_DIR set (names only); actual not set: JELLYFIN_CACHE_DIR");
    expect(m).toContain("compose media service jellyseerr: expected a container named jellyseerr (/etc/homelab/compose/media/compose.yaml); actual no such container");
    expect(m).toContain('not compared (unresolved interpolation, set where compose runs): ports[0] host IP "${LAN_IP}"');
  });
  it("a copy that cannot be read on the node that keeps it fails with why", () => {
    expect(message(judge("format-vm100-repo-copies.jsonl", "services: [\n"))).toMatch(/not valid YAML/);
  });
});

describe("CONT-003's comparison on Docker with compose's labels", () => {
  const copy = parseComposeYaml("docker-compose-labels.yaml", read("fixtures/captured/compose/docker-compose-labels.yaml"));
  it("matches the container by project and service labels, env names only", async () => {
    const { compareProject } = await import("../../../specs/containers/compose-match.ts");
    for (const f of ["format-docker-compose-labels.jsonl", "inspect-docker-compose-labels.json"]) {
      const found = containers.parse(out(read(`fixtures/captured/containers/${f}`)));
      expect(found[0]).toMatchObject({ composeProject: "media", composeService: "web", image: "hlc/debian:bookworm" });
      expect(found[0]!.envKeys).toEqual(expect.arrayContaining(["DB_PASSWORD", "TZ"]));
      expect(JSON.stringify(found)).not.toContain("not-a-secret-capture");
      const r = compareProject({ project: "media", fact: copy }, found);
      expect(r.findings).toEqual([]);
      // A container of the project the file does not describe, and a service gone from the file.
      const other = compareProject({ project: "media", fact: { ...copy, services: [{ ...copy.services[0]!, name: "api" }] } }, found);
      expect(other.findings.map((x) => x.subject)).toEqual(["compose media service api", "compose media container hlc-repo-capture-web"]);
    }
  });
});
