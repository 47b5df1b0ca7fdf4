// From a validated file to the typed Inventory: built-in defaults, then defaults.ssh, then the
// node's own ssh block; key and known_hosts paths made absolute so they do not depend on the
// directory the suite is started from.
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { SSH_DEFAULTS } from "./schema.ts";
import { SECTIONS } from "./sections/index.ts";
import type { BindScope, Inventory, Layer, NodeDecl, PctSettings, Role, ServiceDecl, SshSettings } from "./types.ts";

/** The file as the schema admits it (before defaults). */
interface RawSsh extends Partial<Omit<SshSettings, "host">> {
  host?: string;
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
    ssh?: RawSsh & { host: string };
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

/** Built-in defaults, then defaults.ssh, then the node's own ssh block. */
function normalizeSsh(own: RawSsh & { host: string }, defaults: RawSsh | undefined, baseDir: string): SshSettings {
  const merged = { ...SSH_DEFAULTS, ...defaults, ...own };
  return {
    host: own.host,
    port: merged.port,
    user: merged.user,
    ...(merged.identityFile !== undefined ? { identityFile: expandPath(merged.identityFile, baseDir) } : {}),
    agent: merged.agent,
    ...(merged.hostKey !== undefined ? { hostKey: merged.hostKey } : {}),
    ...(merged.knownHosts !== undefined ? { knownHosts: expandPath(merged.knownHosts, baseDir) } : {}),
    ...(merged.jump !== undefined ? { jump: merged.jump } : {}),
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
