// From what discover observed to a draft inventory, reviewed against the operations document:
// where the observed state contradicts what the document expects, the draft declares what the
// document expects, comments the line with what was seen and the section it breaks, and lists
// it as a question for the operator. So a run on the unedited draft fails exactly there.
import { isTailnetAddress } from "../probes/addresses.ts";
import { mountDefinition, option } from "../probes/network-mounts.ts";
import { isYes, shareParam } from "../probes/samba-config.ts";
import { isLoopback, type ListeningSocket } from "../probes/sockets.ts";
import { effectiveIdmap, toHost } from "../probes/proxmox-idmap.ts";
import { isNetworkMount, type Observed } from "./observe.ts";

export interface Question {
  node: string;
  /** Where in the draft (e.g. `services[prometheus].scope`). */
  at: string;
  saw: string;
  expects: string;
  section: string;
}

export interface Draft {
  /** The inventory document (plain data, dumped as YAML). */
  doc: { version: 1; defaults?: unknown; nodes: Array<Record<string, unknown>> };
  /** Comments by path of the value they follow (`nodes.2.services.1.scope`). */
  comments: Map<string, string>;
  questions: Question[];
  /** What could not be discovered, and why. */
  notes: string[];
}

/** The document's loopback services (§1 Exposure Model on the monitoring node; §5.1 internal services). */
const LOOPBACK_SERVICES: Array<{ name: string; port: number; section: string; onRole?: string }> = [
  { name: "prometheus", port: 9090, section: "§1 Exposure Model (Prometheus: 127.0.0.1:9090)" },
  { name: "grafana", port: 3000, section: "§1 Exposure Model (Grafana: 127.0.0.1:3000)" },
  { name: "node-exporter", port: 9100, section: "§1 Exposure Model (Node Exporter: 127.0.0.1:9100)", onRole: "monitoring" },
  { name: "mariadb", port: 3306, section: "§5.1 Internal services bind to loopback" },
  { name: "redis", port: 6379, section: "§5.1 Internal services bind to loopback" },
  { name: "postgres", port: 5432, section: "§5.1 Internal services bind to loopback" },
];

/** §5.3: "RO shares for consumers: Jellyfin, Audiobookshelf, Calibre-Web"; RW only Nextcloud, Vaultwarden. */
const RO_IDENTITIES = /^(jellyfin|audiobookshelf|abs|calibre|calibre-web)$/i;

const KNOWN_PORTS: Record<number, string> = { 22: "sshd", 445: "samba", 139: "netbios", 9100: "node-exporter", 9090: "prometheus", 3000: "grafana", 3306: "mariadb", 6379: "redis", 5432: "postgres", 443: "https", 80: "http" };

const LAYER_OF_ROLE = { hypervisor: 0, storage: 1, compute: 2, monitoring: 3, service: 3 } as const;
type Role = keyof typeof LAYER_OF_ROLE;

function roleOf(o: Observed): Role {
  if (o.hypervisor) return "hypervisor";
  if (o.samba || o.snapraid) return "storage";
  if (o.prometheus) return "monitoring";
  if (o.guest?.type === "qemu" && (o.containers?.length || o.networkMounts)) return "compute";
  return "service";
}

