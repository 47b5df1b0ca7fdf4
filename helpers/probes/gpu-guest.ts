// The GPU inside the guest that receives it (GPU-002, §0 "VM100 … GPU passthrough"), read on that
// guest in one probe:
// - its DRM device nodes: `stat -c '%n|%F|%t:%T|%G|%g|%a'` of every /dev/dri/* (GNU stat: %F the
//   file type, "character special file" for a device node; %t:%T major:minor in hex; %G/%g the
//   group; %a the octal mode). A real DRM node is major 226 (card0 226:0, renderD128 226:128);
//   the fact keeps the numbers, the check asks for a character device (the lab's stand-in is 1:3);
// - `lspci -nnk -D` (pciutils): the display-class functions (class 03xx: VGA [0300], 3D [0302],
//   Display [0380]) and the guest driver in use; inside the guest the passed-through GPU must be
//   held by its driver (nvidia, amdgpu, i915, nouveau…), vfio-pci there means no guest driver;
// - with `nvidia` declared, `nvidia-smi -L`: its exit code and lines, "GPU 0: NVIDIA GeForce RTX
//   3090 (UUID: GPU-e1924eea-…)" per GPU, MIG instances indented below their GPU
//   (fixtures/captured/gpu/nvidia-smi-L-*.txt, cited in the README there).
// Read-only. The lab's vm100 has stand-ins of the device nodes and of lspci (fixtures/images/compute).
import { parseLspci, type PciFunction } from "./gpu.ts";
import { ProbeParseError, type Probe, type ProbeOutput } from "./types.ts";

const NAME = "gpu-guest";

export interface DriNode {
  path: string;
  /** As stat's %F prints it: "character special file", "directory", "symbolic link"… */
  type: string;
  major: number;
  minor: number;
  group: string;
  gid: number;
  /** Octal, as %a prints it ("660"). */
  mode: string;
}

export interface NvidiaGpu {
  index: number;
  name: string;
  uuid: string;
}

export interface GpuGuest {
  /** /dev/dri exists. */
  dri: boolean;
  nodes: DriNode[];
  /** lspci is installed. */
  lspci: boolean;
  /** Display-class PCI functions (class 03xx), with the guest driver in use. */
  displays: PciFunction[];
  /** Only when nvidia was asked for. */
  nvidia?: { installed: boolean; code: number; gpus: NvidiaGpu[]; output: string[] };
}

export function gpuGuest(opts: { nvidia: boolean }): Probe<GpuGuest> {
  const command = [
    `if [ -d /dev/dri ]; then echo dri; for f in /dev/dri/*; do [ -e "$f" ] || [ -L "$f" ] || continue; stat -c 'node %n|%F|%t:%T|%G|%g|%a' "$f"; done; else echo nodri; fi`,
    `if command -v lspci >/dev/null 2>&1; then lspci -nnk -D 2>/dev/null | grep -v '^lspci: ' | sed 's/^/pci /'; else echo nolspci; fi`,
    ...(opts.nvidia
      ? [`if command -v nvidia-smi >/dev/null 2>&1; then out=$(nvidia-smi -L 2>&1); echo "smi $?"; printf '%s\\n' "$out" | head -n 40 | sed 's/^/smil /'; else echo nosmi; fi`]
      : []),
  ].join("\n");
  return { name: NAME, command, parse: (o) => parseGpuGuest(o, opts) };
}

const bad = (msg: string) => new ProbeParseError(NAME, msg);

/** Display controllers: PCI class 03xx as `lspci -nn` prints it ("VGA compatible controller [0300]: …"). */
export const isDisplay = (f: PciFunction) => /\[03[0-9a-f]{2}\]:/.test(f.description);

/**
 * Display functions a hypervisor emulates rather than passes through, by PCI vendor: QEMU's
 * std VGA (1234), QXL and virtio-gpu (1b36, 1af4), VMware SVGA (15ad), Cirrus (1013).
 */
export const isEmulated = (f: PciFunction) => /\[(1234|1b36|1af4|15ad|1013):[0-9a-f]{4}\]/.test(f.description);

/** `nvidia-smi -L` lines: "GPU 0: NVIDIA GeForce RTX 3090 (UUID: GPU-e1924eea-b9bb-d537-39f2-b345087fa145)". */
export function parseNvidiaSmiL(lines: readonly string[]): NvidiaGpu[] {
  const out: NvidiaGpu[] = [];
  for (const line of lines) {
    const m = /^GPU (\d+): (.+?) \(UUID: (GPU-[0-9a-fA-F-]+)\)\s*$/.exec(line);
    if (m) out.push({ index: Number(m[1]), name: m[2]!, uuid: m[3]! });
  }
  return out;
}

export function parseGpuGuest({ stdout, stderr, code }: ProbeOutput, opts: { nvidia: boolean }): GpuGuest {
  if (code !== 0) throw bad(`exited ${code}: ${stderr.trim()}`);
  const fact: GpuGuest = { dri: false, nodes: [], lspci: true, displays: [] };
  const pci: string[] = [];
  let smi: GpuGuest["nvidia"] | undefined;
  let seenDri = false;
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    let m: RegExpExecArray | null;
    if (line === "dri" || line === "nodri") {
      seenDri = true;
      fact.dri = line === "dri";
    } else if ((m = /^node ([^|]+)\|([^|]+)\|([0-9a-f]+):([0-9a-f]+)\|([^|]*)\|(\d+)\|([0-7]+)$/.exec(line))) {
      fact.nodes.push({ path: m[1]!, type: m[2]!, major: parseInt(m[3]!, 16), minor: parseInt(m[4]!, 16), group: m[5]!, gid: Number(m[6]), mode: m[7]! });
    } else if (line === "nolspci") fact.lspci = false;
    else if ((m = /^pci (.*)$/.exec(line))) pci.push(m[1]!);
    else if (line === "nosmi") smi = { installed: false, code: 127, gpus: [], output: [] };
    else if ((m = /^smi (\d+)$/.exec(line))) smi = { installed: true, code: Number(m[1]), gpus: [], output: [] };
    else if ((m = /^smil (.*)$/.exec(line)) && smi) smi.output.push(m[1]!);
    else throw bad(`unexpected line ${JSON.stringify(line)}`);
  }
  if (!seenDri) throw bad("no /dev/dri line: the probe's output is cut");
  fact.displays = parseLspci(pci.join("\n")).filter(isDisplay);
  if (opts.nvidia) {
    if (!smi) throw bad("nvidia-smi was asked for and not reported");
    smi.gpus = parseNvidiaSmiL(smi.output);
    fact.nvidia = smi;
  }
  return fact;
}
