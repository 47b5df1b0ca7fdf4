// The container-users probe's command on this machine's real Docker engine (not a lab node): one
// inspect for every container, only PUID/PGID of the environment printed, and an environment value
// holding a newline cannot pass for a PUID= line of its own (it could while each Env entry was
// printed raw and grepped).
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerUsers, parseContainerUsers } from "../../helpers/probes/container-users.ts";

const NAME = `hlc-cuser-${process.pid}`;
const IMAGE = "hlc/debian:bookworm";

beforeAll(async () => {
  await execa("docker", ["run", "-d", "--name", NAME, "-e", "PUID=1000", "-e", "PGID=1001", "-e", "API_TOKEN=hunter2", "-e", "NOTE=first line\nPUID=0", "--user", "1000:1001", IMAGE, "sleep", "600"]);
}, 120_000);

afterAll(async () => {
  await execa("docker", ["rm", "-f", NAME], { reject: false });
});

describe("container-users on a real Docker engine", () => {
  it("reads what the container asks for and what its process runs as; no other variable, no forged line", async () => {
    const r = await execa("sh", ["-c", containerUsers.command], { reject: false });
    expect(r.stdout).not.toContain("hunter2");
    expect(r.stdout).not.toContain("first line");
    // Exactly the two variables, once each: NOTE's second line is not a PUID of its own.
    const mine = r.stdout.split("\n").map((l) => l.split("\t")).filter((f) => f[1] === "env");
    expect(mine.map((f) => f[2]).sort()).toEqual(["PGID=1001", "PUID=1000"]);
    const c = parseContainerUsers({ stdout: r.stdout, stderr: r.stderr, code: r.exitCode ?? null }).find((x) => x.name === NAME)!;
    expect(c).toMatchObject({ configUser: "1000:1001", puid: "1000", pgid: "1001" });
    expect(c.processes[0]).toMatchObject({ main: true, uid: 1000, gid: 1001, command: "sleep" });
  });
});