export function buildDraft(observed: Observed[]): Draft {
  const comments = new Map<string, string>();
  const questions: Question[] = [];
  const notes: string[] = [];
  const ask = (q: Question, path: string) => {
    questions.push(q);
    comments.set(path, `REVIEW: saw ${q.saw}; ${q.section} expects ${q.expects}`);
  };
  const reachable = observed.filter((o) => !o.error);
  const roles = new Map(observed.map((o) => [o.name, roleOf(o)]));
  // Nodes in layer order, then VMID: the order the document boots them (and EXPOSE-005's ring).
  const ordered = [...observed].sort((a, b) => LAYER_OF_ROLE[roles.get(a.name)!] - LAYER_OF_ROLE[roles.get(b.name)!] || (a.guest?.vmid ?? 0) - (b.guest?.vmid ?? 0));
  const storage = reachable.find((o) => o.samba);
  // Samba identities, and what each may do on each share (effective config).
  const smbUsers = new Set<string>();
  const access = new Map<string, { ro: string[]; rw: string[]; readOnly: boolean }>();
  if (storage?.samba) {
    const cfg = storage.samba.config;
    for (const s of cfg.shares) {
      if (/^(homes|printers|print\$)$/.test(s.name)) continue;
      const p = (k: string) => shareParam(cfg, s.name, k) ?? "";
      const list = (k: string) => p(k).split(/[\s,]+/).filter(Boolean).filter((u) => !u.startsWith("@") && !u.startsWith("+"));
      const valid = list("valid users");
      const readList = new Set(list("read list"));
      const writeList = new Set(list("write list"));
      const readOnly = isYes(p("read only"));
      const ro: string[] = [];
      const rw: string[] = [];
      for (const u of [...new Set([...valid, ...writeList])]) {
        smbUsers.add(u);
        const writes = writeList.has(u) || (!readOnly && !readList.has(u));
        (writes ? rw : ro).push(u);
      }
      access.set(s.name, { ro, rw, readOnly });
    }
  }

  const nodesOut: Array<Record<string, unknown>> = [];
  ordered.forEach((o, i) => {
    const base = `nodes.${i}`;
    const role = roles.get(o.name)!;
    const node: Record<string, unknown> = { name: o.name, role, layer: LAYER_OF_ROLE[role] };
    if (o.guest) comments.set(`${base}.layer`, `${o.guest.type === "qemu" ? "VM" : "CT"} ${o.guest.vmid}; §3.1 layer of a ${role} node`);
    // How to reach it.
    if ("pct" in o.reach) node.pct = o.reach.pct;
    else {
      const s = o.reach.ssh;
      const ssh: Record<string, unknown> = o.via?.configHost ? { configHost: o.via.configHost } : { host: s.host, ...(s.port !== 22 ? { port: s.port } : {}), ...(s.user !== "root" ? { user: s.user } : {}) };
      if (!o.via?.configHost) {
        if (s.jump) ssh.jump = s.jump;
        if (s.identityFile && !o.guest) ssh.identityFile = s.identityFile;
        if (s.hostKey) ssh.hostKey = s.hostKey;
        if (s.knownHosts && !s.hostKey) ssh.knownHosts = s.knownHosts;
      }
      node.ssh = ssh;
      if (o.reach.hostKeySeen === "first-use" && s.hostKey) comments.set(`${base}.ssh.hostKey`, "first seen at discovery through the jump host (trust on first use): verify it out of band");
      if (o.reach.hostKeySeen === "pct") comments.set(`${base}.ssh.hostKey`, "read inside the container with pct exec on its host");
    }
    if (o.error) {
      node.services = [];
      comments.set(`${base}.name`, `NOT READ: ${o.error}; declare its services by hand`);
      notes.push(`${o.name}: not read (${o.error})`);
      if (o.guest) node.proxmox = { vmid: o.guest.vmid, type: o.guest.type };
      nodesOut.push(node);
      return;
    }
    // Listeners, with the scope each has now, reviewed against §1/§5.1.
    node.services = services(o, role, `${base}.services`, comments, ask);
    if (o.prometheus) node.prometheus = { url: o.prometheus.url };
    if (o.guest) node.proxmox = { vmid: o.guest.vmid, type: o.guest.type };
    if (o.hypervisor) node.proxmox = { guests: guestsOf(o, observed, roles, `${base}.proxmox.guests`, comments, ask) };
    // Storage.
    const storageDecl: Record<string, unknown> = {};
    if (o.snapraid) {
      const protect = (o.mergerfs ? topDirs(o) : []).filter(Boolean);
      storageDecl.snapraid = {
        config: o.basics?.snapraidConf ?? "/etc/snapraid.conf",
        maxSyncAgeDays: 7,
        maxScrubAgeDays: 45,
        maxUnscrubbedPercent: 20,
        maxUnsynced: { added: 50, updated: 50, removed: 0 },
        ...(protect.length ? { protect } : {}),
        ...scheduleOf(o),
      };
      comments.set(`${base}.storage.snapraid.maxSyncAgeDays`, "policy, not observed: the suite's defaults for §2.1/§6; tighten to your schedule");
    }
    if (o.mergerfs) storageDecl.mergerfs = { mountpoint: o.mergerfs.mountpoint, branches: o.mergerfs.branches.map((b) => b.path) };
    if (Object.keys(storageDecl).length) node.storage = storageDecl;
    if (o === storage && storage.samba) node.shares = sharesOf(storage, access, `${base}.shares`, comments, ask);
    const mounts = mountsOf(o, access, `${base}.mounts`, comments, ask);
    if (mounts.length) node.mounts = mounts;
    const cs = containersOf(o, `${base}.containers`, comments, ask);
    if (cs.length) node.containers = cs;
    const backups = backupsOf(o);
    if (backups) node.backups = backups;
    const ids = identitiesOf(o);
    if (ids.length) node.identities = ids;
    nodesOut.push(node);
  });
  for (const o of reachable) for (const u of o.unread) notes.push(`${o.name}: ${u}`);
  if (storage?.samba) notes.push(`${storage.name}: SMB passwords are never read: each identity's password points to an environment variable HLC_SMB_PASSWORD_<NAME> (or write a file path)`);
  notes.push("restic off-site targets are not discovered (the repository and its password live in the backup job's environment): declare backups.restic by hand");
  notes.push("SMART devices are not discovered (storage.smart): declare the disks smartctl should ask");
  return { doc: { version: 1, nodes: nodesOut }, comments, questions, notes };
}

