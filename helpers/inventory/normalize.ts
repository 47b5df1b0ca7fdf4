// From a validated file to the typed Inventory: built-in defaults, then defaults.ssh, then the
// node's own ssh block; key and known_hosts paths made absolute so they do not depend on the
// directory the suite is started from.
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { loadSshConfig, resolveHost, type SshConfig } from "../transport/ssh-config.ts";
import { SSH_DEFAULTS } from "./schema.ts";
import { SECTIONS } from "./sections/index.ts";
import type { BindScope, Inventory, Layer, NodeDecl, PctSettings, Role, ServiceDecl, SshSettings } from "./types.ts";

/** The file as the schema admits it (before defaults). */
interface RawSsh extends Partial<Omit<SshSettings, "host" | "proxyJump">> {
  host?: string;
  configFile?: string;
}
interface RawInventory {
  version: 1;
  defaults?: { ssh?: RawSsh };
  nodes: Array<{
    name: string;
    role: Role;
    layer: Layer;
    description?: string;
    /** Exactly one of ssh and pct (semantic.ts). */
    ssh?: RawSsh;
    pct?: PctSettings;
    services?: Array<{ name: string; port: number | "any"; address?: string; proto?: "tcp" | "udp"; scope: BindScope; process?: string }>;
    prometheus?: { url: string; nodeLabel?: string };
  }>;
}

export function normalizeInventory(data: unknown, file: string): Inventory {
  const raw = data as RawInventory;
  const absFile = resolve(file);
  const baseDir = dirname(absFile);
  const nodes = raw.nodes.map((n): NodeDecl => {
    const ssh = n.ssh ? normalizeSsh(n.ssh, raw.defaults?.ssh, baseDir) : undefined;
    const services = (n.services ?? []).map(
      (s): ServiceDecl => ({
        name: s.name,
        port: s.port,
        ...(s.address !== undefined ? { address: s.address } : {}),
        proto: s.proto ?? "tcp",
        scope: s.scope,
        ...(s.process !== undefined ? { process: s.process } : {}),
      }),
    );
    return {
      name: n.name,
      role: n.role,
      layer: n.layer,
      ...(n.description !== undefined ? { description: n.description } : {}),
      ...(ssh ? { ssh } : {}),
      ...(n.pct ? { pct: { host: n.pct.host, vmid: n.pct.vmid } } : {}),
      services,
      ...(n.prometheus ? { prometheus: { url: n.prometheus.url, nodeLabel: n.prometheus.nodeLabel ?? "node" } } : {}),
      // Sections of the document a node declares (helpers/inventory/sections).
      ...Object.fromEntries(
        SECTIONS.filter((sec) => (n as Record<string, unknown>)[sec.key] !== undefined).map((sec) => [
          sec.key,
          sec.normalize((n as Record<string, unknown>)[sec.key], baseDir),
        ]),
      ),
    };
  });
  return { file: absFile, version: 1, nodes };
}

/** ssh_config files read once per inventory load. */
const configs = new Map<string, SshConfig>();

/**
 * The node's `configHost` entry of ssh_config, as `ssh ALIAS` reads it (helpers/transport/ssh-config.ts):
 * its values stand between defaults.ssh and the node's own keys, like ssh's command line over its file.
 */
function fromSshConfig(own: RawSsh, defaults: RawSsh | undefined, baseDir: string): Partial<SshSettings> {
  if (!own.configHost) return {};
  const file = expandPath(own.configFile ?? defaults?.configFile ?? "~/.ssh/config", baseDir);
  let cfg = configs.get(file);
  if (!cfg) configs.set(file, (cfg = loadSshConfig(file)));
  const r = resolveHost(cfg, own.configHost);
  return {
    host: r.host,
    port: r.port,
    user: r.user,
    ...(r.identityFile ? { identityFile: r.identityFile } : {}),
    ...(r.knownHosts ? { knownHosts: r.knownHosts } : {}),
    ...(r.proxyJump.length ? { proxyJump: r.proxyJump } : {}),
  };
}

/** Built-in defaults, then defaults.ssh, then the node's ssh_config entry, then the node's own ssh block. */
function normalizeSsh(own: RawSsh, defaults: RawSsh | undefined, baseDir: string): SshSettings {
  const fromConfig = fromSshConfig(own, defaults, baseDir);
  const merged = { ...SSH_DEFAULTS, ...defaults, ...fromConfig, ...own };
  // Paths from ssh_config are already absolute (ssh expands them against the home directory).
  const path = (key: "identityFile" | "knownHosts") =>
    own[key] === undefined && fromConfig[key] !== undefined ? fromConfig[key] : merged[key] !== undefined ? expandPath(merged[key]!, baseDir) : undefined;
  const identityFile = path("identityFile");
  const knownHosts = path("knownHosts");
  return {
    host: (own.host ?? fromConfig.host)!,
    port: merged.port,
    user: merged.user,
    ...(identityFile !== undefined ? { identityFile } : {}),
    agent: merged.agent,
    ...(merged.hostKey !== undefined ? { hostKey: merged.hostKey } : {}),
    ...(knownHosts !== undefined ? { knownHosts } : {}),
    ...(merged.jump !== undefined ? { jump: merged.jump } : {}),
    ...(own.jump === undefined && fromConfig.proxyJump ? { proxyJump: fromConfig.proxyJump } : {}),
    ...(own.configHost !== undefined ? { configHost: own.configHost } : {}),
    connectTimeoutMs: merged.connectTimeoutMs,
    commandTimeoutMs: merged.commandTimeoutMs,
    maxChannels: merged.maxChannels,
    // HLC_ACCEPT_NEW_HOSTKEYS=1 opts the whole run in to trust on first use.
    acceptNewHostKeys: merged.acceptNewHostKeys || process.env.HLC_ACCEPT_NEW_HOSTKEYS === "1",
    sudo: merged.sudo,
  };
}

/** `~` and `~/x` are the home directory (as in ssh_config); other relative paths are relative
 * to the inventory file, not to the working directory. */
export function expandPath(path: string, baseDir: string): string {
  if (path === "~") return homedir();
  if (path.startsWith("~/")) return join(homedir(), path.slice(2));
  return resolve(baseDir, path);
}
