// §5.2 "Identity-based overlay network … Admin and service segmentation is enforced through the
// overlay model (policy-driven)", §7 "ACL/policy documentation for overlay network": the policy
// file the operator keeps is judged offline, the way Tailscale reads it.
import { grantsPort, policyGrants, tailnetPolicy } from "../../helpers/probes/tailnet-policy.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

export default invariant(
  {
    id: "EXPOSE-008",
    title: "The tailnet policy grants admin ports to admins only, allows no accept-all, and carries tests",
    must:
      "On every node that declares `tailnet.policy`, the policy file MUST parse as HuJSON (JSON with comments and trailing commas); no `acls` or `grants` rule may accept every source to every destination and port; every rule granting an admin port (`adminPorts`, default 22 and 8006; Tailscale SSH rules count as port 22) MUST name only declared `admins` as sources; and the file MUST carry a non-empty `tests` block.",
    fix: (f, node) => `in ${node.tailnet!.policy!.file}: grant admin ports only to ${node.tailnet!.policy!.admins.join(", ")}, drop accept-all rules, keep a tests block; then push the policy (${f.subject})`,
    section: "§5.2, §7",
    family: "exposure",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.tailnet?.policy !== undefined,
    reads: (node) => ({ policy: tailnetPolicy(node.tailnet!.policy!.file) }),
    check({ node, facts }) {
      const decl = node.tailnet!.policy!;
      const f = facts.policy;
      const subject = `tailnet policy ${decl.file}`;
      if (!f.exists) return [{ subject, expected: "the policy file kept on this node", actual: "it does not exist or cannot be read" }];
      if (f.error) return [{ subject, expected: "a HuJSON policy", actual: f.error }];
      const { grants, problems } = policyGrants(f.policy);
      const findings: Finding[] = problems.map((p) => ({ subject, expected: "every rule readable", actual: p }));
      for (const g of grants) {
        if (g.src.includes("*") && g.target === "*" && g.ports === "all") {
          findings.push({ subject: `${subject} ${g.at}`, expected: "no rule that accepts every source to every destination and port", actual: `${g.at} accepts * → *:* (the default policy, left in place): no segmentation at all` });
          continue;
        }
        const ports = decl.adminPorts.filter((p) => grantsPort(g, p));
        const strangers = g.src.filter((s) => !decl.admins.includes(s));
        if (ports.length && strangers.length) {
          findings.push({ subject: `${subject} ${g.at}`, expected: `admin ports (${decl.adminPorts.join(", ")}) granted only to ${decl.admins.join(", ")}`, actual: `${g.at} grants ${ports.map((p) => `tcp/${p}`).join(", ")} on ${g.target} to ${strangers.join(", ")}` });
        }
      }
      const tests = (f.policy as Record<string, unknown>).tests;
      if (!Array.isArray(tests) || tests.length === 0) findings.push({ subject, expected: "a non-empty `tests` block (Tailscale evaluates it on every save)", actual: "the policy has no tests" });
      return findings;
    },
  },
);
