// The JSON Schema of an inventory file. One object serves three readers: ajv (validation in
// load.ts), editors (inventory/schema.json via the yaml-language-server modeline, which is why
// every property carries a description), and the error messages (patternErrorMessage and
// enumDescriptions are VS Code / yaml-language-server annotations that validate.ts reuses, so the
// editor and the suite say the same thing).
import { SECTIONS } from "./sections/index.ts";
import type { BindScope, Layer, Role } from "./types.ts";

export const ROLES = ["hypervisor", "storage", "compute", "monitoring", "service"] as const satisfies readonly Role[];
export const SCOPES = ["loopback", "lan", "tailnet"] as const satisfies readonly BindScope[];
export const PROTOS = ["tcp", "udp"] as const;
export const LAYERS = [0, 1, 2, 3, 4] as const satisfies readonly Layer[];
/** §3.1 dependency layers (boot order). */
export const LAYER_NAMES = ["hypervisor", "storage", "compute", "services", "validation"] as const;
export const HOST_KEY_TYPES = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "ssh-rsa",
] as const;

/** Built-in SSH settings, applied under `defaults.ssh` and then each node's `ssh`. */
export const SSH_DEFAULTS = {
  port: 22,
  user: "root",
  connectTimeoutMs: 10_000,
  commandTimeoutMs: 30_000,
  maxChannels: 4,
  acceptNewHostKeys: false,
  sudo: false,
  agent: false,
} as const;

export const NODE_NAME_PATTERN = "^[a-z0-9][a-z0-9-]*$";
const NODE_NAME_MESSAGE = "a lowercase name of letters, digits and '-' (e.g. vm102)";
const HOST_KEY_PATTERN = `^(${HOST_KEY_TYPES.join("|")}) [A-Za-z0-9+/]+={0,2}( .*)?$`;

const port = (description: string) => ({
  type: "integer",
  minimum: 1,
  maximum: 65535,
  description,
});

/** SSH settings allowed both in `defaults.ssh` and in a node's `ssh`. */
const sharedSshProperties = {
  port: { ...port("SSH port of the node."), default: SSH_DEFAULTS.port },
  user: {
    type: "string",
    pattern: "^[^\\s@]+$",
    patternErrorMessage: "a login name without spaces or '@'",
    description: "Login user. A non-root user needs `sudo: true` and passwordless sudo for the probes.",
    default: SSH_DEFAULTS.user,
  },
  identityFile: {
    type: "string",
    minLength: 1,
    description:
      "Private key file. A leading `~` is the home directory; a relative path is relative to this inventory file. Required unless `agent: true`.",
  },
  agent: {
    type: "boolean",
    description: "Authenticate with the SSH agent at $SSH_AUTH_SOCK (instead of, or as well as, identityFile).",
    default: SSH_DEFAULTS.agent,
  },
  knownHosts: {
    type: "string",
    minLength: 1,
    description:
      "known_hosts file consulted when the node has no pinned hostKey. `~` and relative paths are expanded like identityFile.",
  },
  connectTimeoutMs: {
    type: "integer",
    minimum: 1,
    maximum: 600_000,
    description: "Give up on the TCP connection and SSH handshake after this many milliseconds.",
    default: SSH_DEFAULTS.connectTimeoutMs,
  },
  commandTimeoutMs: {
    type: "integer",
    minimum: 1,
    maximum: 3_600_000,
    description: "Kill a single probe command after this many milliseconds.",
    default: SSH_DEFAULTS.commandTimeoutMs,
  },
  maxChannels: {
    type: "integer",
    minimum: 1,
    maximum: 8,
    description:
      "Parallel channels on the one SSH connection. At most 8: sshd's MaxSessions is 10 and closed channels are released late.",
    default: SSH_DEFAULTS.maxChannels,
  },
  acceptNewHostKeys: {
    type: "boolean",
    description:
      "Trust on first use: accept and record an unknown host key in knownHosts. A changed key is always refused.",
    default: SSH_DEFAULTS.acceptNewHostKeys,
  },
  sudo: {
    type: "boolean",
    description: "Run probes through `sudo -n` (for a non-root login user).",
    default: SSH_DEFAULTS.sudo,
  },
  configFile: {
    type: "string",
    minLength: 1,
    description:
      "OpenSSH client config read for `configHost` (default ~/.ssh/config). `~` and relative paths are expanded like identityFile.",
  },
};