function serviceName(o: Observed, s: ListeningSocket): string {
  const published = o.containers?.find((c) => c.ports.some((p) => p.hostPort === s.port));
  if (published) return published.name;
  if (KNOWN_PORTS[s.port]) return KNOWN_PORTS[s.port]!;
  const p = s.processes[0]?.name;
  if (p) return p.replace(/[^A-Za-z0-9._-]/g, "-");
  return `port-${s.port}`;
}

function services(o: Observed, role: Role, path: string, comments: Map<string, string>, ask: (q: Question, path: string) => void): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const groups = new Map<string, ListeningSocket[]>();
  for (const s of o.sockets ?? []) {
    // Docker's embedded DNS (127.0.0.11, a port that changes with every start).
    const key = s.address === "127.0.0.11" ? `${s.proto}/dns` : `${s.proto}/${s.port}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(s);
  }
  const names = new Set<string>();
  const unique = (n: string) => {
    let name = n;
    for (let k = 2; names.has(name); k++) name = `${n}-${k}`;
    names.add(name);
    return name;
  };
  for (const [key, socks] of groups) {
    const s = socks[0]!;
    const j = out.length;
    if (key.endsWith("/dns")) {
      out.push({ name: unique(s.proto === "udp" ? "docker-dns-udp" : "docker-dns"), address: "127.0.0.11", port: "any", ...(s.proto === "udp" ? { proto: "udp" } : {}), scope: "loopback" });
      comments.set(`${path}.${j}.name`, "Docker's embedded DNS: its port changes with every start");
      continue;
    }
    const observedScope = socks.every((x) => isLoopback(x.address)) ? "loopback" : socks.every((x) => isTailnetAddress(x.address)) ? "tailnet" : "lan";
    const name = unique(serviceName(o, s));
    const procs = [...new Set(socks.flatMap((x) => x.processes.map((p) => p.name)))];
    const decl: Record<string, unknown> = { name, port: s.port, ...(s.proto === "udp" ? { proto: "udp" } : {}), scope: observedScope };
    if (procs.length === 1) decl.process = procs[0];
    const rule = LOOPBACK_SERVICES.find((r) => r.port === s.port && s.proto === "tcp" && (!r.onRole || r.onRole === role));
    if (rule && observedScope !== "loopback") {
      decl.scope = "loopback";
      const where = socks.map((x) => `${x.wildcard ? (x.family === 6 ? (x.dualStack ? "*" : "[::]") : "0.0.0.0") : x.address}:${x.port}`).join(", ");
      ask({ node: o.name, at: `services[${name}].scope`, saw: `${rule.name} listening on ${where} (${observedScope})`, expects: "loopback (127.0.0.1)", section: rule.section }, `${path}.${j}.scope`);
    }
    out.push(decl);
  }
  return out;
}

function scheduleOf(o: Observed): Record<string, unknown> {
  const sync = o.snapraidTimers.find((t) => /sync/.test(t));
  const scrub = o.snapraidTimers.find((t) => /scrub/.test(t));
  if (!sync && !scrub) return {};
  return { schedule: { ...(sync ? { sync: { timer: sync, maxInterval: "26h" } } : {}), ...(scrub ? { scrub: { timer: scrub, maxInterval: "8d" } } : {}) } };
}

/** The pool's top-level folders that shares export: what must have parity (DATA-015). */
function topDirs(o: Observed): string[] {
  const mp = o.mergerfs!.mountpoint.replace(/\/+$/, "");
  const cfg = o.samba?.config;
  if (!cfg) return [];
  return cfg.shares.map((s) => shareParam(cfg, s.name, "path") ?? "").filter((p) => p.startsWith(`${mp}/`)).map((p) => p.slice(mp.length + 1).split("/")[0]!);
}

function guestsOf(o: Observed, all: Observed[], roles: Map<string, Role>, path: string, comments: Map<string, string>, ask: (q: Question, path: string) => void): Array<Record<string, unknown>> {
  const hv = o.hypervisor!;
  const out: Array<Record<string, unknown>> = [];
  const byVmid = new Map(all.filter((g) => g.guest?.host === o.name).map((g) => [g.guest!.vmid, g]));
  // Boot order: the layer each guest's `startup: order=` puts it in, ranked.
  const orders = [...new Set(hv.configs.map((c) => c.startup?.order).filter((x): x is number => x !== undefined))].sort((a, b) => a - b);
  hv.configs.forEach((c, j) => {
    const g = byVmid.get(c.vmid);
    const name = g?.name ?? c.name ?? `${c.type}${c.vmid}`;
    const role = roles.get(name) ?? (c.type === "lxc" ? "service" : "compute");
    const layer = LAYER_OF_ROLE[role];
    const decl: Record<string, unknown> = { vmid: c.vmid, type: c.type, name, layer };
    if (c.type === "lxc") decl.unprivileged = c.unprivileged;
    const rank = c.startup?.order !== undefined ? orders.indexOf(c.startup.order) + 1 : undefined;
    // §3.1: a guest must boot after every guest of a lower layer.
    const earlier = hv.configs.filter((x) => x !== c && x.startup?.order !== undefined && c.startup?.order !== undefined);
    const wrong = earlier.find((x) => {
      const xl = LAYER_OF_ROLE[roles.get(byVmid.get(x.vmid)?.name ?? x.name ?? "") ?? (x.type === "lxc" ? "service" : "compute")];
      return xl < layer && (x.startup!.order! > c.startup!.order! || (x.startup!.order === c.startup!.order && x.vmid > c.vmid));
    });
    if (wrong) {
      ask({ node: o.name, at: `proxmox.guests[${c.vmid}].layer`, saw: `${name} (${role}) has startup ${c.startupRaw}, starting before or with ${byVmid.get(wrong.vmid)?.name ?? wrong.vmid} (startup ${wrong.startupRaw})`, expects: `layer ${layer} after layer ${layer - 1}`, section: "§3.1 Dependency Layers (Boot Order)" }, `${path}.${j}.layer`);
    } else if (rank !== undefined) comments.set(`${path}.${j}.layer`, `startup ${c.startupRaw} (boot rank ${rank})`);
    if (!c.onboot) ask({ node: o.name, at: `proxmox.guests[${c.vmid}]`, saw: `${name} has onboot: 0`, expects: "every guest starts on boot (onboot: 1)", section: "§3.3 Operational Invariant" }, `${path}.${j}.vmid`);
    // §4.4/§5.3: an unprivileged CT with a host bind mount must map the identity owning it straight through.
    const ids = c.type === "lxc" && c.unprivileged ? passThrough(c, g, hv.subids) : [];
    if (ids.length) {
      decl.identities = ids.map((x) => ({ name: x.name, uid: x.uid, gid: x.gid, hostUid: x.uid, hostGid: x.gid }));
      const map = effectiveIdmap(c);
      ids.forEach((x, k) => {
        const hu = toHost(map, "u", x.uid)?.host;
        const hg = toHost(map, "g", x.gid)?.host;
        if (hu !== x.uid || hg !== x.gid) {
          ask({ node: o.name, at: `proxmox.guests[${c.vmid}].identities[${x.name}]`, saw: `${name}'s idmap maps ${x.name} ${x.uid}:${x.gid} to host ${hu ?? "nothing"}:${hg ?? "nothing"}`, expects: `${x.uid}:${x.gid} mapped straight through (the host delegates it in /etc/subuid and /etc/subgid for the bind mount)`, section: "§4.4 CIFS Mount Failure (UID/GID mapping of unprivileged LXCs), §5.3 consistent UID/GID" }, `${path}.${j}.identities.${k}.hostUid`);
        }
      });
    }
    out.push(decl);
  });
  return out;
}

