// BOOT-012: unit snippets of the repo against `systemctl cat` captured on the lab's vm100 (a
// fragment alone, and podman-restart.service with its drop-in resetting ExecStart=/ExecStop=).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump } from "js-yaml";
import { describe, expect, it } from "vitest";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import { effectiveSettings, missingFromUnit, parseUnitCat, parseUnitText, unitCat, unitSnippet } from "../../../helpers/probes/unit-files.ts";
import { evaluate, type Verdict } from "../../../helpers/spec/evaluate.ts";
import { declared } from "../catalog-support.ts";

const cap = (f: string) => readFileSync(`fixtures/captured/boot/${f}`, "utf8");
const out = (stdout: string, code = 0, stderr = "") => ({ stdout, stderr, code });
const LAB_SNIPPET = "fixtures/images/monitoring/repo/hlc-media-deploy.service";

describe("unit files as systemd merges them", () => {
  it("reads systemctl cat: fragment then drop-in, an empty assignment resets a list", () => {
    const u = parseUnitCat("podman-restart.service", out(cap("systemctl-cat-vm100-podman-restart.txt")));
    expect(u.files).toEqual(["/lib/systemd/system/podman-restart.service", "/etc/systemd/system/podman-restart.service.d/hlc.conf"]);
    const eff = effectiveSettings(u.directives);
    expect(eff.get("Service.ExecStart")).toEqual(["/usr/bin/podman $LOGGING start --all --filter restart-policy=always --filter restart-policy=unless-stopped"]);
    expect(eff.get("Unit.After")).toEqual(["network-online.target", "hlc-netns-sysctl.service", "remote-fs.target"]);
    expect(eff.get("Unit.Description")).toEqual(["Podman: start containers whose restart policy is always or unless-stopped"]);
  });
  it("a missing unit is not an error of the probe", () => {
    expect(parseUnitCat("nosuch.service", out("hlc-unit missing\n"))).toMatchObject({ exists: false });
    expect(() => parseUnitCat("x", out("", 1, "Failed to connect to bus"))).toThrow();
  });
  it("joins continuation lines and skips comments", () => {
    expect(parseUnitText("# c\n; c\n[Service]\nExecStart=/bin/echo a \\\n  b\n")).toEqual([{ section: "Service", key: "ExecStart", value: "/bin/echo a b" }]);
  });
  it("masks Environment= values on the node, keeps the names", () => {
    const f = join(tmpdir(), `hlc-env-${process.pid}.service`);
    writeFileSync(f, `[Service]\nEnvironment=LOGGING="--log-level=info"\nEnvironment="A=1 2" B=secret 'C=x y'\nExecStart=/bin/true\n`);
    const stdout = execFileSync("/bin/sh", ["-c", unitSnippet(f).command]).toString();
    for (const s of ["log-level", "secret", "x y", "1 2"]) expect(stdout).not.toContain(s);
    const s = unitSnippet(f).parse(out(stdout));
    expect(s.directives.filter((d) => d.key === "Environment").map((d) => d.value)).toEqual(["LOGGING=<hidden>", "A=<hidden> B=<hidden> C=<hidden>"]);
  });
  it("a snippet's directives hold, or say which do not", () => {
    const unit = parseUnitCat("podman-restart.service", out(cap("systemctl-cat-vm100-podman-restart.txt"))).directives;
    const ok = parseUnitText("[Unit]\nAfter=remote-fs.target network-online.target\n[Service]\nType=oneshot\nEnvironment=LOGGING=x\nExecStart=/usr/bin/podman $LOGGING start --all --filter restart-policy=always --filter restart-policy=unless-stopped\n");
    expect(missingFromUnit(ok, unit)).toEqual([]);
    // The fragment's ExecStart was reset by the drop-in; Type changed; a dependency gone.
    const stale = parseUnitText("[Unit]\nAfter=network-online.target nfs.mount\n[Service]\nType=simple\nEnvironment=TOKEN=x\nExecStart=/usr/bin/podman $LOGGING start --all --filter restart-policy=always\n");
    expect(missingFromUnit(stale, unit).map((m) => `${m.setting}: ${m.expected} / ${m.actual}`)).toEqual([
      "[Unit] After: After= network-online.target | nfs.mount / After= network-online.target | hlc-netns-sysctl.service | remote-fs.target (missing nfs.mount)",
      "[Service] Type: Type=simple / Type=oneshot",
      "[Service] Environment: sets TOKEN (names only) / does not set TOKEN",
      "[Service] ExecStart: ExecStart= /usr/bin/podman $LOGGING start --all --filter restart-policy=always / ExecStart= /usr/bin/podman $LOGGING start --all --filter restart-policy=always --filter restart-policy=unless-stopped (missing /usr/bin/podman $LOGGING start --all --filter restart-policy=always)",
    ]);
  });
});

