// A lab whose start fails on purpose (one node's sshd refuses its configuration and exits while
// two other nodes start fine) says which node failed and why, and leaves nothing behind: no
// container, no network, no key folder (issue: "each failed lab start left its other containers
// running, 4 labs' worth after one CI run").
import { execa } from "execa";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LAB_LABEL, LAB_ROOT, startLab, type LabNodeSpec } from "../../fixtures/lab/lab.ts";

const ssh = { name: "sshd", port: 22, scope: "lan" as const };
const node = (name: string, env?: Record<string, string>): LabNodeSpec => ({ name, role: "service", layer: 3, image: "node", services: [ssh], ...(env ? { env } : {}) });

const labObjects = async (id: string) => ({
  containers: (await execa("docker", ["ps", "-aq", "--filter", `label=${LAB_LABEL}=${id}`])).stdout.split("\n").filter(Boolean),
  networks: (await execa("docker", ["network", "ls", "-q", "--filter", `label=${LAB_LABEL}=${id}`])).stdout.split("\n").filter(Boolean),
});

describe("a failed lab start", () => {
  it("names the node that failed and why, and removes every container and network it created", async () => {
    const id = `fail${Date.now().toString(36)}`;
    // "MaxSessions bogus": sshd exits at once with its own error, so the node never gets ready.
    const nodes = [node("good1"), node("broken", { HLC_SSHD_MAX_SESSIONS: "bogus" }), node("good2")];
    const error = await startLab(nodes, { id }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error, "the lab must not start").toBeInstanceOf(Error);
    expect(error!.message).toContain(`lab ${id} did not start; everything it created is removed`);
    expect(error!.message).toMatch(/node broken \(hlc\/node:latest\) failed to start: .+/);
    expect(error!.message).not.toMatch(/node good[12] /);
    expect(await labObjects(id)).toEqual({ containers: [], networks: [] });
    expect(existsSync(join(LAB_ROOT, id))).toBe(false);
  });
});
