// The shipped monitoring artefacts against the real tools of the lab's images (Debian's packages,
// nothing installed on the host): promtool (prometheus 2.42, in hlc/monitoring) checks the metrics
// file and the alert rules and runs the rules' unit tests; systemd-analyze (systemd 252, in
// hlc/systemd) verifies the shipped units and those `npm run schedule -- install` writes.
import { execa } from "execa";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { imageName } from "../../fixtures/lab/images.ts";
import { renderMetrics } from "../../helpers/report/metrics.ts";
import { readResults, type ResultRecord } from "../../helpers/report/results.ts";
import { install, parseInstall, unitDir } from "../../scripts/schedule.ts";
import { sampleResults } from "../unit/results-support.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const CAPTURED = join(ROOT, "fixtures/captured/results/lab-drifted-results.json");

/** A command in a throwaway container of a lab image, with `dir` mounted read-only at /x. */
async function inImage(kind: string, dir: string, command: string, mounts: string[] = []) {
  return execa("docker", ["run", "--rm", "-v", `${dir}:/x:ro`, ...mounts.flatMap((m) => ["-v", m]), "--entrypoint", "sh", imageName(kind), "-c", command], { reject: false, all: true });
}

describe("promtool (Debian's prometheus 2.42)", () => {
  it("check metrics: the .prom of a real lab run and one with every edge of the encoding", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hlc-promtool-"));
    writeFileSync(join(dir, "real.prom"), renderMetrics(readResults(CAPTURED)));
    const edge: ResultRecord = { id: "X-001", node: null, title: "t", section: 'a "b" \\ c\nd', family: "f", severity: "normal", layer: null, status: "waived" as ResultRecord["status"], kind: "no-node" };
    writeFileSync(join(dir, "edge.prom"), renderMetrics(sampleResults([edge], { errors: [{ file: "(run)", message: "boom" }] })));
    const r = await inImage("monitoring", dir, "promtool check metrics < /x/real.prom && promtool check metrics < /x/edge.prom && echo OK");
    expect(r.all).toBe("OK");
  });

  it("check metrics fails on a broken file (the check can fail)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hlc-promtool-"));
    writeFileSync(join(dir, "bad.prom"), "# TYPE homelab_conformance_result gauge\nhomelab_conformance_result{invariant=\"X\"} 1\nhomelab_conformance_result{invariant=\"X\"} 0\n");
    const r = await inImage("monitoring", dir, "promtool check metrics < /x/bad.prom");
    expect(r.exitCode).not.toBe(0);
  });

  it("check rules and test rules: the shipped alert rules and their unit tests", async () => {
    const r = await inImage("monitoring", join(ROOT, "deploy/prometheus"), "cd /x && promtool check rules homelab-conformance.rules.yml && promtool test rules tests/homelab-conformance.test.yml");
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain("SUCCESS: 6 rules found");
    expect(r.all).toMatch(/Unit Testing: +tests\/homelab-conformance\.test\.yml\n +SUCCESS/);
  });
});

describe("systemd-analyze verify (systemd 252)", () => {
  // ExecStart's binary must exist where verify looks: the host's node, mounted where the unit names it.
  const node = `${process.execPath}:${process.execPath}:ro`;
  const verify = (dir: string) =>
    inImage("systemd", dir, "cp /x/homelab-conformance.* /etc/systemd/system/ && systemd-analyze verify /etc/systemd/system/homelab-conformance.service /etc/systemd/system/homelab-conformance.timer", [node, "/usr/bin/node:/usr/bin/node:ro"]);

  it("the shipped units pass", async () => {
    const r = await verify(join(ROOT, "deploy/systemd"));
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toBe("");
  });

  it("the units install writes for an inventory and a textfile directory pass", async (ctx) => {
    // install refuses paths the service could not see (PrivateTmp=yes, ProtectHome=yes): not /tmp.
    const hidden = ["/home/", "/root/", "/run/user/", "/tmp/", "/var/tmp/"].find((p) => `${ROOT}/`.startsWith(p));
    if (hidden) ctx.skip(`this checkout (${ROOT}) is under ${hidden}, which the installed service cannot see: install refuses it`);
    mkdirSync(join(ROOT, ".scratch"), { recursive: true });
    const root = mkdtempSync(join(ROOT, ".scratch", "hlc-root-"));
    const inv = join(root, "inventory.yaml");
    copyFileSync(join(ROOT, "inventory/example.yaml"), inv);
    install(parseInstall(["install", "--inventory", inv, "--textfile-dir", "/srv/textfile", "--on-calendar", "hourly", "--stale-after", "2h", "--root", root].slice(1)), () => {});
    const r = await verify(unitDir(root));
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toBe("");
  });

  // verify exits 0 on a setting it ignores but says so: passing means exit 0 AND nothing said.
  it("a broken unit fails (the check can fail): a bad setting is reported, a missing binary fails", async () => {
    const broken = async (edit: (unit: string) => string) => {
      const dir = mkdtempSync(join(tmpdir(), "hlc-units-"));
      writeFileSync(join(dir, "homelab-conformance.service"), edit(readFileSync(join(ROOT, "deploy/systemd/homelab-conformance.service"), "utf8")));
      copyFileSync(join(ROOT, "deploy/systemd/homelab-conformance.timer"), join(dir, "homelab-conformance.timer"));
      return verify(dir);
    };
    const typo = await broken((u) => u.replace("Type=oneshot", "Type=oneshoot"));
    expect(typo.all).toContain("Failed to parse service type, ignoring: oneshoot");
    const missing = await broken((u) => u.replace("ExecStart=/usr/bin/node", "ExecStart=/usr/bin/no-such-node"));
    expect(missing.exitCode).not.toBe(0);
    expect(missing.all).toContain("/usr/bin/no-such-node");
  });
});
