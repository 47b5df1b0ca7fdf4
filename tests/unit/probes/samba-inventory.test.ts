// The `shares` section of the inventory: its shape, defaults, and the rule that a password is
// never written in the inventory, only where to find it (an environment variable or a file).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump } from "js-yaml";
import { describe, expect, it } from "vitest";
import { sharesDeclared } from "../../../fixtures/lab/declared/shares.ts";
import { InventoryError, parseInventory } from "../../../helpers/inventory/load.ts";
import { resolvePassword, shareSecrets } from "../../../helpers/inventory/sections/shares.ts";

const inventory = (shares: unknown) =>
  dump({ version: 1, defaults: { ssh: { agent: true } }, nodes: [{ name: "vm102", role: "storage", layer: 1, ssh: { host: "vm102" }, shares }] });

function problems(shares: unknown): string {
  try {
    parseInventory(inventory(shares), "/inv/inventory.yaml");
  } catch (e) {
    if (e instanceof InventoryError) return e.message;
    throw e;
  }
  throw new Error("expected the inventory to be refused");
}

describe("the shares section", () => {
  it("loads the lab's declaration, with defaults, and password files relative to the inventory", () => {
    const inv = parseInventory(inventory(sharesDeclared.vm102), "/lab/abc/inventory.yaml");
    const shares = inv.nodes[0]!.shares!;
    expect(shares.smbHost).toBe("localhost");
    expect(shares.identities[0]).toEqual({ name: "jellyfin", password: { file: "/lab/abc/secrets/smb-jellyfin.pw" } });
    expect(shares.exports[0]).toEqual({
      name: "media", path: "/mnt/mergerfs/media", readOnly: true, ro: ["jellyfin", "audiobookshelf"], rw: [], forceUser: "media", forceGroup: "media", ownerSample: 1000,
    });
    expect(shares.exports.find((s) => s.name === "nextcloud")).toMatchObject({ readOnly: false, rw: ["nextcloud"], ro: [] });
  });

  it("defaults readOnly from whether any identity writes", () => {
    const inv = parseInventory(inventory({ identities: [{ name: "x", password: { env: "HLC_SMB_PW_X" } }], exports: [{ name: "a", path: "/a", rw: ["x"] }, { name: "b", path: "/b" }] }), "/i.yaml");
    expect(inv.nodes[0]!.shares!.exports.map((s) => s.readOnly)).toEqual([false, true]);
  });

  it("refuses a password written in the inventory, without echoing it", () => {
    const msg = problems({ identities: [{ name: "jellyfin", password: "hunter2-inline" }], exports: [] });
    expect(msg).toContain("at nodes[0].shares.identities[0].password: must be a mapping with keys env or a mapping with keys file, got a string (value hidden)");
    expect(msg).not.toContain("hunter2-inline");
  });

  it("takes exactly one password source", () => {
    expect(problems({ identities: [{ name: "j", password: { env: "A", file: "b" } }], exports: [] })).toMatch(/password\.file: unknown key 'file', expected one of env/);
    expect(problems({ identities: [{ name: "j", password: {} }], exports: [] })).toMatch(/password: must have key 'env', got an empty mapping/);
    expect(problems({ identities: [{ name: "j", password: { value: "x" } }], exports: [] })).toMatch(/password\.value: unknown key 'value'/);
  });

  it("refuses a relative share path and a bad identity name", () => {
    expect(problems({ identities: [], exports: [{ name: "m", path: "mnt/media" }] })).toMatch(/absolute path/);
    expect(problems({ identities: [], exports: [{ name: "m", path: "/m", ro: ["a%b"] }] })).toMatch(/Samba account name/);
  });
});

describe("reading passwords on the machine running the suite", () => {
  const dir = mkdtempSync(join(tmpdir(), "hlc-smb-pw-"));
  writeFileSync(join(dir, "ok.pw"), "from-a-file\n", { mode: 0o600 });
  writeFileSync(join(dir, "empty.pw"), "\n");

  it("reads an environment variable or a file (one trailing newline dropped), and says why it cannot", () => {
    expect(resolvePassword({ env: "PW" }, { PW: "from-env" })).toEqual({ ok: true, value: "from-env" });
    expect(resolvePassword({ env: "PW" }, {})).toEqual({ ok: false, why: "environment variable PW is not set" });
    expect(resolvePassword({ file: join(dir, "ok.pw") })).toEqual({ ok: true, value: "from-a-file" });
    expect(resolvePassword({ file: join(dir, "empty.pw") })).toMatchObject({ ok: false, why: expect.stringMatching(/is empty$/) });
    expect(resolvePassword({ file: join(dir, "none.pw") })).toMatchObject({ ok: false, why: expect.stringMatching(/ENOENT$/) });
    expect(resolvePassword({ env: "PW" }, { PW: "two\nlines" })).toMatchObject({ ok: false });
  });

  it("collects every readable password of the inventory as the run's known secrets", () => {
    const inv = parseInventory(
      inventory({ identities: [{ name: "a", password: { env: "HLC_T_PW" } }, { name: "b", password: { file: join(dir, "ok.pw") } }, { name: "c", password: { env: "UNSET_X" } }], exports: [] }),
      "/i.yaml",
    );
    expect(shareSecrets(inv, { HLC_T_PW: "env-secret" })).toEqual(["env-secret", "from-a-file"]);
  });
});
