// The inventory loader: the example file loads with defaults applied, and every kind of bad file
// in fixtures/captured/inventory-bad/ fails with the exact file:line:column, key path, and
// expected/found text a user would see.
import { readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { InventoryError, loadInventory, parseInventory } from "../../helpers/inventory/load.ts";
import { describeValue, type Problem } from "../../helpers/inventory/errors.ts";

const exampleFile = fileURLToPath(new URL("../../inventory/example.yaml", import.meta.url));
const badDir = fileURLToPath(new URL("../../fixtures/captured/inventory-bad/", import.meta.url));

function failure(load: () => unknown): InventoryError {
  try {
    load();
  } catch (e) {
    if (e instanceof InventoryError) return e;
    throw e;
  }
  throw new Error("expected an InventoryError, but the inventory loaded");
}

describe("inventory/example.yaml", () => {
  const inv = loadInventory(exampleFile);

  it("declares the nodes of the operations document, by layer", () => {
    expect(inv.file).toBe(exampleFile);
    expect(inv.version).toBe(1);
    expect(inv.nodes.map((n) => [n.name, n.role, n.layer])).toEqual([
      ["pve", "hypervisor", 0],
      ["vm102", "storage", 1],
      ["vm100", "compute", 2],
      ["lxc200", "monitoring", 3],
      ["lxc210", "service", 3],
      ["lxc212", "service", 3],
      ["lxc230", "service", 3],
    ]);
  });

  it("applies defaults.ssh, then the built-in defaults, and expands ~", () => {
    const vm102 = inv.nodes.find((n) => n.name === "vm102")!;
    expect(vm102.ssh).toEqual({
      host: "192.0.2.102",
      jump: "pve",
      port: 22,
      user: "root",
      identityFile: join(homedir(), ".ssh/id_ed25519"),
      knownHosts: join(homedir(), ".ssh/known_hosts"),
      agent: false,
      connectTimeoutMs: 10_000,
      commandTimeoutMs: 30_000,
      maxChannels: 4,
      acceptNewHostKeys: false,
      sudo: false,
    });
    // Every guest hops through the Proxmox host (or is reached with pct exec on it); the host itself directly.
    expect(inv.nodes.filter((n) => n.name !== "pve").every((n) => n.ssh?.jump === "pve" || n.pct?.host === "pve")).toBe(true);
    expect(inv.nodes.find((n) => n.name === "lxc212")!.pct).toEqual({ host: "pve", vmid: 212 });
    expect(inv.nodes.find((n) => n.name === "pve")!.ssh?.jump).toBeUndefined();
  });

  it("declares the document's listeners with their scopes, tcp by default", () => {
    const listeners = Object.fromEntries(
      inv.nodes.map((n) => [n.name, n.services.map((s) => `${s.name} ${s.port}/${s.proto} ${s.scope}`)]),
    );
    expect(listeners).toEqual({
      pve: ["sshd 22/tcp lan", "node-exporter 9100/tcp lan"],
      vm102: ["sshd 22/tcp lan", "samba 445/tcp lan"],
      vm100: ["sshd 22/tcp lan", "jellyfin 8096/tcp lan", "audiobookshelf 13378/tcp lan"],
      lxc200: [
        "sshd 22/tcp lan",
        "prometheus 9090/tcp loopback",
        "grafana 3000/tcp loopback",
        "node-exporter 9100/tcp loopback",
        "alertmanager 9093/tcp loopback",
      ],
      lxc210: ["sshd 22/tcp lan", "nextcloud 443/tcp tailnet", "mariadb 3306/tcp loopback", "redis 6379/tcp loopback"],
      lxc212: ["sshd 22/tcp lan", "calibre-web 8083/tcp loopback"],
      lxc230: ["sshd 22/tcp lan", "vaultwarden 8000/tcp loopback"],
    });
  });
});

describe("defaults and paths", () => {
  const text = `
version: 1
defaults:
  ssh: { identityFile: keys/lab, knownHosts: ../known_hosts, port: 2222, maxChannels: 2 }
nodes:
  - name: a
    role: storage
    layer: 1
    ssh: { host: 192.0.2.1, port: 22, sudo: true, user: admin }
  - name: b
    role: service
    layer: 3
    ssh: { host: 192.0.2.2, identityFile: "~", agent: true }
`;
  const inv = parseInventory(text, "/srv/lab/inventory.yaml");

  it("resolves relative key paths against the inventory file, not the working directory", () => {
    expect(inv.file).toBe("/srv/lab/inventory.yaml");
    expect(inv.nodes[0]!.ssh?.identityFile).toBe("/srv/lab/keys/lab");
    expect(inv.nodes[0]!.ssh?.knownHosts).toBe("/srv/known_hosts");
    expect(inv.nodes[1]!.ssh?.identityFile).toBe(homedir());
  });

  it("lets the node's own settings win over defaults.ssh", () => {
    expect(inv.nodes[0]!.ssh).toMatchObject({ port: 22, maxChannels: 2, sudo: true, user: "admin" });
    expect(inv.nodes[1]!.ssh).toMatchObject({ port: 2222, agent: true, sudo: false, user: "root" });
  });

  it("gives a node without services an empty list", () => {
    expect(inv.nodes.map((n) => n.services)).toEqual([[], []]);
  });

  it("accepts agent: true instead of an identity file", () => {
    const agentOnly = parseInventory(
      "version: 1\nnodes:\n  - { name: a, role: storage, layer: 1, ssh: { host: h, agent: true } }\n",
      "/srv/lab/inventory.yaml",
    );
    expect(agentOnly.nodes[0]!.ssh?.agent).toBe(true);
    expect(agentOnly.nodes[0]!.ssh).not.toHaveProperty("identityFile");
  });

  it("reads YAML 1.2: yes/no stay strings", () => {
    const inv2 = parseInventory(
      "version: 1\nnodes:\n  - { name: a, role: storage, layer: 1, description: no, ssh: { host: h, agent: true } }\n",
      "/srv/lab/inventory.yaml",
    );
    expect(inv2.nodes[0]!.description).toBe("no");
  });
});

// One fixture per kind of mistake: [line, column, path, message].
type Expected = [number, number, string, string];
const catalogue: Record<string, Expected[]> = {
  "yaml-syntax-error.yaml": [[5, 4, "", "YAML syntax error: bad indentation of a sequence entry"]],
  "duplicate-yaml-key.yaml": [[11, 7, "nodes[0].ssh.port", "duplicate key 'port', first given at line 10, column 7"]],
  "multiple-documents.yaml": [[4, 1, "", "YAML: must be a single document, got a second one here (after ---)"]],
  "empty-file.yaml": [[1, 1, "(root)", "must be a mapping with keys version and nodes, got an empty file"]],
  "not-a-mapping.yaml": [[1, 1, "(root)", "must be a mapping with keys version and nodes, got a list"]],
  "wrong-version.yaml": [[1, 10, "version", "must be 1, got 2"]],
  "empty-nodes.yaml": [[2, 8, "nodes", "must be a non-empty list, got an empty list"]],
  "unknown-key-suggestion.yaml": [[9, 7, "nodes[0].ssh.hots", "unknown key 'hots', did you mean 'host'?"]],
  "unknown-top-level-key.yaml": [[4, 1, "node", "unknown key 'node', did you mean 'nodes'?"]],
  "missing-required-key.yaml": [[9, 7, "nodes[0].ssh", "must have key 'host', got keys port, user"]],
  "wrong-type.yaml": [[8, 36, "nodes[0].ssh.port", 'must be an integer from 1 to 65535, got "twenty-two"']],
  "port-out-of-range.yaml": [[10, 28, "nodes[0].services[0].port", "must be an integer from 1 to 65535, or `any`, got 70000"]],
  "bad-enum-scope.yaml": [
    [10, 49, "nodes[0].services[0].scope", 'must be one of loopback, lan, tailnet, got "public"'],
  ],
  "bad-layer.yaml": [
    [
      7,
      12,
      "nodes[0].layer",
      "must be one of 0 (hypervisor), 1 (storage), 2 (compute), 3 (services), 4 (validation), got 7",
    ],
  ],
  "bad-node-name.yaml": [
    [5, 11, "nodes[0].name", `must be a lowercase name of letters, digits and '-' (e.g. vm102), got "VM_102"`],
  ],
  "duplicate-node-name.yaml": [
    [9, 11, "nodes[1].name", 'must be a unique node name, got "vm102" which nodes[0] already uses (line 5)'],
  ],
  "duplicate-service-name.yaml": [
    [11, 17, "nodes[0].services[1].name", 'must be unique within the node, got "redis" again (first at services[0], line 10)'],
  ],
  "duplicate-service-port.yaml": [
    // 443/udp on the second line is a different socket; only the second 443/tcp clashes.
    [
      12,
      31,
      "nodes[0].services[2].port",
      'must not repeat a port, got 443/tcp which service "nextcloud" already declares (line 10)',
    ],
  ],
  "jump-unknown-node.yaml": [
    [12, 37, "nodes[1].ssh.jump", `must name a node of this inventory, got "pev", did you mean 'pve'?`],
  ],
  "jump-self.yaml": [[8, 37, "nodes[0].ssh.jump", 'must name another node, got "vm102", the node itself']],
  "jump-cycle.yaml": [[12, 37, "nodes[1].ssh.jump", "must not loop, got the jump chain vm100 -> vm102 -> vm100"]],
  "bad-host-key-format.yaml": [
    [
      10,
      16,
      "nodes[0].ssh.hostKey",
      "must be '<type> <base64>' as in a .pub file, with type one of ssh-ed25519, ecdsa-sha2-nistp256, " +
        'ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, ssh-rsa, got "ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsab..."',
    ],
  ],
  "host-key-type-mismatch.yaml": [
    [11, 16, "nodes[0].ssh.hostKey", 'must be a key of type ssh-ed25519, got a key blob of type "ssh-rsa"'],
  ],
  "no-identity-or-agent.yaml": [
    [7, 7, "nodes[0].ssh", "must set identityFile or agent: true (here or in defaults.ssh), got neither"],
  ],
  "secret-value.yaml": [
    [
      10,
      7,
      "nodes[0].ssh.password",
      "unknown key 'password', expected one of host, port, user, identityFile, agent, knownHosts, " +
        "connectTimeoutMs, commandTimeoutMs, maxChannels, acceptNewHostKeys, sudo, configFile, hostKey, jump, configHost",
    ],
  ],
  // References and forms only the sections' semantic rules (helpers/inventory/sections/*) catch.
  "reachability-from.yaml": [
    [13, 27, "nodes[1].reachability.from", "must name a node of this inventory, got \"lxc21\", did you mean 'lxc212'?"],
    [18, 27, "nodes[2].reachability.from", "must name another node (the one that connects to this node's ports), got \"lxc200\", the node itself"],
  ],
  "reboot-not-rebootable.yaml": [
    [9, 24, "nodes[0].reboot.allowed", "must not be true on a hypervisor: rebooting pve takes every guest down, and the live reboot entry point refuses it (allow its guests instead, one at a time)"],
    [14, 46, "nodes[1].reboot.convergeWithin", "must be a time span longer than 0, got \"0s\""],
    [19, 24, "nodes[2].reboot.allowed", "must not be true on a node reached through pct: the suite reboots over the node's own ssh, and lxc212 has none (pct exec on pve), so the live reboot entry point refuses it"],
    [19, 46, "nodes[2].reboot.convergeWithin", "must be a time span such as 90s, 5m or 1h, or a number of seconds, got \"5 minutes\""],
  ],
  "mount-modes-and-refs.yaml": [
    [21, 19, "nodes[1].mounts[0].identity", "must be an identity vm102 declares (its shares.identities, line 11), got \"jellyfn\", did you mean 'jellyfin'?"],
    [26, 19, "nodes[1].mounts[0].fileMode", "must be a quoted string (write file modes as quoted strings, e.g. \"0750\": unquoted, YAML reads 0750 as the decimal number 750), got 640"],
    [27, 18, "nodes[1].mounts[0].dirMode", "must be an octal mode such as \"0750\", got \"0790\""],
    [28, 15, "nodes[1].mounts[1].path", "must be unique within the node (one mount per mount point), got \"/mnt/media/\" again (first at mounts[0], line 19)"],
    [29, 17, "nodes[1].mounts[1].source", "must name a share vm102 exports (its shares.exports, line 13), got \"meida\", did you mean 'media'?"],
    [33, 14, "nodes[1].mounts[1].uid", "must be a user name or a uid (an integer from 0 to 4294967294), got -1"],
    [34, 15, "nodes[1].mounts[2].path", "must not contain a '..' component (systemd makes no mount unit for it), got \"/mnt/../media\""],
  ],
  "share-identity-refs.yaml": [
    [13, 19, "nodes[0].shares.identities[2].name", "must be unique within the node's shares, got \"jellyfin\" again (first at identities[0], line 11)"],
    [15, 58, "nodes[0].shares.exports[0].ro[0]", "must name an identity of shares.identities (where the suite finds its password), got \"jellyfn\", did you mean 'jellyfin'?"],
    [16, 66, "nodes[0].shares.exports[1].rw[0]", "must name an identity of shares.identities (where the suite finds its password), got \"nextclod\", did you mean 'nextcloud'?"],
    [17, 19, "nodes[0].shares.exports[2].name", "must be unique within the node's shares (Samba share names ignore case), got \"Media\" again (first at exports[0], line 15)"],
  ],
  "container-user.yaml": [
    [12, 32, "nodes[0].containers[2].user", "must be NAME, UID or USER:GROUP (names or numbers), e.g. media, 1000 or 1000:1000, got \"media:media:media\""],
    [13, 17, "nodes[0].containers[3].name", "must be unique within the node, got \"jellyfin\" again (first at containers[0], line 10)"],
    [13, 33, "nodes[0].containers[3].user", "must be NAME, UID or USER:GROUP (names or numbers), e.g. media, 1000 or 1000:1000, got \"media group\""],
  ],
  "backups-restic.yaml": [
    [12, 23, "nodes[0].backups.restic.passwordFile", "must be the absolute path of a file on the node (starting with /, not ending in /), e.g. /etc/restic/password, got a string (value hidden)"],
    [13, 30, "nodes[0].backups.restic.maskPassword.env", "must be an environment variable name, e.g. HLC_RESTIC_PASSWORD, got \"HLC-RESTIC-PW\""],
  ],
  "storage-durations-devices.yaml": [
    [12, 32, "nodes[0].storage.snapraid.schedule.sync.maxInterval", "must be a duration such as 26h, 8d or 1d12h (units s, m, h, d, w), got \"26 hours\""],
    [13, 33, "nodes[0].storage.snapraid.schedule.scrub.maxInterval", "must be a duration longer than 0, got \"0d\""],
    [17, 23, "nodes[0].storage.smart.devices[1].device", "must be a device path under /dev, e.g. /dev/sda or /dev/disk/by-id/ata-\u2026, got \"sdb\""],
    [18, 23, "nodes[0].storage.smart.devices[2].device", "must be a device path under /dev, got \"/dev/../etc/shadow\", which leads to /etc/shadow"],
    [19, 23, "nodes[0].storage.smart.devices[3].device", "must be unique within the node (each disk once), got \"/dev/./sda\" again (first at devices[0], line 16)"],
  ],
  "snapraid-protect.yaml": [
    [11, 26, "nodes[0].storage.snapraid.protect[1]", "must be a path inside the array, relative to a data disk's root, e.g. media or media/movies (no '..', no empty segment), got \"../etc\""],
    [11, 34, "nodes[0].storage.snapraid.protect[2]", "must be a path inside the array, relative to a data disk's root, e.g. media or media/movies (no '..', no empty segment), got \"media//movies\""],
  ],
  "many-problems.yaml": [
    [4, 11, "nodes[0].role", 'must be one of hypervisor, storage, compute, monitoring, service, got "hypervisr"'],
    [6, 36, "nodes[0].ssh.port", "must be an integer from 1 to 65535, got 0"],
    [6, 46, "nodes[0].ssh.agent", 'must be true or false, got "yes"'],
    [10, 12, "nodes[1].ssh.hots", "unknown key 'hots', did you mean 'host'?"],
    [13, 17, "nodes[1].services[1].name", 'must be unique within the node, got "samba" again (first at services[0], line 12)'],
    [
      13,
      30,
      "nodes[1].services[1].port",
      'must not repeat a port, got 445/tcp which service "samba" already declares (line 12)',
    ],
    [13, 42, "nodes[1].services[1].scope", 'must be one of loopback, lan, tailnet, got "public"'],
  ],
};

describe("bad inventories (fixtures/captured/inventory-bad)", () => {
  it("has an expectation for every fixture and a fixture for every expectation", () => {
    expect(readdirSync(badDir).filter((f) => f.endsWith(".yaml")).sort()).toEqual(Object.keys(catalogue).sort());
  });

  it.each(Object.entries(catalogue))("%s", (name, expected) => {
    const file = join(badDir, name);
    const error = failure(() => loadInventory(file));
    const problems: Problem[] = expected.map(([line, column, path, message]) => ({ line, column, path, message }));
    expect(error.problems).toEqual(problems);
    expect(error.message.split("\n")).toEqual(
      problems.map((p) => `${file}:${p.line}:${p.column}: ${p.path ? `at ${p.path}: ` : ""}${p.message}`),
    );
  });

  it("reports every problem of a file in one error, in file order", () => {
    const error = failure(() => loadInventory(join(badDir, "many-problems.yaml")));
    expect(error.problems.length).toBe(7);
    expect(error.message.split("\n").length).toBe(7);
    // A misspelt key counts once: 'hots' is reported, the missing 'host' it stands for is not.
    expect(error.message).not.toMatch(/must have key 'host'/);
    // agent: yes is one problem, not also "no identityFile or agent".
    expect(error.message).not.toMatch(/must set identityFile/);
  });

  it("never echoes a value under a secret-looking key", () => {
    const error = failure(() => loadInventory(join(badDir, "secret-value.yaml")));
    expect(error.message).not.toContain("hunter2");
    expect(describeValue("hunter2", "password")).toBe("a string (value hidden)");
    expect(describeValue("hunter2", "apiToken")).toBe("a string (value hidden)");
    expect(describeValue("hunter2", "host")).toBe('"hunter2"');
  });

  it("says where a missing key belongs even for an empty value or an empty flow mapping", () => {
    const file = "/srv/lab/inventory.yaml";
    const head = "version: 1\ndefaults: { ssh: { agent: true } }\nnodes:\n";
    // An empty value has no position of its own: the key stands in for it.
    const empty = failure(() => parseInventory(`${head}  - { name: a, role: storage, layer: 1, ssh: }\n`, file));
    expect(empty.problems).toEqual([
      { line: 4, column: 41, path: "nodes[0].ssh", message: "must be a mapping, got an empty value" },
    ]);
    const flow = failure(() => parseInventory(`${head}  - { name: a, role: storage, layer: 1, ssh: {} }\n`, file));
    expect(flow.problems).toEqual([
      { line: 4, column: 46, path: "nodes[0].ssh", message: "must have key 'host', got an empty mapping" },
    ]);
  });
});