const inventory = parseInventory(
  dump({
    version: 1,
    defaults: { ssh: { agent: true } },
    nodes: [
      { name: "vm100", role: "compute", layer: 2, ssh: { host: "vm100" }, repoCopies: { keptOn: "lxc200", units: [{ file: "/etc/homelab/systemd/hlc-media-deploy.service", unit: "hlc-media-deploy" }] } },
      { name: "lxc200", role: "monitoring", layer: 3, ssh: { host: "lxc200" } },
    ],
  }),
  "/lab/abc/inventory.yaml",
);
const BOOT012 = declared.find((d) => d.meta.id === "BOOT-012")!;
const rec = (name: string, stdout: string, value: unknown) => [name, { ok: true, value, evidence: { probe: name, command: "…", stdout, stderr: "", code: 0 } }] as const;

function judge(catText: string, snippetText = readFileSync(LAB_SNIPPET, "utf8")): Verdict {
  const cat = unitCat("hlc-media-deploy.service");
  const snip = unitSnippet("/etc/homelab/systemd/hlc-media-deploy.service");
  const s = `present\n${snippetText}`;
  const own: NodeFacts = { node: "vm100", reachable: true, roundTrips: 1, gatherMs: 1, facts: Object.fromEntries([rec(cat.name, catText, cat.parse(out(catText)))]) };
  const keeper: NodeFacts = { node: "lxc200", reachable: true, roundTrips: 1, gatherMs: 1, facts: Object.fromEntries([rec(snip.name, s, snip.parse(out(s)))]) };
  return evaluate(BOOT012.meta, BOOT012.def, inventory.nodes[0]!, own, [], { inventory, nodes: { vm100: own, lxc200: keeper } });
}

describe("BOOT-012 on vm100's captured unit", () => {
  it("passes with the lab's snippet", () => {
    const v = judge(cap("systemctl-cat-vm100-hlc-media-deploy.txt"));
    expect(v.status, v.status === "failed" ? v.message : "").toBe("passed");
  });
  it("fails when the snippet was edited and the unit not re-deployed, with the fix", () => {
    const v = judge(cap("systemctl-cat-vm100-hlc-media-deploy.txt"), readFileSync(LAB_SNIPPET, "utf8").replace("WantedBy=multi-user.target", "WantedBy=multi-user.target media.target"));
    expect(v.status).toBe("failed");
    if (v.status !== "failed") return;
    expect(v.findings.map((f) => `${f.subject}: expected ${f.expected}; actual ${f.actual}`)).toEqual([
      "hlc-media-deploy.service (copy /etc/homelab/systemd/hlc-media-deploy.service on lxc200) [Install] WantedBy: expected WantedBy= multi-user.target | media.target; actual WantedBy= multi-user.target (missing media.target) (in /etc/systemd/system/hlc-media-deploy.service)",
    ]);
    expect(v.findings[0]!.fix).toMatch(/^update the repo copy \/etc\/homelab\/systemd\/hlc-media-deploy.service on lxc200 to what the unit says, or re-deploy the unit from it on vm100/);
  });
  it("fails when the unit is gone", () => {
    const v = judge("hlc-unit missing\n");
    expect(v.status === "failed" && v.findings[0]!.actual).toBe("no such unit (systemctl cat: no files found)");
  });
});
