// §7 "IaC-style documentation: systemd units snippets (sanitized)": the repo's snippet is
// documentation only while the node's unit still says it. Each declared snippet, read on the node
// that keeps the checkout, is compared directive by directive, section by section, with the unit
// as `systemctl cat` shows it on this node (fragment and drop-ins; helpers/probes/unit-files.ts for
// how systemd merges them). The snippet may leave settings out; what it says must hold.
import { keptOn } from "../../helpers/inventory/sections/repo-copies.ts";
import { missingFromUnit, unitCat, unitSnippet, type UnitCat, type UnitSnippet } from "../../helpers/probes/unit-files.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

export default invariant(
  {
    id: "BOOT-012",
    title: "The repo's systemd unit snippets are what the units say",
    must:
      "For every unit snippet a node declares under `repoCopies.units` (read on `repoCopies.keptOn`, the node that keeps the repo checkout), the unit MUST exist on the node and every directive of the snippet MUST hold in the unit as `systemctl cat` shows it (fragment, then drop-ins): per section, a list setting (After=, Wants=, ExecStart=, WantedBy=, …; an empty assignment resets it) MUST contain each of the snippet's values, any other setting MUST have the snippet's value as its last assignment; Environment= is compared by the names it sets, never by values.",
    fix: (f, node) => `update the repo copy ${f.subject.match(/\(copy (\S+) on /)?.[1] ?? "of the unit"} on ${keptOn(node)} to what the unit says, or re-deploy the unit from it on ${node.name} (then systemctl daemon-reload) (${f.subject}: ${f.expected})`,
    section: "§7, §3.3",
    family: "boot",
    severity: "normal",
  },
  {
    appliesTo: (node) => (node.repoCopies?.units.length ?? 0) > 0,
    reads: (node) => ({
      ...Object.fromEntries(node.repoCopies!.units.map((u, i) => [`unit${i}`, unitCat(u.unit)])),
      ...(keptOn(node) === node.name ? Object.fromEntries(node.repoCopies!.units.map((u, i) => [`snippet${i}`, unitSnippet(u.file)])) : {}),
    }),
    peers: (node) => (keptOn(node) === node.name ? [] : node.repoCopies!.units.map((u) => ({ node: keptOn(node), probe: unitSnippet(u.file) }))),
    check({ node, facts, peer }) {
      const holder = keptOn(node);
      const all = facts as Record<string, unknown>;
      const findings: Finding[] = [];
      node.repoCopies!.units.forEach((decl, i) => {
        const subject = `${decl.unit} (copy ${decl.file} on ${holder})`;
        let snippet: UnitSnippet;
        if (holder === node.name) snippet = all[`snippet${i}`] as UnitSnippet;
        else {
          const p = peer(holder, unitSnippet(decl.file));
          if (!p.ok) return void findings.push({ subject, expected: "the repo copy read on the node that keeps the checkout", actual: `not read: ${p.why}` });
          snippet = p.value;
        }
        if (!snippet.exists) return void findings.push({ subject, expected: `the unit snippet kept in the repo checkout (${decl.file})`, actual: "it does not exist or cannot be read" });
        if (!snippet.directives.length) return void findings.push({ subject, expected: "a unit snippet with directives", actual: "no [Section] Key=Value line in it" });
        const unit = all[`unit${i}`] as UnitCat;
        if (!unit.exists) return void findings.push({ subject, expected: `unit ${decl.unit} on ${node.name}`, actual: "no such unit (systemctl cat: no files found)" });
        for (const m of missingFromUnit(snippet.directives, unit.directives)) findings.push({ subject: `${subject} ${m.setting}`, expected: m.expected, actual: `${m.actual} (in ${unit.files.join(", ")})` });
      });
      return findings;
    },
  },
);
