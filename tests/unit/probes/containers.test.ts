import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { containers, publishHonoursScope, resolveOnNode, type ContainerInfo } from "../../../helpers/probes/containers.ts";
import { mounts } from "../../../helpers/probes/mounts.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { containersSection } from "../../../helpers/inventory/sections/containers.ts";
import { out } from "./capture.ts";

const dir = new URL("../../../fixtures/captured/containers/", import.meta.url);
const read = (file: string) => readFileSync(new URL(file, dir), "utf8");
const parse = (file: string) => containers.parse(out(read(file)));
const get = (cs: ContainerInfo[], name: string) => {
  const c = cs.find((x) => x.name === name);
  expect(c).toBeDefined();
  return c!;
};

describe("containers probe (podman 4.3 docker inspect captures)", () => {
  it("reads the conformant vm100", () => {
    const cs = parse("inspect-vm100.json");
    expect(cs.map((c) => c.name).sort()).toEqual(["audiobookshelf", "jellyfin"]);
    const j = get(cs, "jellyfin");
    expect(j).toMatchObject({ restartPolicy: "unless-stopped", status: "running", running: true, health: "healthy", restartCount: 0 });
    expect(j.ports).toEqual([{ containerPort: "8096/tcp", hostIp: "192.168.80.2", hostPort: 8096 }]);
    expect(j.mounts).toContainEqual({ type: "bind", source: "/mnt", destination: "/mnt", rw: false, propagation: "rslave" });
  });

  it("reads loopback publishes on lxc212 and lxc230 (host port ≠ container port)", () => {
    expect(get(parse("inspect-lxc212.json"), "calibre-web").ports).toEqual([{ containerPort: "8083/tcp", hostIp: "127.0.0.1", hostPort: 8083 }]);
    expect(get(parse("inspect-lxc230.json"), "vaultwarden").ports).toEqual([{ containerPort: "8080/tcp", hostIp: "127.0.0.1", hostPort: 8000 }]);
  });

  it("sees each drift", () => {
    expect(get(parse("inspect-vm100-restart-policy-no.json"), "jellyfin")).toMatchObject({ restartPolicy: "no", running: true });
    expect(get(parse("inspect-vm100-docker-publish-all.json"), "jellyfin").ports[0]!.hostIp).toBe("");
    expect(get(parse("inspect-lxc212-calibre-bind-all.json"), "calibre-web").ports[0]!.hostIp).toBe("");
    expect(get(parse("inspect-vm100-container-without-mount.json"), "jellyfin").health).toBe("starting");
    expect(get(parse("inspect-vm100-container-without-mount-unhealthy.json"), "jellyfin").health).toBe("unhealthy");
    const abs = get(parse("inspect-vm100-restart-loop.json"), "audiobookshelf");
    expect(abs).toMatchObject({ running: false, status: "stopped" });
    expect(abs.restartCount).toBeGreaterThanOrEqual(2);
  });

  it("reads the probe's own one-object-per-line format (--format template)", () => {
    expect(containers.command).toContain("docker inspect --format");
    // Config.Env holds secrets: never printed whole, only each entry's name cut at "=" (CONT-003).
    expect(containers.command).not.toMatch(/json \.Config(\.Env)?\}\}/);
    expect(containers.command.match(/\.Config\.Env/g)).toEqual([".Config.Env"]);
    expect(containers.command).toContain('{{range $i, $e := .Config.Env}}{{if $i}},{{end}}{{json (index (split $e "=") 0)}}{{end}}');
    const abs = get(parse("format-vm100-restart-loop.jsonl"), "audiobookshelf");
    expect(abs).toMatchObject({ restartPolicy: "unless-stopped", health: "starting" });
    expect(abs.restartCount).toBeGreaterThanOrEqual(2);
    const vw = get(parse("format-lxc230.jsonl"), "vaultwarden");
    expect(vw).toMatchObject({ running: true, health: "healthy", restartCount: 0 });
    expect(vw.ports).toEqual([{ containerPort: "8080/tcp", hostIp: "127.0.0.1", hostPort: 8000 }]);
  });

  it("resolves container paths onto the node", () => {
    const ok = resolveOnNode(get(parse("inspect-vm100.json"), "audiobookshelf"), "/mnt/media/audiobooks");
    expect(ok).toMatchObject({ nodePath: "/mnt/media/audiobooks", mount: { source: "/mnt", propagation: "rslave" } });
    const bad = resolveOnNode(get(parse("inspect-vm100-container-without-mount.json"), "jellyfin"), "/mnt/media");
    expect(bad?.nodePath).toBe("/mnt/vm-data/jellyfin-media");
    expect(resolveOnNode(get(parse("inspect-vm100.json"), "jellyfin"), "/srv")).toBeUndefined();
    expect(resolveOnNode(get(parse("inspect-vm100.json"), "jellyfin"), "/mntx")).toBeUndefined();
  });

  it("finds the /mnt/media automount in vm100's mount table", () => {
    const table = mounts.parse(out(read("findmnt-vm100.json")));
    expect(table.some((m) => m.target === "/mnt/media")).toBe(true);
  });

  it("handles Docker's spellings and no containers", () => {
    expect(containers.parse(out("[]\n"))).toEqual([]);
    expect(containers.parse(out(""))).toEqual([]);
    const docker = JSON.stringify([
      { Name: "/web", RestartCount: 1, State: { Status: "exited", Running: false }, HostConfig: { RestartPolicy: { Name: "" }, PortBindings: null }, Mounts: null },
    ]);
    expect(containers.parse(out(docker))).toEqual([
      { name: "web", restartPolicy: "no", status: "exited", running: false, stateRunning: false, paused: false, restarting: false, dead: false, restartCount: 1, ports: [], mounts: [], devices: [], deviceRequests: [], image: "", composeProject: "", composeService: "" },
    ]);
  });

  it("throws on output it cannot read", () => {
    expect(() => containers.parse(out("", 127, "sh: docker: not found"))).toThrow(ProbeParseError);
    expect(() => containers.parse(out("Error: something"))).toThrow(ProbeParseError);
    expect(() => containers.parse(out("{}"))).toThrow(ProbeParseError);
    expect(() => containers.parse(out("{not json\n"))).toThrow(ProbeParseError);
    expect(() => containers.parse(out('[{"Name":"x"}]'))).toThrow(ProbeParseError);
    expect(() => containers.parse(out('[{"Name":"x","State":{},"HostConfig":{"PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"x"}]}}}]'))).toThrow(ProbeParseError);
  });
});

