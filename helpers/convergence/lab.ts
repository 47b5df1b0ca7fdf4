// The fixture lab's side of a reboot: `docker restart` is a reboot of a systemd node (its
// filesystem, so its host key, survives), `docker stop`/`start` a power-off/on. A restart can give
// the node a new published SSH port, so the inventory is re-read with each node's CURRENT port
// (`docker port`, not testcontainers' getMappedPort, which is cached from the first start).
import { execa } from "execa";
import { loadInventory } from "../inventory/load.ts";
import type { Inventory } from "../inventory/types.ts";
import type { RebootAction } from "./index.ts";

export interface LabHandle {
  inventoryFile: string;
  /** Container id per node name. */
  ids: Map<string, string>;
}

export const dockerRestart =
  (lab: LabHandle): RebootAction =>
  async (node) => {
    await execa("docker", ["restart", "-t", "2", idOf(lab, node)]);
  };

export const powerOff = async (lab: LabHandle, node: string): Promise<void> => {
  await execa("docker", ["stop", "-t", "2", idOf(lab, node)]);
};

export const powerOn = async (lab: LabHandle, node: string): Promise<void> => {
  await execa("docker", ["start", idOf(lab, node)]);
};

/** The published port of a node's sshd now, or undefined while it is stopped. */
export async function currentSshPort(lab: LabHandle, node: string): Promise<number | undefined> {
  const r = await execa("docker", ["port", idOf(lab, node), "22/tcp"], { reject: false });
  const m = /:(\d+)\s*$/m.exec(r.stdout);
  return r.exitCode === 0 && m ? Number(m[1]) : undefined;
}

/** The lab's inventory with every directly reached node's ssh port as Docker publishes it now. */
export async function labInventory(lab: LabHandle): Promise<Inventory> {
  const inv = loadInventory(lab.inventoryFile);
  for (const n of inv.nodes) {
    if (!n.ssh || n.ssh.jump || !lab.ids.has(n.name)) continue;
    const port = await currentSshPort(lab, n.name);
    if (port !== undefined) n.ssh = { ...n.ssh, port };
  }
  return inv;
}

function idOf(lab: LabHandle, node: string): string {
  const id = lab.ids.get(node);
  if (!id) throw new Error(`${node} is not a node of this lab`);
  return id;
}
