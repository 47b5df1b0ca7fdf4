// IDENT-004, IDENT-005, IDENT-006 on real captures of the lab (fixtures/captured/{containers,mounts,
// samba,probes}/, see the READMEs there): the probes' parsers, and the cross-host judgement —
// a mount's uid=/gid= against the consumer's getent, a container's Config.User/PUID against the
// real uid of its processes, and the owner a real SMB write lands with against the share's
// declared owner resolved by the storage node's getent.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { containersDeclared } from "../../../fixtures/lab/declared/containers.ts";
import { mountsDeclared } from "../../../fixtures/lab/declared/mounts.ts";
import { sharesDeclared } from "../../../fixtures/lab/declared/shares.ts";
import { presentedMounts } from "../../../helpers/inventory/sections/mounts.ts";
import { exampleNetworkMounts, planOf } from "../catalog-support.ts";
import { containersSection } from "../../../helpers/inventory/sections/containers.ts";
import { mountsSection, type NetworkMountDecl } from "../../../helpers/inventory/sections/mounts.ts";
import { sharesSection } from "../../../helpers/inventory/sections/shares.ts";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import { accounts, type Accounts } from "../../../helpers/probes/accounts.ts";
import { containerUsers, CONTAINER_USERS, parseContainerUsers, type ContainerUser } from "../../../helpers/probes/container-users.ts";
import { mountPresentation, MOUNT_PRESENTATION, parsePresentation } from "../../../helpers/probes/mount-presentation.ts";
import { parseNetworkMounts } from "../../../helpers/probes/network-mounts.ts";
import { parseSmbSteps, SAMBA_ACCESS } from "../../../helpers/probes/samba-access.ts";
import { parseOwners } from "../../../helpers/probes/samba-owners.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";

const read = (f: string) => readFileSync(`fixtures/captured/${f}`, "utf8");
const ok = (stdout: string) => ({ stdout, stderr: "", code: 0 });
const getent = (f: string): Accounts => accounts.parse(ok(read(f)));
const users = (f: string) => parseContainerUsers(ok(read(`containers/${f}`)));
const shown = (f: string) => parsePresentation(ok(read(`mounts/${f}`)));
const net = (f: string, paths: string[]) => parseNetworkMounts("network-mounts", read(`mounts/${f}`), paths);
const access = (f: string) => parseSmbSteps(SAMBA_ACCESS, "h3cap001", ok(read(`samba/${f}`)));

const mountDecl = (node: string): NetworkMountDecl => mountsSection.normalize(mountsDeclared[node] as never, "/lab")[0]!;
const containerDecls = (node: string) => containersSection.normalize(containersDeclared[node] as never, "/lab");
const shares = sharesSection.normalize(sharesDeclared.vm102 as never, "/lab");

let mountFindings: typeof import("../../../specs/identity/mount-owner.spec.ts").mountFindings;
let containerFindings: typeof import("../../../specs/identity/container-user.spec.ts").containerFindings;
let writeOwnerFindings: typeof import("../../../specs/identity/share-write-owner.spec.ts").writeOwnerFindings;
beforeAll(async () => {
  ({ mountFindings } = await import("../../../specs/identity/mount-owner.spec.ts"));
  ({ containerFindings } = await import("../../../specs/identity/container-user.spec.ts"));
  ({ writeOwnerFindings } = await import("../../../specs/identity/share-write-owner.spec.ts"));
});

describe("sections: mounts uid/gid/modes, containers user", () => {
  it("normalizes a numeric uid/gid to text and keeps undeclared fields absent", () => {
    expect(mountDecl("lxc212")).toMatchObject({ uid: "1000", gid: "1000" });
    expect(mountDecl("vm100")).toMatchObject({ uid: "media", gid: "media", fileMode: "0750", dirMode: "0750" });
    const plain = mountsSection.normalize([{ path: "/m", source: "//h/s", identity: "x", access: "ro", credentials: "/c" }], "/lab");
    expect(Object.keys(plain[0]!)).not.toContain("uid");
    expect(containerDecls("lxc212")[0]!.user).toBe("1000:1000");
    expect(containerDecls("lxc230")[0]!.user).toBeUndefined();
  });

  it("plans the presentation and container-user probes (and getent) only where declared", () => {
    const node = (over: Partial<NodeDecl>) => ({ name: "n", role: "compute", layer: 2, services: [], ...over }) as NodeDecl;
    const names = (n: NodeDecl) => planOf("n", { file: "", version: 1, nodes: [n] }).map((p) => p.name);
    expect(names(node({ mounts: [mountDecl("vm100")], containers: containerDecls("vm100") }))).toEqual(expect.arrayContaining([accounts.name, MOUNT_PRESENTATION, CONTAINER_USERS]));
    for (const p of [accounts.name, MOUNT_PRESENTATION, CONTAINER_USERS]) expect(names(node({ containers: containerDecls("lxc230") }))).not.toContain(p);
    expect(presentedMounts([{ ...mountDecl("vm100"), uid: undefined, gid: undefined, fileMode: undefined, dirMode: undefined }])).toEqual([]);
  });
});