describe("publish scope", () => {
  it("never allows all interfaces", () => {
    for (const scope of ["lan", "loopback", "tailnet"] as const) for (const ip of ["", "0.0.0.0", "::", "[::]"]) expect(publishHonoursScope(ip, scope)).toBe(false);
  });
  it("matches each scope", () => {
    expect(publishHonoursScope("127.0.0.1", "loopback")).toBe(true);
    expect(publishHonoursScope("::1", "loopback")).toBe(true);
    expect(publishHonoursScope("192.168.80.2", "loopback")).toBe(false);
    expect(publishHonoursScope("192.168.80.2", "lan")).toBe(true);
    expect(publishHonoursScope("127.0.0.1", "lan")).toBe(false);
    expect(publishHonoursScope("100.101.1.2", "lan")).toBe(false);
    expect(publishHonoursScope("100.101.1.2", "tailnet")).toBe(true);
    expect(publishHonoursScope("100.128.0.1", "tailnet")).toBe(false);
  });
});

describe("containers section", () => {
  it("applies defaults", () => {
    expect(containersSection.normalize([{ name: "jellyfin", dataPaths: [{ container: "/mnt/media/", mustBeMount: "/mnt/media" }] }], "/")).toEqual([
      { name: "jellyfin", restart: "unless-stopped", healthcheck: true, maxRestarts: 3, dataPaths: [{ container: "/mnt/media", mustBeMount: "/mnt/media" }], publish: [] },
    ]);
  });
});
