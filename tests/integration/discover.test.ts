// `discover` on the default lab, from the Proxmox stand-in alone plus the lab's SSH key: it finds
// the six guests through pve, writes a draft that loads, that a run passes, and that matches the
// lab's own declared inventory declaration by declaration (count written to
// reports/discover-match.json). Then the same lab through an ssh_config (aliases, a ProxyJump host)
// and through an Ansible inventory written here.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultLab } from "../../fixtures/lab/default-lab.ts";
import { startLab, type Lab } from "../../fixtures/lab/lab.ts";
import { runSuite, type SuiteRun } from "../../fixtures/lab/run-suite.ts";
import { main as discover } from "../../helpers/discover/cli.ts";
import { compareInventories } from "../../helpers/discover/compare.ts";
import { loadInventory } from "../../helpers/inventory/load.ts";
import { smbPasswordEnv } from "./discover-support.ts";

let lab: Lab;
let draftFile: string;
let run: SuiteRun;
const failed = (r: SuiteRun) => r.results.filter((x) => x.status === "failed").map((x) => `${x.id} ${x.node}: ${x.message.split("\n")[0]}`);

const pvePort = () => lab.containers.get("pve")!.getMappedPort(22);

beforeAll(async () => {
  lab = await startLab(defaultLab());
  smbPasswordEnv();
  draftFile = join(lab.dir, "discovered.yaml");
  const code = await discover(["--identity", join(lab.dir, "id_ed25519"), "--known-hosts", join(lab.dir, "known_hosts"), "--out", draftFile, `root@127.0.0.1:${pvePort()}`]);
  expect(code).toBe(0);
  run = await runSuite(draftFile);
}, 900_000);
afterAll(async () => lab?.stop());

describe("discover on the default lab, from pve alone", () => {
  it("finds every node of the lab through the Proxmox host, and the draft loads", () => {
    const draft = loadInventory(draftFile);
    const ref = loadInventory(lab.inventoryFile);
    expect(draft.nodes.map((n) => n.name)).toEqual(ref.nodes.map((n) => n.name));
    // Guests through pve (jump), the LXCs' host keys read inside them with pct exec.
    for (const n of draft.nodes.filter((x) => x.name !== "pve")) expect(n.ssh?.jump).toBe("pve");
    expect(readFileSync(draftFile, "utf8")).toMatch(/Questions for the operator: none/);
  });

  it("a run on the draft passes", () => {
    expect(failed(run)).toEqual([]);
    expect(run.results.filter((x) => x.status === "passed").length).toBeGreaterThan(60);
  });

  it("matches the lab's own declared inventory on every declaration it makes", () => {
    const cmp = compareInventories(loadInventory(lab.inventoryFile), loadInventory(draftFile));
    mkdirSync("reports", { recursive: true });
    writeFileSync("reports/discover-match.json", `${JSON.stringify(cmp, null, 2)}\n`);
    console.log(`[discover] matched ${cmp.matched} / ${cmp.declared} declarations of the lab's inventory${cmp.differences.length ? `; differs:\n  ${cmp.differences.join("\n  ")}` : ""}`);
    // What discover cannot know, said in docs/DISCOVER.md: the lab's tightened maxRestarts on vm100
    // (policy), audiobookshelf's library sub-folder (the app's setting; the bind is of /mnt), and the
    // restic target (its repository and password live in the backup job).
    const KNOWN = [/^vm100 containers (jellyfin|audiobookshelf):/, /^lxc230 backups\.restic:/];
    expect(cmp.differences.filter((d) => !KNOWN.some((k) => k.test(d)))).toEqual([]);
    expect(cmp.matched).toBeGreaterThanOrEqual(cmp.declared - 3);
  });
});

describe("reads what operators already have", () => {
  it("runs through an ssh_config: aliases, the Proxmox host as ProxyJump", async () => {
    const cfg = join(lab.dir, "ssh_config");
    const ref = load(readFileSync(lab.inventoryFile, "utf8")) as { nodes: Array<Record<string, unknown>> };
    const lines = [
      `Host proxmox`,
      `    HostName 127.0.0.1`,
      `    Port ${pvePort()}`,
      ...ref.nodes.filter((n) => n.name !== "pve").flatMap((n) => [`Host lab-${n.name}`, `    HostName ${n.name}`, `    ProxyJump proxmox`]),
      `Host *`,
      `    User root`,
      `    IdentityFile ${join(lab.dir, "id_ed25519")}`,
      `    UserKnownHostsFile ${join(lab.dir, "known_hosts")}`,
    ];
    writeFileSync(cfg, `${lines.join("\n")}\n`);
    // The lab's inventory, every node reached by its alias; guests keep their pinned keys.
    for (const n of ref.nodes) {
      const ssh = n.ssh as Record<string, unknown>;
      n.ssh = { configHost: n.name === "pve" ? "proxmox" : `lab-${n.name}`, configFile: cfg, ...(n.name === "pve" ? {} : { hostKey: ssh.hostKey, knownHosts: join(lab.dir, "known_hosts") }) };
    }
    // The lab's own command bound stays (the storage node's one batch outgrows 30 s on a busy runner); the rest comes from ssh_config.
    (ref as Record<string, unknown>).defaults = { ssh: { commandTimeoutMs: 120_000 } };
    const inv = join(lab.dir, "inventory-ssh-config.yaml");
    writeFileSync(inv, dump(ref, { lineWidth: 200 }));
    const loaded = loadInventory(inv);
    expect(loaded.nodes.find((n) => n.name === "vm102")!.ssh).toMatchObject({ host: "vm102", user: "root", configHost: "lab-vm102", proxyJump: [{ alias: "proxmox", host: "127.0.0.1", port: pvePort() }] });
    const r = await runSuite(inv);
    expect(failed(r)).toEqual([]);
    // One connection to pve for all six hops, one per guest.
    expect(r.stats.connections.filter((c) => c.node.startsWith("proxmox")).length).toBe(1);
  }, 600_000);

  it("an Ansible inventory of the lab gives the same nodes", async () => {
    const ref = loadInventory(lab.inventoryFile);
    const ini = [
      `pve ansible_host=127.0.0.1 ansible_port=${pvePort()} ansible_user=root`,
      "[guests]",
      ...ref.nodes.filter((n) => n.name !== "pve").map((n) => n.name),
      "[guests:vars]",
      "ansible_ssh_common_args='-o ProxyJump=pve'",
      `ansible_ssh_private_key_file=${join(lab.dir, "id_ed25519")}`,
    ];
    const file = join(lab.dir, "hosts.ini");
    writeFileSync(file, `${ini.join("\n")}\n`);
    const out = join(lab.dir, "discovered-ansible.yaml");
    expect(await discover(["--ansible", file, "--identity", join(lab.dir, "id_ed25519"), "--known-hosts", join(lab.dir, "known_hosts"), "--accept-new-host-keys", "--out", out])).toBe(0);
    const draft = loadInventory(out);
    expect(draft.nodes.map((n) => n.name).sort()).toEqual(ref.nodes.map((n) => n.name).sort());
    expect(draft.nodes.find((n) => n.name === "vm102")!.ssh?.jump).toBe("pve");
  }, 600_000);
});
