// GPU passthrough on the Proxmox host (§0 "VM100 … GPU passthrough"): per declared device, the
// guest's `hostpciN` lines as `qm config VMID` prints them (current config, no snapshot sections)
// and the host's view of the device from `lspci -nnk -D -s ADDR` (pciutils): one line per PCI
// function, then tab-indented attributes, among them `Kernel driver in use: NAME` (absent when no
// driver holds it). Proxmox's hostpciN value (qm.conf(5)): `[host=]HOSTPCIID[;HOSTPCIID2…][,opts]`,
// or `mapping=NAME` for a cluster resource mapping; a HOSTPCIID without `.function` passes every
// function of the device, and the domain `0000:` may be left out.
// Captures: fixtures/captured/gpu/ (lspci on this machine's virtio devices; published lspci -nnk
// output of passthrough hosts, cited there). The lab's pve has an lspci stand-in (fixtures/images/proxmox).
import { shQuote } from "../transport/shell.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

const NAME = "gpu-passthrough";

export interface PciFunction {
  address: string;
  /** e.g. "VGA compatible controller [0300]: NVIDIA Corporation GA106 … [10de:2504] (rev a1)" */
  description: string;
  driver?: string;
  modules?: string;
}

export interface PassthroughCheck {
  vmid: number;
  device: string;
  /** qm config's exit status and error when it failed. */
  qm: { code: number; error?: string };
  /** `hostpciN` → value, as the config has them. */
  hostpci: Record<string, string>;
  /** lspci is installed on the host. */
  lspci: boolean;
  functions: PciFunction[];
}

export interface PassthroughTarget {
  vmid: number;
  device: string;
}

export function gpuPassthrough(targets: readonly PassthroughTarget[]): Probe<PassthroughCheck[]> {
  const command = targets
    .map((t) => {
      const dev = shQuote(t.device);
      return [
        `out=$(qm config ${shQuote(String(t.vmid))} 2>&1); rc=$?; echo "guest ${Number(t.vmid)} $rc"`,
        `if [ $rc -ne 0 ]; then printf '%s\\n' "$out" | head -n 3 | sed 's/^/err /'; else printf '%s\\n' "$out" | grep -E '^hostpci[0-9]+: ' | sed 's/^/conf /'; fi`,
        `echo "device ${t.device.replace(/[^0-9a-fA-F:.]/g, "")}"`,
        `if command -v lspci >/dev/null 2>&1; then lspci -nnk -D -s ${dev} 2>/dev/null | grep -v '^lspci: ' | sed 's/^/pci /'; else echo nolspci; fi`,
      ].join("\n");
    })
    .join("\n");
  return { name: NAME, command, parse: (o) => parseGpuPassthrough(targets, o) };
}

/** `01:00.0` → `0000:01:00.0` (lspci without -D, Proxmox without the domain). */
export const withDomain = (a: string) => (/^[0-9a-fA-F]{4}:/.test(a) ? a.toLowerCase() : `0000:${a.toLowerCase()}`);

/** Parse `lspci -nnk [-D]` lines (without the probe's prefix). */
export function parseLspci(text: string): PciFunction[] {
  const out: PciFunction[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let m: RegExpExecArray | null;
    if ((m = /^((?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]) (.*)$/.exec(line))) out.push({ address: withDomain(m[1]!), description: m[2]! });
    else if (/^\s/.test(line)) {
      const f = out.at(-1);
      if (!f) throw new ProbeParseError(NAME, `an attribute before any device: ${JSON.stringify(line)}`);
      if ((m = /^\s+Kernel driver in use: (\S+)/.exec(line))) f.driver = m[1]!;
      else if ((m = /^\s+Kernel modules: (.*)$/.exec(line))) f.modules = m[1]!.trim();
    } else throw new ProbeParseError(NAME, `not an lspci line: ${JSON.stringify(line)}`);
  }
  return out;
}

export function parseGpuPassthrough(targets: readonly PassthroughTarget[], { stdout, stderr, code }: ProbeOutput): PassthroughCheck[] {
  if (code !== 0) throw new ProbeParseError(NAME, `exited ${code}: ${stderr.trim()}`);
  const out: PassthroughCheck[] = [];
  let cur: PassthroughCheck | undefined;
  let pci: string[] = [];
  const flush = () => {
    if (cur) cur.functions = parseLspci(pci.join("\n"));
    pci = [];
  };
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    let m: RegExpExecArray | null;
    if ((m = /^guest (\d+) (\d+)$/.exec(line))) {
      flush();
      const vmid = Number(m[1]);
      const t = targets.find((x) => x.vmid === vmid && !out.some((o) => o.vmid === vmid && o.device === x.device));
      if (!t) throw new ProbeParseError(NAME, `guest ${vmid} was not asked for`);
      cur = { vmid, device: t.device, qm: { code: Number(m[2]) }, hostpci: {}, lspci: true, functions: [] };
      out.push(cur);
    } else if (!cur) throw new ProbeParseError(NAME, `a line before any guest: ${JSON.stringify(line)}`);
    else if ((m = /^err (.*)$/.exec(line))) cur.qm.error = [cur.qm.error, m[1]].filter(Boolean).join(" | ");
    else if ((m = /^conf (hostpci\d+): (.*)$/.exec(line))) cur.hostpci[m[1]!] = m[2]!.trim();
    else if (/^device \S+$/.test(line)) continue;
    else if (line === "nolspci") cur.lspci = false;
    else if ((m = /^pci (.*)$/.exec(line))) pci.push(m[1]!);
    else throw new ProbeParseError(NAME, `unexpected line ${JSON.stringify(line)}`);
  }
  flush();
  if (out.length !== targets.length) throw new ProbeParseError(NAME, `expected ${targets.length} devices, read ${out.length}`);
  return out;
}

/**
 * The host PCI IDs a hostpciN value passes (normalized with the domain), or the mapping it names.
 * qm.conf(5): `[[host=]<HOSTPCIID[;HOSTPCIID2...]>] [,mapping=<mapping-id>] [,pcie=<1|0>] …`.
 */
export function hostpciIds(value: string): { ids: string[]; mapping?: string } {
  const parts = value.split(",").map((p) => p.trim());
  const ids: string[] = [];
  let mapping: string | undefined;
  parts.forEach((p, i) => {
    if (p.startsWith("host=")) ids.push(...p.slice(5).split(";"));
    else if (p.startsWith("mapping=")) mapping = p.slice(8);
    else if (i === 0 && !p.includes("=")) ids.push(...p.split(";"));
  });
  return { ids: ids.filter(Boolean).map(withDomain), ...(mapping ? { mapping } : {}) };
}

/** Does a passed ID cover the declared device (`0000:01:00` covers `0000:01:00.1`, and the reverse)? */
export const covers = (id: string, device: string) => id === device || device.startsWith(`${id}.`) || id.startsWith(`${device}.`);

