// §5.3 "Consistent UID/GID handling across boundaries". A file written as media on one node must
// be media's on every other node that mounts it: the same name must carry the same uid and gid
// everywhere it is declared. Judged per node from getent; the message names the values seen on
// the other nodes that declare the identity, so the odd one out is plain.
import type { IdentityDecl } from "../../helpers/inventory/sections/identities.ts";
import { accounts, type Accounts } from "../../helpers/probes/accounts.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";
import type { Inventory, NodeDecl } from "../../helpers/inventory/types.ts";

/** The other nodes that declare one of `node`'s identities: their accounts are named in its message. */
function othersDeclaring(node: NodeDecl, inventory: Inventory): string[] {
  const mine = new Set((node.identities ?? []).map((i) => i.name));
  return inventory.nodes.filter((n) => n.name !== node.name && (n.identities ?? []).some((i) => mine.has(i.name))).map((n) => n.name);
}

function seen(a: Accounts | undefined, name: string): string {
  if (!a) return "not probed";
  const u = a.users.find((x) => x.name === name);
  const g = a.groups.find((x) => x.name === name);
  return `${u ? `${u.uid}:${u.gid}` : "no user"}${g ? (u && g.gid === u.gid ? "" : `, group ${g.gid}`) : ", no group"}`;
}

export default invariant(
  {
    id: "IDENT-001",
    title: "One identity, one uid/gid on every node",
    must:
      "Every identity declared under `identities` on a node MUST exist there (getent passwd and getent group) with the declared uid and primary gid, and the group of the same name MUST have that gid; an identity declared on several nodes MUST be declared with the same uid/gid on all of them.",
    fix: (f, node) => `on ${node.name}: groupmod -g <gid> ${f.subject.replace(/^identity (\S+).*$/, "$1")} && usermod -u <uid> -g <gid> ${f.subject.replace(/^identity (\S+).*$/, "$1")} (wanted: ${f.expected}); then chown the files the old ids owned (find / -xdev -uid <old uid>)`,
    section: "§5.3",
    family: "identity",
    severity: "critical",
  },
  {
    appliesTo: (node) => (node.identities?.length ?? 0) > 0,
    reads: () => ({ accounts }),
    peers: (node, { inventory }) => othersDeclaring(node, inventory).map((n) => ({ node: n, probe: accounts })),
    check(ctx) {
      const here = ctx.node.name;
      const mine = ctx.facts.accounts;
      const accountsOf = (node: string): Accounts | undefined => {
        const f = ctx.peer(node, accounts);
        return f.ok ? f.value : undefined;
      };
      const findings: Finding[] = [];
      for (const id of ctx.node.identities!) {
        const others = ctx.inventory.nodes.flatMap((n) => {
          const d = n.name === here ? undefined : n.identities?.find((x) => x.name === id.name);
          return d ? [{ node: n.name, decl: d }] : [];
        });
        const want = `${id.uid}:${id.gid}`;
        const elsewhere = others.map((o) => `${seen(accountsOf(o.node), id.name)} on ${o.node}`);
        const context = elsewhere.length ? `; ${elsewhere.join(", ")}` : "";

        const disagree = others.filter((o) => o.decl.uid !== id.uid || o.decl.gid !== id.gid);
        if (disagree.length) {
          findings.push({
            subject: `identity ${id.name} (inventory)`,
            expected: `the same uid:gid wherever ${id.name} is declared`,
            actual: `declared ${want} on ${here}, ${disagree.map((o) => `${o.decl.uid}:${o.decl.gid} on ${o.node}`).join(", ")}`,
          });
        }
        const problems = identityProblems(mine, id);
        if (problems.length) {
          findings.push({
            subject: `identity ${id.name}`,
            expected: `user ${id.name} uid ${id.uid} gid ${id.gid}, group ${id.name} gid ${id.gid}`,
            actual: `${problems.join(", ")} on ${here}${context} (declared ${want})`,
          });
        }
      }
      return findings;
    },
  },
);

/** What differs between the node's accounts and one declared identity. */
export function identityProblems(a: Accounts, id: IdentityDecl): string[] {
  const out: string[] = [];
  const u = a.users.find((x) => x.name === id.name);
  const g = a.groups.find((x) => x.name === id.name);
  if (!u) out.push(`no user ${id.name}`);
  else {
    if (u.uid !== id.uid) out.push(`uid ${u.uid}`);
    if (u.gid !== id.gid) out.push(`primary gid ${u.gid}`);
  }
  if (!g) out.push(`no group ${id.name}`);
  else if (g.gid !== id.gid) out.push(`group ${id.name} gid ${g.gid}`);
  const squatter = a.users.find((x) => x.uid === id.uid && x.name !== id.name);
  if (squatter) out.push(`uid ${id.uid} belongs to ${squatter.name}`);
  return out;
}
