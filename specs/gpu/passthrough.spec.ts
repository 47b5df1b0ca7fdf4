// §0 "VM100 (GPU/Compute VM): Docker workloads for media services …, GPU passthrough". On the
// Proxmox host: the VM's config passes the declared PCI device (hostpciN), and the host has left
// every function of it to vfio-pci (a host driver holding it means the VM cannot start with it, or
// the host is using the GPU after a driver update undid the binding).
import { covers, gpuPassthrough, hostpciIds } from "../../helpers/probes/gpu.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

export default invariant(
  {
    id: "GPU-001",
    title: "The GPU is passed through to its VM and bound to vfio-pci on the host",
    must:
      "On the Proxmox host, for every `gpu.passthrough` entry, `qm config VMID` MUST have a `hostpciN` whose host PCI ID covers the declared device (qm.conf: `[host=]ID[;ID…]`, an ID without a function passes them all), and every function of that device that `lspci -nnk -D -s DEVICE` lists MUST show `Kernel driver in use:` the declared driver (default vfio-pci); a device lspci does not list fails.",
    fix: (f, node) => `on ${node.name}: bind the device to vfio-pci (options vfio-pci ids=VENDOR:DEVICE in /etc/modprobe.d, blacklist the host driver, update-initramfs -u, reboot) and keep hostpciN in the VM's config (${f.subject})`,
    section: "§0",
    family: "gpu",
    severity: "critical",
  },
  {
    appliesTo: (node) => (node.gpu?.passthrough.length ?? 0) > 0,
    reads: (node) => ({ passthrough: gpuPassthrough(node.gpu!.passthrough) }),
    check({ node, facts }) {
      const checks = facts.passthrough;
      const findings: Finding[] = [];
      for (const decl of node.gpu!.passthrough) {
        const c = checks.find((x) => x.vmid === decl.vmid && x.device === decl.device);
        const subject = `VM ${decl.vmid} GPU ${decl.device}`;
        if (!c) {
          findings.push({ subject, expected: "read", actual: "not in the probe's output" });
          continue;
        }
        if (c.qm.code !== 0) findings.push({ subject, expected: `qm config ${decl.vmid} to read the VM's config`, actual: `qm config exited ${c.qm.code}: ${c.qm.error ?? ""}` });
        else {
          const entries = Object.entries(c.hostpci);
          const hit = entries.find(([, v]) => hostpciIds(v).ids.some((id) => covers(id, decl.device)));
          if (!hit) {
            const mapped = entries.filter(([, v]) => hostpciIds(v).mapping).map(([k, v]) => `${k}: ${v}`);
            findings.push({
              subject,
              expected: `a hostpciN in VM ${decl.vmid}'s config passing ${decl.device}`,
              actual: entries.length
                ? `its hostpci lines pass other devices (${entries.map(([k, v]) => `${k}: ${v}`).join("; ")})${mapped.length ? `; a resource mapping is not resolved here: declare the device it maps` : ""}`
                : "no hostpciN line: the VM gets no GPU",
            });
          }
        }
        if (!c.lspci) {
          findings.push({ subject, expected: `lspci to show the host driver of ${decl.device}`, actual: "lspci is not installed on the host (Debian package pciutils)" });
          continue;
        }
        if (c.functions.length === 0) {
          findings.push({ subject, expected: `the host to have PCI device ${decl.device}`, actual: "lspci lists no such device" });
          continue;
        }
        for (const f of c.functions) {
          if (f.driver === decl.driver) continue;
          findings.push({
            subject: `${subject}: function ${f.address}`,
            expected: `bound to ${decl.driver} on the host`,
            actual: `${f.driver ? `bound to ${f.driver}` : "bound to no driver"} (${f.description})${f.driver ? ": the host holds the device, the VM cannot own it" : ": vfio-pci has not claimed it (ids= or driver_override missing)"}`,
          });
        }
      }
      return findings;
    },
  },
);
