// `homelab-conformance init`: the smallest valid inventory, with comments, for an operator who
// prefers to write it by hand (or `discover` to draft it from the live homelab).
//   init [--out FILE] [--force]      (default: print to stdout)
import { existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseInventory } from "../inventory/load.ts";

export const MINIMAL_INVENTORY = `# yaml-language-server: $schema=./schema.json
# The smallest inventory: one node, reached over SSH, with the one listener it may have.
# Every key is described in inventory/schema.json (editors complete it with the line above) and
# explained in inventory/example.yaml. To draft a full one from your homelab instead:
#   homelab-conformance discover --identity ~/.ssh/id_ed25519 root@pve.lan
version: 1
defaults:
  ssh:
    user: root                      # a non-root login needs sudo: true
    identityFile: ~/.ssh/id_ed25519 # or agent: true
nodes:
  - name: pve                       # lowercase letters, digits, '-'
    role: hypervisor                # hypervisor, storage, compute, monitoring, service
    layer: 0                        # §3.1 boot layer: 0 hypervisor, 1 storage, 2 compute, 3 services
    ssh:
      host: pve.lan                 # or configHost: pve (an ssh_config Host alias)
    services:                       # EVERY listening socket of the node, and where it may be reached from
      - { name: sshd, port: 22, scope: lan }
`;

export async function main(argv: string[]): Promise<number> {
  let out: string | undefined;
  let force = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out" || argv[i] === "-o") out = argv[++i];
    else if (argv[i] === "--force") force = true;
    else if (argv[i] === "--help" || argv[i] === "-h") {
      console.log("usage: homelab-conformance init [--out FILE] [--force]\nWrites the smallest valid inventory, with comments (to stdout without --out).");
      return 0;
    } else {
      console.error(`init: unknown argument ${argv[i]}`);
      return 2;
    }
  }
  // Never hand out something the loader refuses.
  parseInventory(MINIMAL_INVENTORY, out ?? "inventory.yaml");
  if (!out) {
    process.stdout.write(MINIMAL_INVENTORY);
    return 0;
  }
  if (existsSync(out) && !force) {
    console.error(`init: ${out} exists (--force to overwrite)`);
    return 2;
  }
  writeFileSync(resolve(out), MINIMAL_INVENTORY);
  console.log(`Wrote ${out}. Check it: npm run conformance -- --inventory ${out}`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