describe("container-users probe on real podman 4.3 output", () => {
  it("reads Config.User, PUID/PGID and the real uid of each container's processes (vm100)", () => {
    const [jf, abs] = users("users-vm100.txt");
    expect(jf).toMatchObject({ name: "jellyfin", configUser: "", puid: "1000", pgid: "1000" });
    expect(jf!.processes.find((p) => p.main)).toMatchObject({ uid: 0, gid: 0, command: "serve" });
    expect(jf!.processes.some((p) => !p.main && p.uid === 1000 && p.gid === 1000)).toBe(true);
    expect(abs).toMatchObject({ name: "audiobookshelf", configUser: "1000:1000" });
    expect(abs!.processes[0]).toMatchObject({ main: true, uid: 1000, gid: 1000 });
  });

  it("agrees with /proc/PID/status and docker inspect captured by hand", () => {
    const status = read("containers/proc-status-vm100-jellyfin-main.txt");
    expect(status).toMatch(/^Uid:\t0\t0\t0\t0$/m);
    const inspect = read("containers/inspect-vm100-users.json").trim().split("\n").map((l) => JSON.parse(l) as { Name: string; User: string; Env: string[] });
    expect(inspect.find((c) => c.Name === "jellyfin")!.Env).toEqual(expect.arrayContaining(["PUID=1000", "PGID=1000"]));
    expect(inspect.find((c) => c.Name === "audiobookshelf")!.User).toBe("1000:1000");
  });

  it("prints only PUID/PGID of the environment, and refuses what it cannot read", () => {
    // Each entry JSON-quoted on a line of its own; only PUID/PGID are printed (the real engine: tests/integration/container-users-docker.test.ts).
    expect(containerUsers.command).toContain(`'E"PUID='* | 'E"PGID='*)`);
    expect(containerUsers.command).not.toMatch(/\{\{json \.Config\.Env\}\}/);
    expect(() => parseContainerUsers(ok("garbage\n"))).toThrow(ProbeParseError);
    expect(() => parseContainerUsers(ok("@@hlc-cuser\tproc\t1\t0\t0\tsh\tmain\n"))).toThrow(/before any container/);
    expect(() => parseContainerUsers({ stdout: "", stderr: "Cannot connect to the Docker daemon", code: 1 })).toThrow(/exited 1/);
    expect(parseContainerUsers(ok(""))).toEqual([]);
  });
});

describe("IDENT-005 on real captures", () => {
  const judge = (node: string, cs: ContainerUser[], acc: Accounts) =>
    containerDecls(node).filter((d) => d.user).flatMap((d) => {
      const c = cs.find((x) => x.name === d.name);
      return c ? containerFindings(node, d, c, acc) : [];
    });

  it("passes vm100 (jellyfin via PUID/PGID, audiobookshelf via --user; media resolved by getent) and lxc212", () => {
    expect(judge("vm100", users("users-vm100.txt"), getent("probes/getent-vm100.txt"))).toEqual([]);
    expect(judge("lxc212", users("users-lxc212.txt"), getent("probes/getent-lxc212.txt"))).toEqual([]);
  });

  it("container-as-root: calibre-web without its user runs as root", () => {
    const f = judge("lxc212", users("users-lxc212-container-as-root.txt"), getent("probes/getent-lxc212.txt"));
    expect(f).toHaveLength(1);
    expect(f[0]!.subject).toBe("container calibre-web");
    expect(f[0]!.actual).toMatch(/^calibre-web \(lxc212\): Config\.User is empty and no PUID\/PGID is set: .*its main process \d+ \(serve\) runs as 0:0 \(root\): files it writes .* are root's, not media \(1000\)'s$/);
  });

  it("Config.User 1000 but the process is uid 0 fails (edited capture: the main process's uid set to 0)", () => {
    const cs = users("users-lxc212.txt").map((c) => ({ ...c, processes: c.processes.map((p) => ({ ...p, uid: 0 })) }));
    const f = judge("lxc212", cs, getent("probes/getent-lxc212.txt"));
    expect(f[0]!.actual).toContain('Config.User "1000:1000" but its main process');
    expect(f[0]!.actual).toContain("runs as 0:1000 (root)");
  });

  it("PUID set but ignored by the image fails (edited capture: every process root)", () => {
    const cs = users("users-vm100.txt").map((c) => ({ ...c, processes: c.processes.map((p) => ({ ...p, uid: 0, gid: 0 })) }));
    const f = judge("vm100", cs, getent("probes/getent-vm100.txt"));
    expect(f.map((x) => x.subject)).toEqual(["container jellyfin", "container audiobookshelf"]);
    expect(f[0]!.actual).toContain("no process runs as 1000:1000 (the image ignores PUID/PGID)");
  });

  it("a container that is not running is left to CONT-002; an unknown user name is reported", () => {
    expect(judge("vm100", [], getent("probes/getent-vm100.txt"))).toEqual([]);
    const f = judge("vm100", users("users-vm100.txt"), { users: [], groups: [] });
    expect(f[0]!.actual).toMatch(/declared user media:media does not resolve on vm100/);
  });
});

