// §0 "Public Internet: no direct exposure", §5.1 "No public reverse proxy". An outbound tunnel
// client (Cloudflare Tunnel, ngrok, frp, ...) or an SSH remote forward publishes a homelab service
// to the internet with no port-forward on the router and no listener on a public address: it
// dials out, so EXPOSE-004 (listeners) and EXPOSE-007 (router mappings) cannot see it. The node's
// own process table can: each client is known by the name the kernel gives its process
// (helpers/probes/processes.ts), containers' processes included.
import type { TunnelsDecl } from "../../helpers/inventory/sections/tunnels.ts";
import { processesProbe, type NodeProcess } from "../../helpers/probes/processes.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

/**
 * Tunnel clients by process name: `publishes(args)` says whether this invocation publishes a
 * service (undefined args = the command line could not be read: counted as publishing, never
 * passed unseen). Sources: each tool's own usage text.
 */
export const TUNNEL_CLIENTS: Record<string, { what: string; publishes: (args: string[]) => boolean }> = {
  // `cloudflared tunnel run|--url ...` publishes; `cloudflared proxy-dns`, `access` do not.
  cloudflared: { what: "Cloudflare Tunnel", publishes: (a) => a.includes("tunnel") },
  ngrok: { what: "ngrok agent", publishes: () => true },
  frpc: { what: "frp client", publishes: () => true },
  rathole: { what: "rathole", publishes: () => true },
  bore: { what: "bore (`bore local`)", publishes: (a) => a.includes("local") },
  zrok: { what: "zrok share", publishes: (a) => a.includes("share") },
  inlets: { what: "inlets client", publishes: () => true },
  "inlets-pro": { what: "inlets PRO client", publishes: () => true },
  // chisel publishes only reverse remotes (`chisel client SERVER R:...`).
  chisel: { what: "chisel reverse tunnel", publishes: (a) => a.includes("client") && a.some((x) => /^R:/.test(x)) },
  pgrok: { what: "pgrok", publishes: () => true },
  localtonet: { what: "localtonet", publishes: () => true },
  loclx: { what: "LocalXpose", publishes: () => true },
  tunnelto: { what: "tunnelto", publishes: () => true },
  playit: { what: "playit.gg agent", publishes: () => true },
  // ssh -R / RemoteForward: a port on the remote host forwarded back into this node (ssh(1)).
  ssh: { what: "SSH remote forward (ssh -R)", publishes: (a) => sshRemoteForward(a) },
  autossh: { what: "SSH remote forward (autossh -R)", publishes: (a) => sshRemoteForward(a) },
};

// ssh's own option string (OpenSSH ssh.c main(): getopt(ac, av, "1246ab:c:e:fgi:kl:m:no:p:qstvx"
// "AB:CD:E:F:GI:J:KL:MNO:P:Q:R:S:TVw:W:XYy")): flags cluster ("-fNR 8080:..."), a letter followed
// by ":" takes an argument (the rest of the word, or the next word), and option parsing stops at
// the destination (getopt stops at the first non-option; ssh then reads the destination and, on
// BSD getopt, options after it: counted here too, as ssh does).
const SSH_WITH_ARG = new Set("bceilmopBDEFIJLOPQRSWw".split(""));

/** Does this ssh (or autossh) command line ask for a remote forward (-R, -o RemoteForward)? */
export function sshRemoteForward(args: string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    if (w === "--") break;
    if (!w.startsWith("-") || w === "-") continue;
    for (let j = 1; j < w.length; j++) {
      const c = w[j]!;
      if (c === "R") return true;
      if (!SSH_WITH_ARG.has(c)) continue;
      const value = j + 1 < w.length ? w.slice(j + 1) : args[++i] ?? "";
      // ssh_config keywords are case-insensitive, "=" or whitespace separated (ssh_config(5)).
      if (c === "o" && /^\s*remoteforward(\s|=|$)/i.test(value)) return true;
      break;
    }
  }
  return false;
}

/** The node's processes that publish a service through a tunnel. */
export function tunnelsRunning(processes: NodeProcess[]): Array<NodeProcess & { what: string }> {
  return processes.flatMap((p) => {
    const c = TUNNEL_CLIENTS[p.comm];
    if (!c) return [];
    // An unread command line is counted as publishing: a tunnel is never passed unseen.
    // argv[0] is the program as started; a script's interpreter comes first (`/bin/sh /usr/local/bin/frpc -c ...`).
    const args = p.argv === undefined ? undefined : p.argv.slice(p.argv.findIndex((w) => w.split("/").pop() === p.comm) + 1);
    return args === undefined || c.publishes(args) ? [{ ...p, what: c.what }] : [];
  });
}

export function judgeTunnels(processes: NodeProcess[], decl: TunnelsDecl | undefined): Finding[] {
  const allowed = new Set((decl?.allow ?? []).map((a) => a.client));
  return tunnelsRunning(processes)
    .filter((p) => !allowed.has(p.comm))
    .map((p) => ({
      subject: `process ${p.comm} (pid ${p.pid})`,
      expected: "no tunnel client publishing a service to the internet unless declared in tunnels.allow",
      actual: `${p.what} running: ${p.argv === undefined ? "its command line could not be read" : JSON.stringify(p.argv.join(" "))}`,
    }));
}

export default invariant(
  {
    id: "EXPOSE-009",
    title: "No tunnel client publishes a service to the internet",
    must:
      "On every node, no process (containers' included) MUST be an outbound tunnel client that publishes a service to the internet (cloudflared tunnel, ngrok, frpc, rathole, bore local, zrok share, inlets, chisel client R:, pgrok, localtonet, LocalXpose, tunnelto, playit, ssh/autossh -R), known by the name the kernel keeps for the process (/proc/<pid>/comm), unless the node declares that client in `tunnels.allow` with its reason.",
    fix: (f, node) => `on ${node.name}: stop and disable the tunnel (${f.subject}: systemctl disable --now <its unit>, or docker rm -f <its container> and remove it from the compose file), or declare it under tunnels.allow with its reason`,
    section: "§0, §5.1",
    family: "exposure",
    severity: "critical",
  },
  {
    appliesTo: () => true,
    reads: () => ({ processes: processesProbe(Object.keys(TUNNEL_CLIENTS)) }),
    check: ({ node, facts }) => judgeTunnels(facts.processes.processes, node.tunnels),
  },
);
