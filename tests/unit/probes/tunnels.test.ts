// EXPOSE-009 on the processes probe's real output (fixtures/captured/processes/): tunnel clients
// known by the kernel's name for the process, publishing invocations told from the others, an
// allowed client passing, an unread command line never passing.
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { describe, expect, it } from "vitest";
import { readFact } from "../../../helpers/facts/gather.ts";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";
import { parseProcesses, processesProbe, type Processes } from "../../../helpers/probes/processes.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { evaluate, type Verdict } from "../../../helpers/spec/evaluate.ts";
import { sshRemoteForward, TUNNEL_CLIENTS } from "../../../specs/exposure/tunnel-clients.spec.ts";
import { declared } from "../catalog-support.ts";

const cap = (f: string) => readFileSync(`fixtures/captured/processes/${f}`, "utf8").replace(/rc=0\n$/, "");
const parse = (f: string) => parseProcesses({ stdout: cap(f), stderr: "", code: 0 });

const inv = parseInventory(
  dump({
    version: 1,
    defaults: { ssh: { agent: true } },
    nodes: [
      { name: "vm100", role: "compute", layer: 2, ssh: { host: "vm100" } },
      { name: "edge", role: "compute", layer: 2, ssh: { host: "edge" }, tunnels: { allow: [{ client: "cloudflared", why: "the family photo site, behind Cloudflare Access" }] } },
    ],
  }),
  "/inv.yaml",
);
const node = (n: string) => inv.nodes.find((x) => x.name === n)!;
const facts = (n: string, p: Processes): NodeFacts => ({ node: n, reachable: true, roundTrips: 1, gatherMs: 1, facts: { processes: { ok: true, value: p, evidence: { probe: "processes", command: "grep /proc/*/comm", stdout: "", stderr: "", code: 0 } } } });
function judge(n: NodeDecl, p: Processes): Verdict {
  const d = declared.find((x) => x.meta.id === "EXPOSE-009")!;
  return evaluate(d.meta, d.def, n, facts(n.name, p));
}
const msg = (v: Verdict) => (v.status === "passed" ? "" : v.message);

describe("processes probe (/proc/<pid>/comm, real output)", () => {
  it("lists every process by its kernel name and reads the command lines of the names asked for, word by word", () => {
    const r = parse("tunnels-running.txt");
    expect(r.processes.filter((p) => p.comm === "cloudflared").map((p) => p.argv)).toEqual(
      expect.arrayContaining([["/bin/sh", "/usr/local/bin/cloudflared", "tunnel", "--no-autoupdate", "run", "homelab"]]),
    );
    // A word with a space in it stays one word (NULs become US on the node, not spaces).
    expect(r.processes.find((p) => p.argv?.includes("-R"))!.argv).toContain("ProxyCommand=sleep 600");
    expect(r.processes.find((p) => p.comm === "sleep")!.argv).toBeUndefined();
  });
  it("is read as the gather reads it: plain text, no control character (a lab run refused the first version's US separator)", () => {
    const rec = readFact(processesProbe(Object.keys(TUNNEL_CLIENTS)), { stdout: cap("tunnels-running.txt"), stderr: "", code: 0 });
    expect(rec.ok).toBe(true);
  });
  it("refuses a list cut short or empty", () => {
    expect(() => parseProcesses({ stdout: cap("none.txt").replace("end\n", ""), stderr: "", code: 0 })).toThrow(ProbeParseError);
    expect(() => parseProcesses({ stdout: "end\n", stderr: "", code: 0 })).toThrow(/no process listed/);
  });
  it("is read-only and quotes nothing from the inventory into the command", () => {
    const c = processesProbe(Object.keys(TUNNEL_CLIENTS)).command;
    expect(c).not.toMatch(/\b(kill|rm|mv|tee)\b/);
    expect(c.replace(/2>\/dev\/null/g, "")).not.toMatch(/>/);
    expect(processesProbe(["x; rm -rf /", "ok"]).command).not.toContain("rm -rf");
  });
});

describe("EXPOSE-009 No tunnel client publishes a service to the internet", () => {
  it("passes a node running none", () => {
    expect(judge(node("vm100"), parse("none.txt")).status).toBe("passed");
  });
  it("fails cloudflared tunnel, frpc and ssh -R; not cloudflared proxy-dns nor ssh -L", () => {
    const m = msg(judge(node("vm100"), parse("tunnels-running.txt")));
    expect(m).toContain("Cloudflare Tunnel running");
    expect(m).toContain("tunnel --no-autoupdate run homelab");
    expect(m).toContain("frp client running");
    expect(m).toContain("SSH remote forward (ssh -R) running");
    expect(m).not.toContain("proxy-dns");
    expect(m).not.toContain("-L 9090");
  });
  it("a declared client passes; the others still fail", () => {
    const m = msg(judge(node("edge"), parse("tunnels-running.txt")));
    expect(m).not.toContain("Cloudflare Tunnel");
    expect(m).toContain("frp client running");
  });
  it("a tunnel client whose command line could not be read is counted, never passed", () => {
    const r = parse("tunnels-running.txt");
    const unread = { processes: r.processes.map((p) => (p.comm === "cloudflared" ? { pid: p.pid, comm: p.comm } : p)).filter((p) => p.comm === "cloudflared") };
    expect(msg(judge(node("vm100"), unread))).toContain("its command line could not be read");
  });
  it("reads ssh's options as ssh's getopt does", () => {
    expect(sshRemoteForward(["-N", "-R", "8080:localhost:80", "relay"])).toBe(true);
    expect(sshRemoteForward(["-fNR8080:localhost:80", "relay"])).toBe(true);
    expect(sshRemoteForward(["-o", "RemoteForward 8080 localhost:80", "relay"])).toBe(true);
    expect(sshRemoteForward(["-oRemoteForward=8080 localhost:80", "relay"])).toBe(true);
    expect(sshRemoteForward(["-L", "9090:localhost:9090", "pve"])).toBe(false);
    // An R inside another option's argument is not -R.
    expect(sshRemoteForward(["-i", "/root/.ssh/R_key", "-lROOT", "-o", "RemoteCommand=uptime", "pve"])).toBe(false);
  });
});