describe("mount-presentation probe and IDENT-004 on real captures", () => {
  it("parses stat through the mount (top directory and one file)", () => {
    const [media] = shown("presentation-vm100.txt");
    expect(media).toEqual({
      path: "/mnt/media",
      root: { uid: 1000, gid: 1000, mode: "750", kind: "directory" },
      file: { uid: 1000, gid: 1000, mode: "750", kind: "regular file", name: "/mnt/media/movies/Sintel (2010)/Sintel (2010).en.srt" },
    });
    expect(shown("presentation-lxc212.txt")[0]!.root).toEqual({ uid: 1000, gid: 1000, mode: "777", kind: "directory" });
    expect(parsePresentation(ok("@@hlc-mntstat\tpath\t/x\n@@hlc-mntstat\terror\tstat: cannot statx '/x/.': No such device\n"))[0]).toEqual({ path: "/x", rootError: "stat: cannot statx '/x/.': No such device" });
    expect(() => parsePresentation(ok("@@hlc-mntstat\tpath\t/x\n@@hlc-mntstat\troot\tone two 750 directory\n"))).toThrow(ProbeParseError);
    expect(mountPresentation(["/mnt/media"]).command).toMatch(/stat -c '%u %g %a %F' -- '?\/mnt\/media\/\.'?/);
  });

  it("passes conformant vm100 (uid=media resolved by getent) and lxc212 (numbers)", () => {
    const vm100 = mountFindings("vm100", mountDecl("vm100"), net("vm100-uid.network-mounts.txt", ["/mnt/media"]), getent("probes/getent-vm100.txt"), shown("presentation-vm100.txt"));
    expect(vm100).toEqual([]);
    const lxc212 = mountFindings("lxc212", mountDecl("lxc212"), net("lxc212-uid.network-mounts.txt", ["/books"]), getent("probes/getent-lxc212.txt"), shown("presentation-lxc212.txt"));
    expect(lxc212).toEqual([]);
  });

  it("mount-uid-mismatch: fstab uid=1001 and the mounted files show 1001", () => {
    const f = mountFindings("vm100", mountDecl("vm100"), net("vm100-mount-uid-mismatch.network-mounts.txt", ["/mnt/media"]), getent("probes/getent-vm100.txt"), shown("presentation-vm100-mount-uid-mismatch.txt"));
    expect(f).toHaveLength(1);
    expect(f[0]!.subject).toBe("mount /mnt/media (//vm102/media)");
    expect(f[0]!.expected).toBe("uid=media (1000), gid=media (1000), file_mode=0750, dir_mode=0750 in fstab and on the mounted files");
    expect(f[0]!.actual).toContain("fstab uid=1001 (no user of that id); ");
    expect(f[0]!.actual).toContain("/mnt/media shows owner 1001 (no user of that id)");
    expect(f[0]!.actual).toMatch(/: the service consuming \/\/vm102\/media on vm100 \(declared media\) sees files that are not presented as its own$/);
  });

  it("a line without uid=/modes, or a name the node does not know, is reported", () => {
    const conformant = net("vm100-uid.network-mounts.txt", ["/mnt/media"]);
    const bare = { ...conformant, fstab: conformant.fstab.map((e) => ({ ...e, options: e.options.filter((o) => !/^(uid|gid|file_mode|dir_mode)=/.test(o)) })) };
    const f = mountFindings("vm100", mountDecl("vm100"), bare, getent("probes/getent-vm100.txt"), shown("presentation-vm100.txt"));
    expect(f[0]!.actual).toContain("fstab has no uid= (the mount presents files as the mounting user, root)");
    expect(f[0]!.actual).toContain("fstab has no dir_mode=");
    const g = mountFindings("vm100", { ...mountDecl("vm100"), uid: "jellyfin" }, conformant, getent("probes/getent-vm100.txt"), shown("presentation-vm100.txt"));
    expect(g[0]!.actual).toContain("declared uid jellyfin: no user jellyfin on vm100 (getent)");
  });

  it("compares cifs's reported mount options where the filesystem shows them", () => {
    const conformant = net("vm100-uid.network-mounts.txt", ["/mnt/media"]);
    const cifs = { ...conformant, mounts: conformant.mounts.map((m) => (m.fstype === "autofs" ? m : { ...m, fstype: "cifs", options: [...m.options, "uid=0", "gid=1000", "file_mode=0750", "dir_mode=0750"] })) };
    const f = mountFindings("vm100", mountDecl("vm100"), cifs, getent("probes/getent-vm100.txt"), shown("presentation-vm100.txt"));
    expect(f[0]!.actual).toBe("mounted with uid=0: the service consuming //vm102/media on vm100 (declared media) sees files that are not presented as its own");
  });
});

