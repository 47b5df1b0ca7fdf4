// Ansible inventories (INI and YAML), read for how to reach each host: ansible_host,
// ansible_port, ansible_user, ansible_ssh_private_key_file and a jump host given in
// ansible_ssh_common_args / ansible_ssh_extra_args (`-o ProxyJump=x`, `-J x`).
//
// Rules followed (Ansible docs, "How to build your inventory" and the ini/yaml inventory plugins,
// plugins/inventory/ini.py and yaml.py):
// - INI: `[group]` lists hosts, one per line, `alias key=value ...`; `[group:vars]` sets group
//   variables; `[group:children]` lists child groups. Lines before any section belong to
//   `ungrouped`. Values are parsed as Python literals where they look like one; quotes are removed.
//   `#` and `;` start comments. Host ranges like `web[01:03]` expand (ini.py `expand_hostname_range`).
// - YAML: `all: {hosts: {alias: {vars...}}, vars: {...}, children: {group: {...}}}`; any top-level
//   key is a group.
// - Variable precedence (docs, "How variables are merged"): all < parent group < child group <
//   host; groups of the same depth merge in alphabetical order (the last wins).
// - ansible_host defaults to the alias; ansible_port to 22 (ssh connection plugin); ansible_user
//   to the local user.
import { load } from "js-yaml";
import { parseJumpSpec } from "./ssh-config.ts";

export interface AnsibleHost {
  /** The inventory alias. */
  name: string;
  host: string;
  port?: number;
  user?: string;
  identityFile?: string;
  /** `[user@]host[:port]` hops from ProxyJump / -J in the ssh args, first hop first. */
  jump: Array<{ user?: string; host: string; port?: number }>;
  /** Groups it belongs to, directly or through children. */
  groups: string[];
  vars: Record<string, unknown>;
}

interface Group {
  hosts: Map<string, Record<string, unknown>>;
  vars: Record<string, unknown>;
  children: Set<string>;
}

type Groups = Map<string, Group>;

function group(groups: Groups, name: string): Group {
  let g = groups.get(name);
  if (!g) groups.set(name, (g = { hosts: new Map(), vars: {}, children: new Set() }));
  return g;
}

/** `web[01:03].lan` → web01.lan, web02.lan, web03.lan; `[a:c]` letters too. */
export function expandRange(pattern: string): string[] {
  const m = /^(.*?)\[([0-9a-z]+):([0-9a-z]+)(?::(\d+))?\](.*)$/i.exec(pattern);
  if (!m) return [pattern];
  const [, head, from, to, stepText, tail] = m as unknown as [string, string, string, string, string | undefined, string];
  const step = stepText ? Number(stepText) : 1;
  const out: string[] = [];
  if (/^\d+$/.test(from) && /^\d+$/.test(to)) {
    const width = from.startsWith("0") ? from.length : 0;
    for (let i = Number(from); i <= Number(to); i += step) out.push(`${head}${String(i).padStart(width, "0")}${tail}`);
  } else {
    for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c += step) out.push(`${head}${String.fromCharCode(c)}${tail}`);
  }
  return out.flatMap(expandRange);
}

