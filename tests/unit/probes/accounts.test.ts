import { describe, expect, it } from "vitest";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { accounts, GROUP_SEPARATOR } from "../../../helpers/probes/accounts.ts";
import { capture, out } from "./capture.ts";

describe("accounts (glibc 2.36 getent captures)", () => {
  const fact = accounts.parse(capture("getent-users-groups.txt"));
  const user = (n: string) => fact.users.find((u) => u.name === n);
  const group = (n: string) => fact.groups.find((g) => g.name === n);

  it("prints both databases in one command", () => {
    expect(accounts.command).toBe(`getent passwd && echo '${GROUP_SEPARATOR}' && getent group`);
  });

  it("reads users, including GECOS with commas and an empty shell", () => {
    expect(user("root")).toEqual({ name: "root", uid: 0, gid: 0, home: "/root", shell: "/bin/bash" });
    expect(user("alice")).toEqual({ name: "alice", uid: 1000, gid: 1000, home: "/home/alice", shell: "/bin/bash" });
    expect(user("svc-backup")).toMatchObject({ home: "/nonexistent", shell: "/usr/sbin/nologin" });
    expect(user("bob")).toMatchObject({ uid: 60001, shell: "" });
    expect(user("nobody")).toMatchObject({ uid: 65534 });
  });

  it("reads groups with zero, one and several members", () => {
    expect(group("ops")).toEqual({ name: "ops", gid: 2000, members: ["alice", "bob"] });
    expect(group("sudo")).toEqual({ name: "sudo", gid: 27, members: ["alice"] });
    expect(group("alice")).toEqual({ name: "alice", gid: 1000, members: [] });
  });

  it("counts every line of both halves", () => {
    const [passwd, groups] = capture("getent-users-groups.txt").stdout.split(`${GROUP_SEPARATOR}\n`);
    expect(fact.users).toHaveLength(passwd!.trim().split("\n").length);
    expect(fact.groups).toHaveLength(groups!.trim().split("\n").length);
    const sd = accounts.parse(capture("getent-systemd-container.txt"));
    expect(sd.users.map((u) => u.name)).toContain("systemd-network");
    expect(sd.groups.map((g) => g.name)).toContain("systemd-journal");
  });

  it("throws ProbeParseError on garbage, a missing separator or a failed getent", () => {
    const sep = `\n${GROUP_SEPARATOR}\n`;
    expect(() => accounts.parse(out(`root:x:0:0:root:/root:/bin/bash${sep}not a group line\n`))).toThrow('"not a group line"');
    expect(() => accounts.parse(out(`root:x:0:0:/root:/bin/bash${sep}`))).toThrow(ProbeParseError);
    expect(() => accounts.parse(out(`root:x:zero:0:root:/root:/bin/bash${sep}`))).toThrow(/non-numeric/);
    expect(() => accounts.parse(out("root:x:0:0:root:/root:/bin/bash\n"))).toThrow(/separator/);
    expect(() => accounts.parse(out("", 2))).toThrow(/exited 2/);
  });
});