describe("IDENT-006 on real writes through smbd (vm102)", () => {
  const acc = () => getent("samba/accounts-vm102.txt");
  const judge = (f: string) => shares.exports.flatMap((s) => writeOwnerFindings("vm102", s, access(f), acc(), (share, id) => (share === "nextcloud" && id === "nextcloud" ? ["lxc210"] : [])));

  it("the probe notes the server-side owner of each RW identity's probe file", () => {
    const m = access("access-owner-conformant.txt");
    expect(m.steps.find((s) => s.share === "nextcloud" && s.step === "put")!.notes).toMatchObject({ created: "yes", owner: "1001:1001" });
    expect(m.steps.find((s) => s.share === "backup" && s.step === "put")!.notes.owner).toBe("1002:1002");
  });

  it("passes the conformant lab", () => {
    expect(judge("access-owner-conformant.txt")).toEqual([]);
  });

  it("smb-force-group-wrong: nextcloud's write lands as nextcloud:media, explained in one line", () => {
    const f = judge("access-owner-smb-force-group-wrong.txt");
    expect(f).toEqual([
      {
        subject: "share nextcloud, identity nextcloud",
        expected: "owned by nextcloud:nextcloud (1001:1001), the share's declared owner",
        actual: "nextcloud (lxc210) writes to share `nextcloud` as identity nextcloud → server owner nextcloud:media (1001:1000), expected nextcloud:nextcloud 1001:1001: files other consumers read will have the wrong owner",
      },
    ]);
  });

  it("smb-force-user-wrong: the write is refused, no file lands: left to SHARE-001", () => {
    const m = access("access-owner-smb-force-user-wrong.txt");
    expect(m.steps.find((s) => s.share === "nextcloud" && s.step === "put")!.status).toBe("NT_STATUS_ACCESS_DENIED");
    expect(judge("access-owner-smb-force-user-wrong.txt")).toEqual([]);
  });

  it("a forced owner that does not resolve on the storage node is reported with what landed", () => {
    const s = { ...shares.exports.find((x) => x.name === "nextcloud")!, forceUser: "nextcloudx" };
    const f = writeOwnerFindings("vm102", s, access("access-owner-conformant.txt"), acc(), () => []);
    expect(f[0]!.actual).toBe("user nextcloudx does not exist on vm102 (getent); a write lands as nextcloud:nextcloud (1001:1001)");
  });
});

describe("stray owners under a share (IDENT-003's sample)", () => {
  it("stray-owners: three files of media owned by 1234:1234 are the first offenders", () => {
    const [media] = parseOwners(ok(read("samba/owners-stray-owners.txt")));
    expect(media).toMatchObject({ share: "media", missing: false, sampled: 23, offenders: 3 });
    expect(media!.first.every((o) => o.owner === "1234" && o.group === "1234")).toBe(true);
  });
});

it("the example network-mounts probe still names the fact IDENT-004 reads", () => {
  expect(exampleNetworkMounts.name).toBe("network-mounts");
});