/** An INI value as ini.py reads it: a quoted string unquoted, numbers and booleans as such. */
function iniValue(v: string): unknown {
  if (/^(["']).*\1$/.test(v)) return v.slice(1, -1);
  if (/^-?\d+$/.test(v)) return Number(v);
  if (v === "True" || v === "true") return true;
  if (v === "False" || v === "false") return false;
  return v;
}

/** `a=1 b="x y" c='z'` (shlex-like, as ini.py splits host lines). */
function splitKv(text: string): string[] {
  const out: string[] = [];
  const re = /(?:[^\s"']+|"[^"]*"|'[^']*')+/g;
  for (let m; (m = re.exec(text)); ) out.push(m[0]);
  return out;
}

export function parseAnsibleIni(text: string): Groups {
  const groups: Groups = new Map();
  group(groups, "all");
  let section = { name: "ungrouped", kind: "hosts" as "hosts" | "vars" | "children" };
  for (const raw of text.split("\n")) {
    const line = raw.replace(/^\s+|\s+$/g, "");
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const sec = /^\[([^\]:]+)(?::(vars|children))?\]$/.exec(line);
    if (sec) {
      section = { name: sec[1]!, kind: (sec[2] as "vars" | "children" | undefined) ?? "hosts" };
      group(groups, section.name);
      continue;
    }
    const words = splitKv(line.replace(/\s+#.*$/, ""));
    if (section.kind === "children") {
      group(groups, section.name).children.add(words[0]!);
      group(groups, words[0]!);
    } else if (section.kind === "vars") {
      const m = /^([^=\s]+)\s*=\s*(.*)$/.exec(line);
      if (m) group(groups, section.name).vars[m[1]!] = iniValue(m[2]!.trim());
    } else {
      const vars: Record<string, unknown> = {};
      for (const kv of words.slice(1)) {
        const i = kv.indexOf("=");
        if (i > 0) vars[kv.slice(0, i)] = iniValue(kv.slice(i + 1));
      }
      for (const h of expandRange(words[0]!)) {
        const g = group(groups, section.name);
        g.hosts.set(h, { ...g.hosts.get(h), ...vars });
      }
    }
  }
  return groups;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

export function parseAnsibleYaml(text: string): Groups {
  const data = load(text);
  const groups: Groups = new Map();
  group(groups, "all");
  const walk = (name: string, body: unknown) => {
    const g = group(groups, name);
    if (!isObj(body)) return;
    if (isObj(body.hosts)) for (const [alias, v] of Object.entries(body.hosts)) for (const h of expandRange(alias)) g.hosts.set(h, { ...g.hosts.get(h), ...(isObj(v) ? v : {}) });
    if (isObj(body.vars)) Object.assign(g.vars, body.vars);
    if (isObj(body.children)) {
      for (const [child, cb] of Object.entries(body.children)) {
        g.children.add(child);
        walk(child, cb);
      }
    }
  };
  if (isObj(data)) for (const [name, body] of Object.entries(data)) walk(name, body);
  return groups;
}

/** Jump hops in ssh arguments: `-o ProxyJump=a,b`, `-oProxyJump a`, `-J a`. */
export function jumpFromSshArgs(args: string): Array<{ user?: string; host: string; port?: number }> {
  const m = /(?:-o\s*['"]?ProxyJump[= ]\s*|-J\s*)([^\s'"]+)/i.exec(args);
  if (!m || m[1]!.toLowerCase() === "none") return [];
  return m[1]!.split(",").filter(Boolean).map(parseJumpSpec);
}

/** Every host with its variables merged as Ansible merges them. */
export function ansibleHosts(groups: Groups): AnsibleHost[] {
  // Depth of each group below `all` (a child is one deeper than its parent; the deepest path counts).
  const depth = new Map<string, number>([["all", 0]]);
  const parents = new Map<string, Set<string>>();
  for (const [name, g] of groups) for (const c of g.children) (parents.get(c) ?? parents.set(c, new Set()).get(c)!).add(name);
  const depthOf = (name: string, seen = new Set<string>()): number => {
    if (depth.has(name)) return depth.get(name)!;
    if (seen.has(name)) return 1;
    seen.add(name);
    const ps = [...(parents.get(name) ?? [])];
    const d = ps.length ? Math.max(...ps.map((p) => depthOf(p, seen))) + 1 : 1;
    depth.set(name, d);
    return d;
  };
  const ancestors = (name: string, acc = new Set<string>()): Set<string> => {
    if (acc.has(name)) return acc;
    acc.add(name);
    for (const p of parents.get(name) ?? []) ancestors(p, acc);
    return acc;
  };
  const hosts = new Map<string, { groups: Set<string>; own: Obj }>();
  for (const [name, g] of groups) {
    for (const [h, vars] of g.hosts) {
      const e = hosts.get(h) ?? hosts.set(h, { groups: new Set(), own: {} }).get(h)!;
      for (const a of ancestors(name)) e.groups.add(a);
      Object.assign(e.own, vars);
    }
  }
  return [...hosts.entries()].map(([name, e]) => {
    e.groups.add("all");
    const ordered = [...e.groups].sort((a, b) => depthOf(a) - depthOf(b) || a.localeCompare(b));
    const vars: Obj = {};
    for (const g of ordered) Object.assign(vars, groups.get(g)?.vars ?? {});
    Object.assign(vars, e.own);
    const str = (k: string) => (vars[k] === undefined ? undefined : String(vars[k]));
    const port = str("ansible_port") ?? str("ansible_ssh_port");
    const key = str("ansible_ssh_private_key_file") ?? str("ansible_private_key_file");
    const sshArgs = [str("ansible_ssh_common_args"), str("ansible_ssh_extra_args")].filter(Boolean).join(" ");
    return {
      name,
      host: str("ansible_host") ?? str("ansible_ssh_host") ?? name,
      ...(port !== undefined ? { port: Number(port) } : {}),
      ...((str("ansible_user") ?? str("ansible_ssh_user")) !== undefined ? { user: str("ansible_user") ?? str("ansible_ssh_user") } : {}),
      ...(key !== undefined ? { identityFile: key } : {}),
      jump: jumpFromSshArgs(sshArgs),
      groups: ordered.filter((g) => g !== "all" && g !== "ungrouped"),
      vars,
    };
  });
}

/** INI or YAML, told apart as Ansible's plugins do (the YAML plugin wants .yml/.yaml or a mapping). */
export function parseAnsibleInventory(text: string, file = ""): AnsibleHost[] {
  const yamlish = /\.ya?ml$/i.test(file) || /^\s*(all|[A-Za-z0-9_]+)\s*:\s*$/m.test(text.split("\n").find((l) => l.trim() && !l.trim().startsWith("#")) ?? "");
  return ansibleHosts(yamlish ? parseAnsibleYaml(text) : parseAnsibleIni(text));
}
