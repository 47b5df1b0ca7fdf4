// `homelab-conformance discover`: draft an inventory from the live homelab, read-only.
//   discover [--identity KEY] [--known-hosts FILE | --accept-new-host-keys] [--user U] [--port P] HOST...
//   discover --ssh-config FILE [ALIAS...]        (every literal Host of the file without aliases)
//   discover --ansible INVENTORY [--identity KEY]
// Writes the draft (--out, default inventory/discovered.yaml) and prints the questions for the
// operator at the end. Exit 0 when a draft was written, 2 on bad arguments, 3 when no target
// could be read. Never writes to a node.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InventoryError, parseInventory } from "../inventory/load.ts";
import { SSH_DEFAULTS } from "../inventory/schema.ts";
import type { SshSettings } from "../inventory/types.ts";
import { parseAnsibleInventory } from "../transport/ansible.ts";
import { literalHosts, loadSshConfig, resolveHost } from "../inventory/ssh-config.ts";
import { buildDraft, type Draft } from "./draft.ts";
import { observe, type Observed, type Target } from "./observe.ts";
import { toYaml } from "./yaml.ts";

const HELP = `usage: homelab-conformance discover [options] [HOST | ALIAS ...]

Connects read-only to the given hosts (a Proxmox host is enough: its guests are found with
qm list / pct list) and writes a draft inventory, reviewed against the operations document.

  HOST                      [user@]host[:port] (or an ssh_config alias with --ssh-config)
  --identity FILE           private key (default: ssh_config's IdentityFile, else ~/.ssh/id_ed25519)
  --user USER, --port N     login and port for plain HOSTs (default root, 22)
  --known-hosts FILE        known_hosts to verify the given hosts (default ~/.ssh/known_hosts)
  --accept-new-host-keys    trust an unknown host key on first use (a changed key is refused)
  --ssh-config FILE         read hosts from an OpenSSH client config (HostName, User, Port,
                            IdentityFile, ProxyJump); without ALIAS every literal Host entry
  --ansible FILE            read hosts from an Ansible inventory (INI or YAML)
  --out FILE                where to write the draft (default inventory/discovered.yaml)
  --help
`;

interface Args {
  hosts: string[];
  identity?: string;
  user?: string;
  port?: number;
  knownHosts?: string;
  acceptNew: boolean;
  sshConfig?: string;
  ansible?: string;
  out: string;
}