/**
 * Identities of a CT that the host delegates one by one (`root:1001:1` in /etc/subuid and
 * /etc/subgid: a range outside the default block, there only to be mapped through) and that the
 * CT has as an account, when the CT bind-mounts host data (mpN with a host path).
 */
function passThrough(c: NonNullable<Observed["hypervisor"]>["configs"][number], g: Observed | undefined, subids: NonNullable<Observed["hypervisor"]>["subids"]): Array<{ name: string; uid: number; gid: number }> {
  const bind = Object.entries(c.options).some(([k, v]) => /^mp\d+$/.test(k) && v.startsWith("/"));
  if (!bind || !g?.accounts || !subids) return [];
  const single = (f: typeof subids.subuid) => new Set(f.ranges.filter((r) => (r.owner === "root" || r.owner === "0") && r.count < 65536).flatMap((r) => Array.from({ length: Math.min(r.count, 64) }, (_, i) => r.start + i)));
  const us = single(subids.subuid);
  const gs = single(subids.subgid);
  return g.accounts.users.filter((u) => us.has(u.uid) && gs.has(u.gid)).map((u) => ({ name: u.name, uid: u.uid, gid: u.gid }));
}

function sharesOf(o: Observed, access: Map<string, { ro: string[]; rw: string[]; readOnly: boolean }>, path: string, comments: Map<string, string>, ask: (q: Question, path: string) => void): Record<string, unknown> {
  const cfg = o.samba!.config;
  const exports: Array<Record<string, unknown>> = [];
  const identities = new Set<string>();
  for (const s of cfg.shares) {
    const a = access.get(s.name);
    if (!a) continue;
    const p = (k: string) => shareParam(cfg, s.name, k);
    const ro = [...a.ro];
    const rw: string[] = [];
    const j = exports.length;
    for (const u of a.rw) {
      // §5.3: the document's read-only consumers never get write access.
      if (RO_IDENTITIES.test(u)) {
        ro.push(u);
        ask({ node: o.name, at: `shares.exports[${s.name}].rw`, saw: `identity ${u} may write to share ${s.name}`, expects: `${u} read-only (ro)`, section: "§5.3 Least Privilege (RO shares for consumers: Jellyfin, Audiobookshelf, Calibre-Web)" }, `${path}.exports.${j}.ro`);
      } else rw.push(u);
    }
    ro.forEach((u) => identities.add(u));
    rw.forEach((u) => identities.add(u));
    const forceUser = p("force user");
    const forceGroup = p("force group");
    exports.push({
      name: s.name,
      path: p("path") ?? "",
      readOnly: a.readOnly,
      ...(ro.length ? { ro } : {}),
      ...(rw.length ? { rw } : {}),
      ...(forceUser ? { forceUser } : {}),
      ...(forceGroup ? { forceGroup } : {}),
    });
  }
  const ids = [...identities].map((name) => ({ name, password: { env: `HLC_SMB_PASSWORD_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}` } }));
  if (ids.length) comments.set(`${path}.identities`, "passwords are never read from the node: set these variables (or use { file: PATH })");
  return { identities: ids, exports };
}

