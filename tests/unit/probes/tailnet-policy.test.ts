// HuJSON read as tailscale's hujson package reads it, the tailnet policy's rules read as Tailscale
// reads them, and EXPOSE-008 judged on the lab's policy file (fixtures/images/monitoring/
// tailnet-policy.hujson) and on the file as the drift tailnet-policy-ssh-for-all leaves it.
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { describe, expect, it } from "vitest";
import { tailnetDeclared } from "../../../fixtures/lab/declared/tailnet.ts";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import { HujsonError, parseHujson, standardizeHujson } from "../../../helpers/probes/hujson.ts";
import { parsePorts, parseTailnetPolicy, policyGrants, tailnetPolicy, type TailnetPolicyFile } from "../../../helpers/probes/tailnet-policy.ts";
import { evaluate, type Verdict } from "../../../helpers/spec/evaluate.ts";
import { declared } from "../catalog-support.ts";

const FILE = "/etc/homelab/tailnet-policy.hujson";
const LAB = readFileSync("fixtures/images/monitoring/tailnet-policy.hujson", "utf8");
const read = (text: string) => parseTailnetPolicy(FILE, { stdout: `present\n${text}`, stderr: "", code: 0 });

describe("HuJSON (tailscale/hujson: JSON + comments + trailing commas)", () => {
  it("drops // and /* */ comments and trailing commas, keeps them inside strings", () => {
    expect(parseHujson(`{\n // c\n "a": [1, 2,], /* b */ "s": "x // y /* z */, ]",\n}`)).toEqual({ a: [1, 2], s: "x // y /* z */, ]" });
    expect(parseHujson(`{"a": [1, /* last */ ], }`)).toEqual({ a: [1] });
    expect(standardizeHujson(`{"a":1,}`)).toBe(`{"a":1 }`);
  });
  it("refuses what hujson refuses: unterminated strings and comments, a lone comma, plain garbage", () => {
    expect(() => parseHujson(`{"a": "x}`)).toThrow(HujsonError);
    expect(() => parseHujson(`{"a": 1 /* }`)).toThrow(HujsonError);
    expect(() => parseHujson(`[,]`)).toThrow(HujsonError);
    expect(() => parseHujson(`{a: 1}`)).toThrow(HujsonError);
  });
});

describe("the policy's rules", () => {
  it("ports: *, lists, ranges", () => {
    expect(parsePorts("*")).toBe("all");
    expect(parsePorts("22,8006")).toEqual([[22, 22], [8006, 8006]]);
    expect(parsePorts("8000-8100")).toEqual([[8000, 8100]]);
    expect(parsePorts("ssh")).toBeUndefined();
  });
  it("acls (target before the last colon), grants (ip, tcp: only), ssh (port 22)", () => {
    const { grants, problems } = policyGrants(parseHujson(LAB));
    expect(problems).toEqual([]);
    expect(grants.map((g) => `${g.at} ${g.src.join("+")} -> ${g.target} ${JSON.stringify(g.ports)}`)).toEqual([
      'acls[0] group:admins+tag:admin -> tag:server [[22,22],[8006,8006]]',
      'acls[0] group:admins+tag:admin -> tag:service [[22,22]]',
      'acls[1] group:family+group:admins -> tag:service [[443,443]]',
      'acls[2] tag:service -> tag:server [[9100,9100]]',
      "ssh[0] group:admins -> tag:server [[22,22]]",
      "ssh[0] group:admins -> tag:service [[22,22]]",
    ]);
    const g = policyGrants({ grants: [{ src: ["a"], dst: ["fd7a:115c::1"], ip: ["udp:53", "tcp:20-30"] }, { src: ["b"], dst: ["*"], app: {} }] }).grants;
    expect(g).toEqual([{ at: "grants[0]", src: ["a"], target: "fd7a:115c::1", ports: [[20, 30]] }]);
  });
  it("reads the file with head, never more than 1 MiB; tells a missing file", () => {
    expect(tailnetPolicy(FILE).command).toBe(`[ -r ${FILE} ] || { echo missing; exit 0; }; echo present; head -c 1048576 ${FILE}`);
    expect(parseTailnetPolicy(FILE, { stdout: "missing\n", stderr: "", code: 0 }).exists).toBe(false);
    expect(read("{nope").error).toMatch(/^not valid HuJSON/);
  });
});

const inv = parseInventory(dump({ version: 1, defaults: { ssh: { agent: true } }, nodes: [{ name: "lxc200", role: "monitoring", layer: 3, ssh: { host: "lxc200" }, tailnet: tailnetDeclared.lxc200 }] }), "/inv.yaml");
const node = inv.nodes[0]!;
const facts = (v: TailnetPolicyFile): NodeFacts => ({ node: "lxc200", reachable: true, roundTrips: 1, gatherMs: 1, facts: { "tailnet-policy": { ok: true, value: v, evidence: { probe: "tailnet-policy", command: "…", stdout: "", stderr: "", code: 0 } } } });
function judge(v: TailnetPolicyFile): Verdict {
  const d = declared.find((x) => x.meta.id === "EXPOSE-008")!;
  return evaluate(d.meta, d.def, node, facts(v));
}
const msg = (v: Verdict) => (v.status === "passed" ? "" : v.message);


describe("EXPOSE-008 on the lab's policy", () => {
  it("defaults: admin ports 22 and 8006", () => expect(node.tailnet!.policy!.adminPorts).toEqual([22, 8006]));
  it("passes the lab's policy file", () => expect(judge(read(LAB)).status).toBe("passed"));
  it("fails the drifted file: SSH to the servers for the family group", () => {
    expect(msg(judge(read(readFileSync("fixtures/captured/tailnet/tailnet-policy-ssh-for-all.hujson", "utf8"))))).toContain(
      "tailnet policy /etc/homelab/tailnet-policy.hujson acls[0]: expected admin ports (22, 8006) granted only to group:admins, tag:admin; actual acls[0] grants tcp/22 on tag:server to group:family",
    );
  });
  it("fails the default accept-all, a policy without tests, a Tailscale SSH rule for non-admins, an unparsable file", () => {
    const p = parseHujson(LAB) as Record<string, unknown>;
    expect(msg(judge(read(JSON.stringify({ ...p, acls: [{ action: "accept", src: ["*"], dst: ["*:*"] }] }))))).toContain("accepts * → *:* (the default policy, left in place)");
    expect(msg(judge(read(JSON.stringify({ ...p, tests: [] }))))).toContain("the policy has no tests");
    expect(msg(judge(read(JSON.stringify({ ...p, ssh: [{ action: "accept", src: ["autogroup:member"], dst: ["tag:server"], users: ["root"] }] }))))).toContain("ssh[0] grants tcp/22 on tag:server to autogroup:member");
    expect(msg(judge(read(`{"acls": [}`)))).toContain("not valid HuJSON");
    expect(msg(judge({ file: FILE, exists: false }))).toContain("does not exist");
  });
  it("a grant with ip * to a non-admin covers the admin ports", () => {
    const p = parseHujson(LAB) as Record<string, unknown>;
    expect(msg(judge(read(JSON.stringify({ ...p, grants: [{ src: ["group:family"], dst: ["tag:server"], ip: ["*"] }] }))))).toContain("grants[0] grants tcp/22, tcp/8006 on tag:server to group:family");
  });
});
