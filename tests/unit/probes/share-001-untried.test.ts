// SHARE-001 never counts an access step it did not try as compliant (issue 21, point 10). Input:
// the real conformant capture of vm102's access matrix (fixtures/captured/samba/access-conformant.txt)
// with one read-only identity's steps cut as a probe that stopped before them leaves them, and
// with the probe's own skip note for a share that has nothing to rename.
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { describe, expect, it } from "vitest";
import { sharesDeclared } from "../../../fixtures/lab/declared/shares.ts";
import type { NodeFacts } from "../../../helpers/facts/types.ts";
import { parseInventory } from "../../../helpers/inventory/load.ts";
import { accounts } from "../../../helpers/probes/accounts.ts";
import { parseSmbSteps, SAMBA_ACCESS } from "../../../helpers/probes/samba-access.ts";
import { sambaConfig } from "../../../helpers/probes/samba-config.ts";
import { sambaShares } from "../../../helpers/probes/samba-shares.ts";
import { evaluate } from "../../../helpers/spec/evaluate.ts";
import { declared } from "../catalog-support.ts";

const read = (f: string) => readFileSync(`fixtures/captured/samba/${f}`, "utf8");
const out = (stdout: string) => ({ stdout, stderr: "", code: 0 });
const vm102 = parseInventory(
  dump({ version: 1, defaults: { ssh: { agent: true } }, nodes: [{ name: "vm102", role: "storage", layer: 1, ssh: { host: "vm102" }, shares: sharesDeclared.vm102 }] }),
  "/lab/abc/inventory.yaml",
).nodes[0]!;

function judge(access: string) {
  const rec = (name: string, stdout: string, value: unknown) => [name, { ok: true, value, evidence: { probe: name, command: "…", stdout, stderr: "", code: 0 } }] as const;
  const t = read("testparm-conformant.txt");
  const a = read("accounts-storage.txt");
  const sh = read("shares-conformant.txt");
  const facts: NodeFacts = {
    node: "vm102", reachable: true, roundTrips: 1, gatherMs: 1,
    facts: Object.fromEntries([rec(sambaConfig.name, t, sambaConfig.parse(out(t))), rec(accounts.name, a, accounts.parse(out(a))), rec(sambaShares.name, sh, sambaShares.parse(out(sh))), rec(SAMBA_ACCESS, access, parseSmbSteps(SAMBA_ACCESS, "d9279ab3", out(access)))]),
  };
  const d = declared.find((x) => x.meta.id === "SHARE-001")!;
  return evaluate(d.meta, d.def, vm102, facts);
}


describe("SHARE-001: a step never tried is not judged, never compliant", () => {
  const conformant = read("access-conformant.txt");
  it("the real conformant capture passes", () => {
    expect(judge(conformant).status).toBe("passed");
  });

  it("calibre's write steps on books cut (the probe stopped before them): fails, naming each step not tried", () => {
    // each step's whole block: its `step` line, smbclient's output and `rc`, up to the next step or note
    const kept: string[] = [];
    let dropping = false;
    for (const l of conformant.split("\n")) {
      if (/\t(step|note)\t/.test(l)) dropping = /\tbooks\tcalibre\t(put|mkdir|rename|delete)(\t|$)/.test(l);
      if (!dropping) kept.push(l);
    }
    const cut = kept.join("\n");
    expect(cut).not.toBe(conformant);
    const v = judge(cut);
    expect(v.status).toBe("failed");
    const msg = v.status === "failed" ? v.message : "";
    expect(msg).toContain("share books, identity calibre: expected read-only; actual put: not tried (no result: the probe stopped early), so not judged: cannot tell whether calibre may write");
    expect(msg).toContain("rmdir of");
  });

  it("a rename the probe skipped (nothing to rename) is named with the probe's own reason", () => {
    const lines = conformant.split("\n");
    const i = lines.findIndex((l) => /\tbooks\tcalibre\trename$/.test(l));
    // the step block runs from its `step` line to the next step/note of another kind: replace it by the skip note
    let j = i + 1;
    while (j < lines.length && !/\t(step|note)\t/.test(lines[j]!)) j++;
    const nonce = lines[i]!.split("\t")[0]!;
    const skipped = [...lines.slice(0, i), `${nonce}\tnote\tbooks\tcalibre\trename\tskipped\tno file under the share to rename`, ...lines.slice(j)].join("\n");
    const v = judge(skipped);
    expect(v.status).toBe("failed");
    expect(v.status === "failed" ? v.message : "").toContain("rename of");
    expect(v.status === "failed" ? v.message : "").toContain("not tried (no file under the share to rename), so not judged");
  });
});