function mountsOf(o: Observed, access: Map<string, { ro: string[]; rw: string[]; readOnly: boolean }>, path: string, comments: Map<string, string>, ask: (q: Question, path: string) => void): Array<Record<string, unknown>> {
  const nm = o.networkMounts;
  if (!nm) return [];
  const out: Array<Record<string, unknown>> = [];
  for (const e of o.fstab.filter(isNetworkMount)) {
    const d = mountDefinition(nm, e.target);
    if (!d) continue;
    const j = out.length;
    const cred = d.credentials ? nm.credentials[d.credentials] : undefined;
    const identity = cred?.usernames[0] ?? d.inlineUser;
    const share = /^\/\/[^/]+\/([^/]+)/.exec(d.source)?.[1];
    const a = share ? access.get(share) : undefined;
    const writes = option(d.options, "rw") !== undefined || option(d.options, "ro") === undefined;
    const decl: Record<string, unknown> = { path: e.target, source: d.source, ...(identity ? { identity } : {}), access: writes ? "rw" : "ro", ...(d.credentials ? { credentials: d.credentials } : {}) };
    const roIdentity = identity !== undefined && ((a && a.ro.includes(identity) && !a.rw.includes(identity)) || RO_IDENTITIES.test(identity));
    if (writes && roIdentity) {
      decl.access = "ro";
      ask({ node: o.name, at: `mounts[${e.target}].access`, saw: `${e.target} mounted read-write (options ${d.options.join(",")}) by ${identity}, a read-only identity of share ${share}`, expects: "ro", section: "§3.2 Mount Strategy (services mount RO where possible), §5.3 Least Privilege" }, `${path}.${j}.access`);
    }
    const num = (v: string | true | undefined) => (typeof v === "string" ? (/^\d+$/.test(v) ? Number(v) : v) : undefined);
    const uid = num(option(d.options, "uid"));
    const gid = num(option(d.options, "gid"));
    if (uid !== undefined) decl.uid = uid;
    if (gid !== undefined) decl.gid = gid;
    const fm = option(d.options, "file_mode");
    const dm = option(d.options, "dir_mode");
    if (typeof fm === "string") decl.fileMode = fm;
    if (typeof dm === "string") decl.dirMode = dm;
    if (!identity) comments.set(`${path}.${j}.path`, "no credentials file or username= found: declare the SMB identity");
    out.push(decl);
  }
  return out;
}