function parseArgs(argv: string[]): Args | string {
  const a: Args = { hosts: [], acceptNew: false, out: "inventory/discovered.yaml" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    try {
      if (arg === "--identity" || arg === "-i") a.identity = val();
      else if (arg === "--user" || arg === "-l") a.user = val();
      else if (arg === "--port" || arg === "-p") a.port = Number(val());
      else if (arg === "--known-hosts") a.knownHosts = val();
      else if (arg === "--accept-new-host-keys") a.acceptNew = true;
      else if (arg === "--ssh-config" || arg === "-F") a.sshConfig = val();
      else if (arg === "--ansible") a.ansible = val();
      else if (arg === "--out" || arg === "-o") a.out = val();
      else if (arg === "--help" || arg === "-h") return HELP;
      else if (arg.startsWith("-")) return `unknown option ${arg}\n\n${HELP}`;
      else a.hosts.push(arg);
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (a.port !== undefined && !(Number.isInteger(a.port) && a.port > 0 && a.port < 65536)) return `--port must be a port number`;
  if (!a.hosts.length && !a.sshConfig && !a.ansible) return `give a host (the Proxmox host is enough), --ssh-config or --ansible\n\n${HELP}`;
  return a;
}

const home = (p: string) => (p.startsWith("~/") ? `${homedir()}/${p.slice(2)}` : p);
const defaultKey = () => ["id_ed25519", "id_ecdsa", "id_rsa"].map((k) => `${homedir()}/.ssh/${k}`).find(existsSync);

function settings(a: Args, over: Partial<SshSettings> & { host: string }): SshSettings {
  const identityFile = over.identityFile ?? (a.identity ? resolve(home(a.identity)) : defaultKey());
  return {
    ...SSH_DEFAULTS,
    // Discovery reads more than a run's batch (qm/pct list asks every guest): a longer bound.
    commandTimeoutMs: 120_000,
    port: a.port ?? SSH_DEFAULTS.port,
    user: a.user ?? SSH_DEFAULTS.user,
    ...over,
    ...(identityFile ? { identityFile } : {}),
    knownHosts: over.knownHosts ?? resolve(home(a.knownHosts ?? "~/.ssh/known_hosts")),
    acceptNewHostKeys: a.acceptNew || process.env.HLC_ACCEPT_NEW_HOSTKEYS === "1",
  } as SshSettings;
}

const nodeName = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "") || "node";

/** Every target the arguments name. */
export function targetsOf(a: Args): Target[] {
  const targets: Target[] = [];
  if (a.sshConfig) {
    const file = resolve(home(a.sshConfig));
    const cfg = loadSshConfig(file);
    for (const w of cfg.warnings) console.error(`[discover] ${w}`);
    for (const alias of a.hosts.length ? a.hosts : literalHosts(cfg)) {
      const r = resolveHost(cfg, alias, { ...(a.user ? { user: a.user } : {}), ...(a.port ? { port: a.port } : {}) });
      targets.push({
        name: nodeName(alias),
        ssh: settings(a, { host: r.host, port: r.port, user: r.user, ...(r.identityFile ? { identityFile: r.identityFile } : {}), ...(r.knownHosts ? { knownHosts: r.knownHosts } : {}), ...(r.proxyJump.length ? { proxyJump: r.proxyJump } : {}) }),
        via: { configHost: alias, ...(file !== resolve(homedir(), ".ssh/config") ? { configFile: file } : {}) },
      });
    }
    return targets;
  }
  if (a.ansible) {
    const file = resolve(a.ansible);
    const hosts = parseAnsibleInventory(readFileSync(file, "utf8"), file);
    for (const h of hosts) {
      // A jump host that is itself in the inventory is that node's connection; another is a ProxyJump hop.
      const hop = h.jump.at(-1);
      const jumpNode = hop && hosts.find((x) => x.name === hop.host || (x.host === hop.host && (x.port ?? 22) === (hop.port ?? 22)));
      targets.push({
        name: nodeName(h.name),
        ssh: settings(a, {
          host: h.host,
          ...(h.port ? { port: h.port } : {}),
          ...(h.user ? { user: h.user } : {}),
          ...(h.identityFile ? { identityFile: resolve(dirname(file), home(h.identityFile)) } : {}),
          ...(jumpNode ? { jump: nodeName(jumpNode.name) } : h.jump.length ? { proxyJump: h.jump.map((j) => ({ alias: j.host, host: j.host, port: j.port ?? 22, user: j.user ?? a.user ?? "root" })) } : {}),
        }),
        via: { ansibleHost: h.name },
      });
    }
    return targets;
  }
  for (const spec of a.hosts) {
    const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(spec);
    if (!m) throw new Error(`${spec}: not [user@]host[:port]`);
    const host = m[2]!.replace(/^\[|\]$/g, "");
    targets.push({ name: nodeName(host), ssh: settings(a, { host, ...(m[1] ? { user: m[1] } : {}), ...(m[3] ? { port: Number(m[3]) } : {}) }) });
  }
  return targets;
}

/** A target named by its address gets the node's own hostname (guests name their host by it). */
function renameByHostname(nodes: Observed[], targets: Target[]): void {
  for (const t of targets) {
    const o = nodes.find((n) => n.name === t.name);
    const hn = o?.basics?.hostname ? nodeName(o.basics.hostname.split(".")[0]!) : undefined;
    if (!o || !hn || t.via || hn === o.name || nodes.some((n) => n.name === hn)) continue;
    for (const n of nodes) {
      if (n.guest?.host === o.name) n.guest.host = hn;
      if ("pct" in n.reach && n.reach.pct.host === o.name) n.reach.pct.host = hn;
      if ("ssh" in n.reach && n.reach.ssh.jump === o.name) n.reach.ssh.jump = hn;
    }
    o.name = hn;
  }
}

/** The draft as a file: header, the inventory with its review comments, the questions. */
export function renderDraft(draft: Draft, stats: { nodes: number; connections: number; roundTrips: number }): string {
  const head = [
    "# yaml-language-server: $schema=./schema.json",
    `# Draft inventory written by \`homelab-conformance discover\` on ${new Date().toISOString()}: ${stats.nodes} nodes,`,
    `# ${stats.connections} SSH connections, ${stats.roundTrips} round trips, nothing written to any node.`,
    "# It declares what was observed, EXCEPT where that contradicts the operations document: there it",
    "# declares what the document expects and says what it saw (# REVIEW ...). A run on this draft fails",
    "# exactly on those lines until the node or the line is changed. Read every line before you trust it.",
    ...(draft.questions.length ? ["#", `# ${draft.questions.length} question(s) for the operator: see the end of this file.`] : []),
    ...(draft.notes.length ? ["#", "# Not discovered:", ...draft.notes.map((n) => `#   - ${n}`)] : []),
    "",
  ];
  const tail = draft.questions.length
    ? ["", "# Questions for the operator (each line above marked REVIEW):", ...draft.questions.map((q, i) => `#  ${i + 1}. ${q.node} ${q.at}: saw ${q.saw}; ${q.section} expects ${q.expects}.`)]
    : ["", "# Questions for the operator: none (nothing observed contradicts the operations document)."];
  return `${head.join("\n")}\n${toYaml(draft.doc, draft.comments)}${tail.join("\n")}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const a = parseArgs(argv);
  if (typeof a === "string") {
    (a === HELP ? console.log : console.error)(a.trimEnd());
    return a === HELP ? 0 : 2;
  }
  let targets: Target[];
  try {
    targets = targetsOf(a);
  } catch (e) {
    console.error(`discover: ${(e as Error).message}`);
    return 2;
  }
  const log = (l: string) => console.error(l);
  const started = performance.now();
  const result = await observe(targets, log);
  renameByHostname(result.nodes, targets);
  if (result.nodes.every((n) => n.error)) {
    console.error(`discover: no host could be read:\n${result.nodes.map((n) => `  ${n.name}: ${n.error}`).join("\n")}`);
    return 3;
  }
  const draft = buildDraft(result.nodes);
  // One key for every node: in defaults.ssh when the command line gave it.
  const key = a.identity ? resolve(home(a.identity)) : undefined;
  // The bound discovery itself used: a run's batch on the storage node holds the SMB matrix, every
  // SnapRAID read and the timers' calendars, and on a busy runner it outgrew the 30 s default
  // (SHARE-001 unread on the lab's draft while CI ran beside it).
  draft.doc.defaults = { ssh: { commandTimeoutMs: 120_000 } };
  if (key) {
    draft.doc.defaults = { ssh: { identityFile: key, commandTimeoutMs: 120_000 } };
    for (const n of draft.doc.nodes) {
      const ssh = n.ssh as Record<string, unknown> | undefined;
      if (ssh?.identityFile === key) delete ssh.identityFile;
    }
  }
  for (const n of draft.doc.nodes) {
    const t = targets.find((x) => x.name === n.name);
    const ssh = n.ssh as Record<string, unknown> | undefined;
    if (t?.via && "configFile" in t.via && ssh) ssh.configFile = (t.via as { configFile: string }).configFile;
  }
  const out = resolve(a.out);
  const text = renderDraft(draft, { nodes: result.nodes.length, connections: result.connections, roundTrips: result.roundTrips });
  try {
    parseInventory(text, out);
  } catch (e) {
    console.error(`discover: the draft is not a valid inventory (a bug of discover):\n${e instanceof InventoryError ? e.message : String(e)}\n\n${text}`);
    return 3;
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`Draft inventory written to ${out} (${result.nodes.length} nodes, ${result.connections} connections, ${result.roundTrips} round trips, ${secs} s).`);
  if (draft.notes.length) console.log(`Not discovered:\n${draft.notes.map((n) => `  - ${n}`).join("\n")}`);
  if (draft.questions.length) {
    console.log(`Questions for the operator (${draft.questions.length}): the draft declares what the operations document expects; a run fails there until you decide:`);
    draft.questions.forEach((q, i) => console.log(`  ${i + 1}. ${q.node} ${q.at}: saw ${q.saw}; ${q.section} expects ${q.expects}`));
  } else console.log("Questions for the operator: none.");
  console.log(`Next: npm run conformance -- --inventory ${a.out}`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    console.error(e);
    process.exit(3);
  });
}
