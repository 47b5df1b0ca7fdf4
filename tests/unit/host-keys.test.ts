import { execa } from "execa";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { expectedKeyTypes, fingerprint, keyFromBlob, parsePublicKeyLine, verifyHostKey, type HostKey } from "../../helpers/transport/host-keys.ts";

// Keys, fingerprints and hashed known_hosts lines all come from the real ssh-keygen.
const dir = mkdtempSync(join(tmpdir(), "hlc-hostkeys-"));
let a: HostKey, b: HostKey, aLine: string, aFingerprint: string;

async function makeKey(name: string): Promise<string> {
  await execa("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, name)]);
  return readFileSync(join(dir, `${name}.pub`), "utf8").trim();
}

beforeAll(async () => {
  aLine = await makeKey("a");
  a = parsePublicKeyLine(aLine)!;
  b = parsePublicKeyLine(await makeKey("b"))!;
  aFingerprint = (await execa("ssh-keygen", ["-l", "-f", join(dir, "a.pub")])).stdout.split(" ")[1]!;
});

describe("host keys", () => {
  it("fingerprints like ssh-keygen -l and reads the type from the wire blob", () => {
    expect(fingerprint(a)).toBe(aFingerprint);
    expect(keyFromBlob(Buffer.from(a.base64, "base64"))).toEqual(a);
  });

  it("accepts the pinned key and refuses any other, naming both fingerprints", () => {
    expect(verifyHostKey("h", 22, a, { pinned: aLine, acceptNew: false })).toEqual({ ok: true, how: "pinned" });
    const v = verifyHostKey("h", 22, b, { pinned: aLine, acceptNew: true });
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.reason).toContain("HOST KEY MISMATCH");
      expect(v.reason).toContain(fingerprint(a));
      expect(v.reason).toContain(fingerprint(b));
      expect(v.reason).toContain("pinned in the inventory");
    }
  });

  it("matches known_hosts entries by host, [host]:port and hashed names (ssh-keygen -H)", async () => {
    const kh = join(dir, "known_hosts_hashed");
    writeFileSync(kh, `vm102.lan ${a.type} ${a.base64}\n[127.0.0.1]:2222 ${a.type} ${a.base64}\n`);
    expect(verifyHostKey("vm102.lan", 22, a, { knownHostsFile: kh, acceptNew: false }).ok).toBe(true);
    expect(verifyHostKey("127.0.0.1", 2222, a, { knownHostsFile: kh, acceptNew: false }).ok).toBe(true);
    expect(verifyHostKey("127.0.0.1", 22, a, { knownHostsFile: kh, acceptNew: false }).ok).toBe(false);
    await execa("ssh-keygen", ["-H", "-f", kh]);
    expect(readFileSync(kh, "utf8")).toMatch(/^\|1\|/);
    expect(verifyHostKey("vm102.lan", 22, a, { knownHostsFile: kh, acceptNew: false })).toEqual({ ok: true, how: "known_hosts" });
    expect(verifyHostKey("127.0.0.1", 2222, a, { knownHostsFile: kh, acceptNew: false }).ok).toBe(true);
    expect(expectedKeyTypes("vm102.lan", 22, { knownHostsFile: kh, acceptNew: false })).toEqual(["ssh-ed25519"]);
  });

  it("refuses a changed key even with trust-on-first-use, and a @revoked one", () => {
    const kh = join(dir, "known_hosts_changed");
    writeFileSync(kh, `pve ${a.type} ${a.base64}\n@revoked * ${b.type} ${b.base64}\n`);
    const changed = verifyHostKey("pve", 22, b, { knownHostsFile: kh, acceptNew: true });
    expect(changed.ok).toBe(false);
    if (!changed.ok) expect(changed.reason).toMatch(/revoked/);
    writeFileSync(kh, `pve ${a.type} ${a.base64}\n`);
    const v = verifyHostKey("pve", 22, b, { knownHostsFile: kh, acceptNew: true });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reason).toContain("HOST KEY MISMATCH");
  });

  it("refuses an unknown key by default; with the opt-in it accepts and records it", () => {
    const kh = join(dir, "known_hosts_tofu");
    writeFileSync(kh, "");
    const refused = verifyHostKey("lxc230", 22, a, { knownHostsFile: kh, acceptNew: false });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.reason).toMatch(/unknown host key .*acceptNewHostKeys/);
    expect(verifyHostKey("lxc230", 22, a, { knownHostsFile: kh, acceptNew: true })).toEqual({ ok: true, how: "accepted-new" });
    expect(readFileSync(kh, "utf8")).toBe(`lxc230 ${a.type} ${a.base64}\n`);
    expect(verifyHostKey("lxc230", 22, a, { knownHostsFile: kh, acceptNew: false })).toEqual({ ok: true, how: "known_hosts" });
  });
});