function containersOf(o: Observed, path: string, comments: Map<string, string>, ask: (q: Question, path: string) => void): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const netPaths = o.fstab.filter(isNetworkMount).map((e) => e.target);
  for (const c of o.containers ?? []) {
    const j = out.length;
    const decl: Record<string, unknown> = { name: c.name };
    if (c.restartPolicy !== "unless-stopped") {
      ask({ node: o.name, at: `containers[${c.name}].restart`, saw: `${c.name} has restart policy ${c.restartPolicy}`, expects: "unless-stopped", section: "§3.1 Layer 3 (restart: unless-stopped)" }, `${path}.${j}.name`);
    }
    if (c.health === undefined) {
      decl.healthcheck = false;
      comments.set(`${path}.${j}.healthcheck`, "no health check seen (§1 key metrics: healthchecks): add one, then remove this line");
    }
    const u = o.containerUsers?.find((x) => x.name === c.name);
    const user = u?.configUser || (u?.puid ? `${u.puid}${u.pgid ? `:${u.pgid}` : ""}` : "");
    if (user) decl.user = u?.configUser === user && /^\d+(:\d+)?$/.test(user) ? user : nameUser(o, user);
    // A bind of the network mount (or of a folder in it), or of a parent folder that carries it
    // (`-v /mnt:/mnt:rslave`): the container path it shows up at.
    const dataPaths = c.mounts.flatMap((m) => {
      const src = m.source.replace(/\/+$/, "") || "/";
      const inside = netPaths.find((p) => src === p || src.startsWith(`${p}/`));
      if (inside) return [{ container: m.destination, mustBeMount: inside }];
      return netPaths.filter((p) => p.startsWith(src === "/" ? "/" : `${src}/`)).map((p) => ({ container: `${m.destination.replace(/\/+$/, "")}${p.slice(src.length)}`, mustBeMount: p }));
    });
    if (dataPaths.length) decl.dataPaths = dataPaths;
    const publish = c.ports.map((p) => ({ port: p.hostPort, scope: p.hostIp === "" || p.hostIp === "0.0.0.0" || p.hostIp === "::" ? "lan" : isLoopback(p.hostIp) ? "loopback" : isTailnetAddress(p.hostIp) ? "tailnet" : "lan" }));
    if (publish.length) decl.publish = [...new Map(publish.map((p) => [p.port, p])).values()];
    out.push(decl);
  }
  return out;
}

