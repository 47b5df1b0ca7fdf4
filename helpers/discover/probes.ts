// The few questions discover asks that no check of the suite asks: what a node has (which tools,
// its /etc/fstab, snapraid.conf, backup folders, timers) and, on a Proxmox host, which guests it
// runs and how to reach them. Read-only like every probe; everything else discover reads with
// the suite's own probes (helpers/probes).
import { shQuote } from "../transport/shell.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "../probes/types.ts";

const MARK = "@@hlc-discover";

export interface NodeBasics {
  hostname: string;
  /** Commands present: qm, pct, testparm, snapraid, docker, mergerfs. */
  tools: string[];
  /** /etc/fstab lines as written. */
  fstab: string[];
  /** The readable snapraid.conf, if any. */
  snapraidConf?: string;
  /** Folders under /var/backups. */
  backupDirs: string[];
  /** Every timer unit file. */
  timers: string[];
}

function sections(name: string, { stdout, stderr, code }: ProbeOutput): Map<string, string[]> {
  if (code !== 0) throw new ProbeParseError(name, `exited ${code}: ${stderr.trim()}`);
  const out = new Map<string, string[]>();
  let cur: string[] | undefined;
  for (const line of stdout.split("\n")) {
    if (line.startsWith(`${MARK} `)) {
      out.set(line.slice(MARK.length + 1), (cur = []));
      continue;
    }
    if (cur && line !== "") cur.push(line);
  }
  if (!out.has("end")) throw new ProbeParseError(name, "output ended early (no end mark)");
  return out;
}

export const basics: Probe<NodeBasics> = {
  name: "discover-basics",
  command: [
    `echo '${MARK} hostname'; hostname`,
    `echo '${MARK} tools'; for t in qm pct testparm snapraid docker mergerfs; do command -v $t >/dev/null 2>&1 && echo $t; done`,
    `echo '${MARK} fstab'; cat /etc/fstab 2>/dev/null`,
    `echo '${MARK} snapraid'; for f in /etc/snapraid.conf /usr/local/etc/snapraid.conf; do [ -r "$f" ] && echo "$f"; done`,
    `echo '${MARK} backups'; for d in /var/backups/*/; do [ -d "$d" ] && echo "\${d%/}"; done`,
    `echo '${MARK} timers'; systemctl list-unit-files --type=timer --no-legend --no-pager 2>/dev/null | awk '{print $1}'`,
    `echo '${MARK} end'`,
  ].join("\n"),
  parse(o) {
    const s = sections("discover-basics", o);
    return {
      hostname: s.get("hostname")?.[0] ?? "",
      tools: s.get("tools") ?? [],
      fstab: s.get("fstab") ?? [],
      ...(s.get("snapraid")?.[0] ? { snapraidConf: s.get("snapraid")![0]! } : {}),
      backupDirs: s.get("backups") ?? [],
      timers: s.get("timers") ?? [],
    };
  },
};

export interface ListedGuest {
  vmid: number;
  type: "qemu" | "lxc";
  name?: string;
  status: string;
}

export interface HypervisorExtras {
  guests: ListedGuest[];
  /** An LXC's ed25519 host key (`type base64`), read inside it with `pct exec`. */
  hostKeys: Record<number, string>;
  /** Guest names the host resolves (its DNS or /etc/hosts): name → address. */
  resolved: Record<string, string>;
}

/**
 * `qm list` (`VMID NAME STATUS MEM(MB) BOOTDISK(GB) PID`, PVE's PVE::CLI::qm format) and
 * `pct list` (`VMID Status Lock Name`; Lock may be empty, so Name is the last field).
 */
export function parseGuestLists(qm: string[], pct: string[]): ListedGuest[] {
  const guests: ListedGuest[] = [];
  for (const l of qm) {
    const f = l.trim().split(/\s+/);
    if (!/^\d+$/.test(f[0] ?? "")) continue;
    guests.push({ vmid: Number(f[0]), type: "qemu", name: f[1], status: f[2] ?? "unknown" });
  }
  for (const l of pct) {
    const f = l.trim().split(/\s+/);
    if (!/^\d+$/.test(f[0] ?? "")) continue;
    guests.push({ vmid: Number(f[0]), type: "lxc", status: f[1] ?? "unknown", ...(f.length >= 3 ? { name: f[f.length - 1] } : {}) });
  }
  return guests.sort((a, b) => a.vmid - b.vmid);
}

export const hypervisorExtras: Probe<HypervisorExtras> = {
  name: "discover-guests",
  command: [`echo '${MARK} qm'; qm list 2>&1`, `echo '${MARK} pct'; pct list 2>&1`, `echo '${MARK} end'`].join("\n"),
  parse(o) {
    const s = sections("discover-guests", o);
    return { guests: parseGuestLists(s.get("qm") ?? [], s.get("pct") ?? []), hostKeys: {}, resolved: {} };
  },
};

/** For each guest: does the host resolve its name; for each running LXC: its sshd's host key. */
export function hypervisorGuestAccess(guests: ListedGuest[]): Probe<Pick<HypervisorExtras, "hostKeys" | "resolved">> {
  const lines: string[] = [];
  for (const g of guests) {
    if (g.name) lines.push(`echo '${MARK} resolve ${g.name}'; getent ahostsv4 ${shQuote(g.name)} 2>/dev/null | awk 'NR==1 {print $1}'`);
    if (g.type === "lxc") {
      lines.push(`echo '${MARK} key ${g.vmid}'; timeout 15 pct exec ${g.vmid} -- cat /etc/ssh/ssh_host_ed25519_key.pub </dev/null 2>/dev/null | head -n 1`);
    }
  }
  lines.push(`echo '${MARK} end'`);
  return {
    name: "discover-guest-access",
    command: lines.join("\n"),
    parse(o) {
      const s = sections("discover-guest-access", o);
      const hostKeys: Record<number, string> = {};
      const resolved: Record<string, string> = {};
      for (const [k, v] of s) {
        const key = /^key (\d+)$/.exec(k);
        const m = /^(ssh-ed25519) ([A-Za-z0-9+/]+=*)/.exec(v[0] ?? "");
        if (key && m) hostKeys[Number(key[1])] = `${m[1]} ${m[2]}`;
        const r = /^resolve (.+)$/.exec(k);
        if (r && v[0]) resolved[r[1]!] = v[0];
      }
      return { hostKeys, resolved };
    },
  };
}

/**
 * Who owns each backup folder (`stat -c %U`): a backup job that runs as its service's user owns
 * what it writes, and the draft declares that user as the backups' `owner` (DATA-024 allows it).
 */
export function backupOwners(dirs: string[]): Probe<Record<string, string>> {
  const command = dirs.map((d) => `printf 'owner\\t%s\\t%s\\n' ${shQuote(d)} "$(stat -c %U ${shQuote(d)} 2>/dev/null)"`).join("\n");
  return {
    name: "backup-owners",
    command,
    parse({ stdout }: ProbeOutput): Record<string, string> {
      const out: Record<string, string> = {};
      for (const line of stdout.split("\n")) {
        const m = /^owner\t(.+)\t(\S*)$/.exec(line);
        if (m && m[2]) out[m[1]!] = m[2]!;
      }
      return out;
    },
  };
}
