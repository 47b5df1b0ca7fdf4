// The draft is a review: on a lab with three drifts that contradict the operations document
// (Prometheus on every interface, the media mount read-write, LXC210's idmap no longer passing
// nextcloud's uid through), discover declares what the document expects and lists exactly those
// three as questions; a run on the unedited draft fails exactly on the drifts' expected results.
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { defaultLab } from "../../fixtures/lab/default-lab.ts";
import { findDrift } from "../../fixtures/lab/drifts.ts";
import { startLab, type Lab } from "../../fixtures/lab/lab.ts";
import { runSuite } from "../../fixtures/lab/run-suite.ts";
import { main as discover } from "../../helpers/discover/cli.ts";
import { smbPasswordEnv } from "./discover-support.ts";
import { readFileSync } from "node:fs";

const DRIFTS = ["prometheus-bind-all", "media-mounted-rw", "wrong-idmap"].map(findDrift);
let lab: Lab;

beforeAll(async () => {
  lab = await startLab(defaultLab(), { drifts: DRIFTS });
  smbPasswordEnv();
}, 600_000);
afterAll(async () => lab?.stop());

it("lists exactly the three drifts as questions, and a run on the unedited draft fails exactly there", async () => {
  const out = join(lab.dir, "discovered.yaml");
  const pve = `root@127.0.0.1:${lab.containers.get("pve")!.getMappedPort(22)}`;
  const logs: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => logs.push(a.join(" "));
  let code: number;
  try {
    code = await discover(["--identity", join(lab.dir, "id_ed25519"), "--known-hosts", join(lab.dir, "known_hosts"), "--out", out, pve]);
  } finally {
    console.log = log;
  }
  expect(code).toBe(0);
  const text = readFileSync(out, "utf8");
  const questions = [...text.matchAll(/^#  \d+\. (\S+) (\S+):/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
  expect(questions).toEqual(["lxc200 services[prometheus].scope", "pve proxmox.guests[210].identities[nextcloud]", "vm100 mounts[/mnt/media].access"]);
  expect(logs.join("\n")).toMatch(/Questions for the operator \(3\)/);
  const run = await runSuite(out);
  const failed = run.results.filter((x) => x.status === "failed").map((x) => `${x.id} ${x.node}`).sort();
  const expected = DRIFTS.flatMap((d) => d.expect.map((e) => `${e.spec} ${e.node ?? d.node}`)).sort();
  expect(failed).toEqual(expected);
}, 900_000);