/** `1000:1000` as the node's account names when both resolve (`media:media`), else as written. */
function nameUser(o: Observed, user: string): string {
  const [u, g] = user.split(":");
  const un = /^\d+$/.test(u ?? "") ? o.accounts?.users.find((x) => x.uid === Number(u))?.name : u;
  const gn = g === undefined ? undefined : /^\d+$/.test(g) ? o.accounts?.groups.find((x) => x.gid === Number(g))?.name : g;
  if (!un || (g !== undefined && !gn)) return user;
  return g === undefined ? un : `${un}:${gn}`;
}

/** The timer that keeps a backup's bound (DATA-023), by its name, when the node has exactly one. */
function jobOf(o: Observed, name: RegExp): Record<string, unknown> {
  const t = (o.timers ?? []).filter((x) => name.test(x));
  return t.length === 1 ? { schedule: { timer: t[0] } } : {};
}

/** A backup folder owned by a service user: that user may own the backups (DATA-024); root is the default. */
function ownerOf(o: Observed, dir: string): Record<string, unknown> {
  const u = o.backupOwners?.[dir];
  return u && u !== "root" ? { owner: u } : {};
}

function backupsOf(o: Observed): Record<string, unknown> | undefined {
  const b: Record<string, unknown> = {};
  if (o.vaultwarden?.exists && o.vaultwarden.backups.length) {
    b.vaultwarden = { dir: o.vaultwarden.dir, maxAgeHours: 26, restoreTest: true, ...jobOf(o, /^vaultwarden.*backup.*\.timer$|^backup.*vaultwarden.*\.timer$/), ...ownerOf(o, o.vaultwarden.dir) };
  }
  const nc = o.nextcloudDump;
  if (nc && nc.check.exists) {
    const newest = nc.check.newest?.name;
    const pattern = newest ? newest.replace(/\d{8}T?\d{0,6}Z?|\d{4}-\d{2}-\d{2}[T_-]?[\d:-]*/, "*") : nc.pattern;
    b.nextcloud = { dir: nc.dir, pattern, maxAgeHours: 26, restoreTest: true, expectTables: ["oc_appconfig", "oc_filecache", "oc_storages", "oc_users"], minTables: 4, ...jobOf(o, /^nextcloud.*(db|dump|backup).*\.timer$/), ...ownerOf(o, nc.dir) };
  }
  return Object.keys(b).length ? b : undefined;
}

/** Service accounts (uid 1000-59999), as the node has them: IDENT-001 compares them across nodes. */
function identitiesOf(o: Observed): Array<Record<string, unknown>> {
  return (o.accounts?.users ?? []).filter((u) => u.uid >= 1000 && u.uid < 60000).map((u) => ({ name: u.name, uid: u.uid, gid: u.gid }));
}

export { isNetworkMount };
