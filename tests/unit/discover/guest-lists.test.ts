// `qm list` and `pct list` as the lab's Proxmox stand-in prints them in PVE 8's formats (captured
// in fixtures/captured/discover/): pct's Lock column is empty, so Name is the last field.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseGuestLists } from "../../../helpers/discover/probes.ts";

const lines = (f: string) => readFileSync(`fixtures/captured/discover/${f}`, "utf8").split("\n");

describe("guest lists", () => {
  it("reads VMs and CTs with name and status", () => {
    expect(parseGuestLists(lines("qm-list.txt"), lines("pct-list.txt"))).toEqual([
      { vmid: 100, type: "qemu", name: "vm100", status: "running" },
      { vmid: 102, type: "qemu", name: "vm102", status: "running" },
      { vmid: 200, type: "lxc", name: "lxc200", status: "running" },
      { vmid: 210, type: "lxc", name: "lxc210", status: "running" },
      { vmid: 212, type: "lxc", name: "lxc212", status: "running" },
      { vmid: 230, type: "lxc", name: "lxc230", status: "running" },
    ]);
  });

  it("takes a locked CT's name from the last field, and no header or error line as a guest", () => {
    expect(parseGuestLists(["no such command"], ["VMID       Status     Lock         Name", "210        stopped    backup       lxc210"])).toEqual([{ vmid: 210, type: "lxc", name: "lxc210", status: "stopped" }]);
  });
});
