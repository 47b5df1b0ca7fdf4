// The sections' semantic rules (helpers/inventory/sections/*Problems, run by semantic.ts): what they
// accept as well as what they refuse. The refusals with their exact positions are in the bad-input
// catalogue (tests/unit/inventory.test.ts, fixtures/captured/inventory-bad/); here the inputs an
// honest inventory writes must load, and the forms the catalogue does not show read right.
import { dump } from "js-yaml";
import { describe, expect, it } from "vitest";
import { FULL_LAB } from "../../fixtures/lab/default-lab.ts";
import { declaredFor } from "../../fixtures/lab/declared/index.ts";
import { InventoryError, parseInventory } from "../../helpers/inventory/load.ts";

const FILE = "/srv/lab/inventory.yaml";
const HEAD = "version: 1\ndefaults: { ssh: { agent: true } }\nnodes:\n";

function problems(text: string): string[] {
  try {
    parseInventory(text, FILE);
  } catch (e) {
    if (e instanceof InventoryError) return e.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

const storage = `  - name: vm102
    role: storage
    layer: 1
    ssh: { host: 192.0.2.102 }
    reachability: { addresses: [nas.lan] }
    shares:
      identities: [{ name: jellyfin, password: { env: PW } }]
      exports: [{ name: media, path: /srv/media, ro: [jellyfin] }]
`;
const consumer = (source: string, identity = "jellyfin") => `  - name: vm100
    role: compute
    layer: 2
    ssh: { host: 192.0.2.100 }
    mounts: [{ path: /mnt/media, source: "${source}", identity: ${identity}, access: ro, credentials: /etc/media.cred }]
`;

describe("what the rules accept", () => {
  it("the lab's own inventory (every node, every declared section) loads", () => {
    const nodes = FULL_LAB.map((n, i) => ({
      name: n.name,
      role: n.role,
      layer: n.layer,
      ssh: { host: "127.0.0.1", port: 2200 + i },
      services: n.services,
      ...(n.prometheus ? { prometheus: n.prometheus } : {}),
      ...declaredFor(n.name),
    }));
    expect(problems(dump({ version: 1, defaults: { ssh: { agent: true } }, nodes }))).toEqual([]);
  });

  it("a container user as a bare UID (a number to YAML), NAME or USER:GROUP, unquoted 1000:1000 included", () => {
    const inv = parseInventory(
      `${HEAD}  - name: vm100\n    role: compute\n    layer: 2\n    ssh: { host: h }\n    containers:\n` +
        "      - { name: a, user: 1000 }\n      - { name: b, user: 1000:1000 }\n      - { name: c, user: media }\n      - { name: d, user: media:media }\n",
      FILE,
    );
    expect(inv.nodes[0]!.containers!.map((c) => c.user)).toEqual(["1000", "1000:1000", "media", "media:media"]);
  });

  it("a mount's source host is the storage node by name, ssh.host or reachability address; another host is not checked", () => {
    for (const host of ["vm102", "192.0.2.102", "nas.lan", "VM102"]) expect(problems(HEAD + storage + consumer(`//${host}/media`))).toEqual([]);
    // A NAS outside the inventory: nothing to compare with.
    expect(problems(HEAD + storage + consumer("//192.0.2.50/other", "someone"))).toEqual([]);
    // Samba share names and account names ignore case.
    expect(problems(HEAD + storage + consumer("//vm102/MEDIA", "JellyFin"))).toEqual([]);
  });

  it("a host that names two storage nodes (the lab's 127.0.0.1) is ambiguous, so not checked", () => {
    const twin = storage.replace("vm102", "vm103").replace("[nas.lan]", "[nas2.lan]").replace("192.0.2.102", "127.0.0.1");
    const one = storage.replace("192.0.2.102", "127.0.0.1");
    expect(problems(HEAD + one + twin + consumer("//127.0.0.1/nope", "nobody"))).toEqual([]);
  });

  it("an identity a share lists rw (for an ro mount) is SHARE-004's to judge, not the loader's", () => {
    const rw = storage.replace("ro: [jellyfin]", "rw: [jellyfin]");
    expect(problems(HEAD + rw + consumer("//vm102/media"))).toEqual([]);
  });

  it("reboot: allowed on a guest with its own ssh; false or absent anywhere", () => {
    const text = `${HEAD}  - { name: pve, role: hypervisor, layer: 0, ssh: { host: h }, reboot: { allowed: false } }
  - { name: vm100, role: compute, layer: 2, ssh: { host: g, jump: pve }, reboot: { allowed: true, convergeWithin: 300 } }
  - { name: lxc212, role: service, layer: 3, pct: { host: pve, vmid: 212 }, reboot: { convergeWithin: 90s } }
`;
    const inv = parseInventory(text, FILE);
    expect(inv.nodes.map((n) => [n.name, n.reboot?.allowed, n.reboot?.convergeWithinSec])).toEqual([
      ["pve", false, 300],
      ["vm100", true, 300],
      ["lxc212", false, 90],
    ]);
  });
});

describe("restic's mask password, resolved like the shares' password files", () => {
  it("a relative file is relative to the inventory, ~ is the home directory, env is a variable name", () => {
    const node = (mask: string) =>
      `${HEAD}  - { name: lxc230, role: service, layer: 3, ssh: { host: g }, backups: { restic: { repository: /srv/restic, passwordFile: /etc/restic/password, maskPassword: ${mask} } } }\n`;
    expect(parseInventory(node("{ file: secrets/restic.pw }"), FILE).nodes[0]!.backups!.restic!.maskPassword).toEqual({ file: "/srv/lab/secrets/restic.pw" });
    expect(parseInventory(node("{ env: HLC_RESTIC_PW }"), FILE).nodes[0]!.backups!.restic!.maskPassword).toEqual({ env: "HLC_RESTIC_PW" });
    expect(problems(node("{ env: HLC_RESTIC_PW, file: x }"))).toEqual(expect.arrayContaining([expect.stringContaining("maskPassword.file: unknown key 'file', expected one of env")]));
  });
});

describe("how the refusals read", () => {
  it("a zero span written without a unit is refused like 0s; an integer 0 by the schema", () => {
    const node = (span: string) => `${HEAD}  - { name: vm100, role: compute, layer: 2, ssh: { host: g }, reboot: { convergeWithin: ${span} } }\n`;
    expect(problems(node('"0"'))).toEqual(['4:89 nodes[0].reboot.convergeWithin: must be a time span longer than 0, got "0"']);
    expect(problems(node("0"))).toEqual(["4:89 nodes[0].reboot.convergeWithin: must be an integer of at least 1, got 0"]);
  });

  it("a file mode without its leading zero is a number too, and says how to write it", () => {
    const text = HEAD + storage + consumer("//vm102/media").replace("credentials: /etc/media.cred", "credentials: /etc/media.cred, dirMode: 750");
    expect(problems(text)).toEqual([
      expect.stringMatching(/mounts\[0\]\.dirMode: must be a quoted string \(write file modes as quoted strings, e\.g\. "0750": .*\), got 750$/),
    ]);
  });

  it("a password source of one shape with a bad value is one problem, not one per alternative", () => {
    const bad = storage.replace("{ env: PW }", "{ env: MY-PW }");
    expect(problems(HEAD + bad)).toEqual([
      '10:55 nodes[0].shares.identities[0].password.env: must be an environment variable name, e.g. HLC_SMB_PW_JELLYFIN, got "MY-PW"',
    ]);
  });

  it("a pattern with no words of its own is shown rather than called 'a string'", () => {
    const text = `${HEAD}  - { name: vm100, role: compute, layer: 2, ssh: { host: g }, identities: [{ name: Media, uid: 1000, gid: 1000 }] }\n`;
    expect(problems(text)).toEqual([expect.stringMatching(/identities\[0\]\.name: must be a string matching \^\[a-z_\]\[a-z0-9_-\]\*\$, got "Media"$/)]);
  });

  it("a share listing an identity the node does not declare is refused, even when it declares none", () => {
    const none = storage.replace("identities: [{ name: jellyfin, password: { env: PW } }]", "identities: []");
    expect(problems(HEAD + none + consumer("//vm102/media")).join("\n")).toMatch(/must name an identity of shares.identities/);
  });
});