const nodeSsh = {
  type: "object",
  additionalProperties: false,
  // `host`, unless the node takes it from an ssh_config Host entry.
  if: { properties: { configHost: true }, required: ["configHost"] },
  else: { properties: { host: true }, required: ["host"] },
  description:
    "How to reach the node. Unset settings come from the node's ssh_config Host entry (configHost), then defaults.ssh, then the built-in defaults.",
  properties: {
    host: {
      type: "string",
      minLength: 1,
      pattern: "^[^\\s@]+$",
      patternErrorMessage: "an address or DNS name without spaces or '@' (put the login name in user)",
      description: "Address or DNS name of the node, as seen from this machine or from the jump node.",
    },
    ...sharedSshProperties,
    hostKey: {
      type: "string",
      pattern: HOST_KEY_PATTERN,
      patternErrorMessage: `'<type> <base64>' as in a .pub file, with type one of ${HOST_KEY_TYPES.join(", ")}`,
      description:
        "Pinned host key, `ssh-ed25519 AAAA...` as in /etc/ssh/ssh_host_*_key.pub (`ssh-keyscan -t ed25519 HOST`). Wins over knownHosts.",
    },
    jump: {
      type: "string",
      pattern: NODE_NAME_PATTERN,
      patternErrorMessage: NODE_NAME_MESSAGE,
      description: "Name of another node in this inventory to hop through (like ssh -J), e.g. the Proxmox host.",
    },
    configHost: {
      type: "string",
      minLength: 1,
      pattern: "^[^\\s*?!]+$",
      patternErrorMessage: "one Host alias of your ssh_config, without spaces or wildcards",
      description:
        "Reach the node as `ssh ALIAS` would: HostName, User, Port, IdentityFile, UserKnownHostsFile and ProxyJump come from this Host entry of the ssh_config (configFile), first obtained value first as ssh_config(5) says. Keys set here in ssh win over it.",
    },
  },
};

const service = {
  type: "object",
  additionalProperties: false,
  required: ["name", "port", "scope"],
  description: "A listening socket the node must have, and where it may be reached from.",
  properties: {
    name: {
      type: "string",
      pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$",
      patternErrorMessage: "a name of letters, digits, '.', '_' and '-' (e.g. node-exporter)",
      description: "Name of the service, unique within the node; used in reports.",
    },
    port: {
      // Not anyOf: one schema keeps the message about the number when the number is wrong.
      ...port(
        "Port the service listens on, or `any` for a listener whose port changes (e.g. Docker's embedded DNS at 127.0.0.11); `any` needs `address`.",
      ),
      type: ["integer", "string"],
      pattern: "^any$",
      patternErrorMessage: "an integer from 1 to 65535, or `any`",
    },
    address: {
      type: "string",
      minLength: 1,
      description: "Bind address the socket must have, when it is fixed (e.g. 127.0.0.53 for systemd-resolved's stub).",
    },
    proto: {
      type: "string",
      enum: [...PROTOS],
      description: "Transport protocol of the socket.",
      default: "tcp",
    },
    scope: {
      type: "string",
      enum: [...SCOPES],
      enumDescriptions: [
        "bound to 127.0.0.1/::1 only (§5.1: internal services bind to loopback)",
        "reachable from the home LAN",
        "reachable through the Tailscale overlay (§5.2)",
      ],
      description: "Where the service may be reached from (§1 exposure model). Binding wider than this is drift.",
    },
    process: {
      type: "string",
      minLength: 1,
      maxLength: 15,
      description:
        "Process name as `ss -p` shows it (the kernel truncates it to 15 characters, e.g. prometheus-node). When set, the socket must belong to it.",
    },
  },
};

