import { describe, expect, it } from "vitest";
import { redact } from "../../helpers/facts/redact.ts";

describe("evidence redaction", () => {
  it.each([
    ["smb credentials file", "username=jellyfin\npassword=hunter2-secret\n", "hunter2-secret"],
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

  it("masks literal secrets the run knows, wherever they appear", () => {
    expect(redact("the value is correct-horse here", ["correct-horse"])).toBe("the value is [redacted] here");
  });

  it("leaves ordinary evidence alone", () => {
    const ss = "tcp LISTEN 0 4096 127.0.0.1:9090 0.0.0.0:* users:((\"prometheus\",pid=1,fd=3))";
    expect(redact(ss)).toBe(ss);
  });
});
