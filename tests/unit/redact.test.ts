import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { redact } from "../../helpers/facts/redact.ts";

/** tests/fixtures/redaction/corpus.txt: blocks of real secret forms, and of look-alikes that are not secrets. */
function corpus() {
  const blocks: { kind: "secret" | "plain"; secret?: string; where: string; text: string }[] = [];
  for (const line of readFileSync("tests/fixtures/redaction/corpus.txt", "utf8").split("\n")) {
    const head = /^### (secret (.*?)|plain) \| (.*)$/.exec(line);
    if (head) blocks.push({ kind: head[2] !== undefined ? "secret" : "plain", ...(head[2] !== undefined ? { secret: head[2].replace(/^'(.*)'$/, "$1") } : {}), where: head[3]!, text: "" });
    else if (blocks.length && !line.startsWith("#")) blocks.at(-1)!.text += (blocks.at(-1)!.text ? "\n" : "") + line;
  }
  return blocks.map((b) => ({ ...b, text: b.text.replace(/\n+$/, "") }));
}

describe("evidence redaction", () => {
  const all = corpus();
  it("the corpus has both kinds", () => {
    expect(all.filter((b) => b.kind === "secret").length).toBeGreaterThan(25);
    expect(all.filter((b) => b.kind === "plain").length).toBeGreaterThan(8);
  });

  for (const b of all.filter((x) => x.kind === "secret")) {
    it(`masks ${b.where}`, () => {
      expect(b.text).toContain(b.secret);
      const out = redact(b.text);
      expect(out).not.toContain(b.secret);
      expect(out).toContain("[redacted]");
    });
  }

  for (const b of all.filter((x) => x.kind === "plain")) {
    it(`leaves visible: ${b.where}`, () => {
      expect(redact(b.text)).toBe(b.text);
    });
  }

  it.each([
    ["quoted env secret", `VW_ADMIN_TOKEN="s3cr3t-token"`, "s3cr3t-token"],
    ["url userinfo", "//media:p4ssw0rd@vm102/media", "p4ssw0rd"],
    ["smbclient -U", "smbclient //vm102/media -U jellyfin%pa55word -c ls", "pa55word"],
    ["fstab inline password", "//vm102/media /mnt/media cifs ro,username=jellyfin,password=inl1ne-pw,_netdev 0 0", "inl1ne-pw"],
    ["fstab username=user%password", "//vm102/media /mnt/media cifs ro,username=jellyfin%inl1ne-pw,_netdev 0 0", "inl1ne-pw"],
    ["mount unit Options=", "Options=ro,user=jellyfin%unit-pw,x-systemd.mount-timeout=10s", "unit-pw"],
    ["private key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----", "b3BlbnNzaC1rZXk"],
  ])("masks %s", (_kind, text, secret) => {
    const out = redact(text);
    expect(out).not.toContain(secret);
    expect(out).toContain("[redacted]");
  });

  it("the options after credentials= stay visible (BOOT-004 judges them)", () => {
    const line = "//vm102/media /mnt/media smbfuse ro,credentials=/etc/samba/credentials/media.cred,x-systemd.automount,x-systemd.mount-timeout=10s,_netdev,nofail 0 0";
    expect(redact(line)).toBe(line);
  });

  it("masks literal secrets the run knows, wherever they appear", () => {
    expect(redact("the value is correct-horse here", ["correct-horse"])).toBe("the value is [redacted] here");
  });
});