const node = {
  type: "object",
  additionalProperties: false,
  // `ssh` or `pct`, exactly one: checked in semantic.ts, where the message can say so.
  required: ["name", "role", "layer"],
  description: "A host, VM or LXC of the homelab. It is reached over `ssh`, or (an LXC without sshd) through `pct` on its Proxmox host.",
  properties: {
    name: {
      type: "string",
      pattern: NODE_NAME_PATTERN,
      patternErrorMessage: NODE_NAME_MESSAGE,
      description: "Unique name of the node, e.g. pve, vm102, lxc210. Other nodes refer to it in ssh.jump.",
    },
    role: {
      type: "string",
      enum: [...ROLES],
      enumDescriptions: [
        "the Proxmox host",
        "the storage VM (SnapRAID + MergerFS + Samba)",
        "the GPU/compute VM (Docker media services)",
        "the monitoring LXC (Prometheus + Grafana)",
        "a service LXC (Nextcloud, Calibre-Web, Vaultwarden, ...)",
      ],
      description: "What the node is for; decides which sections of the operations document apply to it.",
    },
    layer: {
      type: "integer",
      enum: [...LAYERS],
      enumDescriptions: [...LAYER_NAMES],
      description: "Boot-order layer (§3.1): 0 hypervisor, 1 storage, 2 compute, 3 services, 4 validation.",
    },
    description: { type: "string", description: "Free text shown in reports." },
    ssh: nodeSsh,
    pct: {
      type: "object",
      additionalProperties: false,
      required: ["host", "vmid"],
      description:
        "Instead of ssh: reach this LXC through its Proxmox host with `pct exec VMID -- /bin/sh -c '…'`, over the host's own SSH connection (as an operator reaches a container without sshd).",
      properties: {
        host: {
          type: "string",
          pattern: NODE_NAME_PATTERN,
          patternErrorMessage: NODE_NAME_MESSAGE,
          description: "The node with role hypervisor that runs this container; it must be reached over ssh.",
        },
        vmid: {
          type: "integer",
          minimum: 100,
          maximum: 999_999_999,
          description: "The container's VMID on that host (as in `pct list`).",
        },
      },
    },
    services: {
      type: "array",
      items: service,
      description:
        "Every listening socket of the node (default: none): services and system listeners (sshd, node-exporter, the resolver stub) alike. A socket not declared here is a surprise listener.",
      default: [],
    },
    ...Object.fromEntries(SECTIONS.map((sec) => [sec.key, sec.schema])),
    prometheus: {
      type: "object",
      additionalProperties: false,
      required: ["url"],
      description: "This node runs the Prometheus that monitors the homelab (§1, §3.1 layer 4).",
      properties: {
        url: {
          type: "string",
          pattern: "^https?://",
          patternErrorMessage: "an http(s) URL as reachable on the node itself, e.g. http://127.0.0.1:9090",
          description: "Prometheus as reached from the node itself (it binds to loopback), e.g. http://127.0.0.1:9090.",
        },
        nodeLabel: {
          type: "string",
          minLength: 1,
          description: "Target label holding the inventory node name (default: node).",
          default: "node",
        },
      },
    },
  },
};

export const inventorySchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "homelab-conformance inventory",
  description: "The nodes of the homelab and how to reach them, as the operations document describes them.",
  type: "object",
  additionalProperties: false,
  required: ["version", "nodes"],
  properties: {
    version: { const: 1, description: "Format version of this file; must be 1." },
    defaults: {
      type: "object",
      additionalProperties: false,
      description: "Settings merged under every node.",
      properties: {
        ssh: {
          type: "object",
          additionalProperties: false,
          description: "SSH settings merged under every node's ssh block (the node's own settings win).",
          properties: sharedSshProperties,
        },
      },
    },
    nodes: {
      type: "array",
      minItems: 1,
      items: node,
      description: "The hosts, VMs and LXCs to check.",
    },
  },
} as const;

/** The committed inventory/schema.json: pretty, 2-space, trailing newline. */
export function renderSchemaJson(): string {
  return `${JSON.stringify(inventorySchema, null, 2)}\n`;
}
