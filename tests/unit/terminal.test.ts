// The CLI's own terminal answer (issue #24): one line per failure with expected → actual and its
// fix on the next line, an unreachable node as one line (not one failure per check), no colour
// off a terminal or with NO_COLOR, --quiet without the table.
import { afterEach, describe, expect, it } from "vitest";
import { renderTerminal } from "../../helpers/report/terminal.ts";
import { record, resultsBody } from "./results-fixture.ts";

const FIX = "on vm102: in smb.conf, [global] map to guest = Never; then smbcontrol smbd reload-config";
const body = () =>
  resultsBody(
    [
      record("SHARE-003", "vm102", "failed", { findings: [{ subject: "[global] map to guest", expected: "Never", actual: "Bad User", fix: FIX }], message: "SHARE-003 [vm102] ..." }),
      record("EXPOSE-001", "lxc210", "failed", { kind: "unreachable", message: "EXPOSE-001 [lxc210] node unreachable" }),
      record("BOOT-006", "lxc210", "failed", { kind: "unreachable", message: "BOOT-006 [lxc210] node unreachable" }),
      record("BOOT-006", "vm100", "passed"),
    ],
    { nodes: [{ node: "vm102", reachable: true }, { node: "lxc210", reachable: false, error: "connect ECONNREFUSED 10.0.0.210:22" }, { node: "vm100", reachable: true }] },
  );

afterEach(() => {
  delete process.env.NO_COLOR;
});

describe("the terminal answer", () => {
  it("a failure is one line with node, invariant, expected → actual, then its fix; an unreachable node one line", () => {
    const out = renderTerminal(body(), { tty: false });
    expect(out).toContain("  ✗ vm102    SHARE-003  [global] map to guest: Never → Bad User\n      fix: " + FIX);
    expect(out).toContain("lxc210: connect ECONNREFUSED 10.0.0.210:22 (2 checks not judged)");
    expect(out).not.toMatch(/EXPOSE-001 +.*lxc210|lxc210 +EXPOSE-001/);
    expect(out).toMatch(/Failed \(1\)/);
    expect(out).not.toContain("\x1b[");
  });

  it("colour only on a terminal, never with NO_COLOR; --quiet leaves out the table", () => {
    expect(renderTerminal(body(), { tty: true })).toContain("\x1b[");
    process.env.NO_COLOR = "1";
    expect(renderTerminal(body(), { tty: true })).not.toContain("\x1b[");
    const quiet = renderTerminal(body(), { tty: false, quiet: true });
    expect(quiet).not.toContain("passed failed");
    expect(quiet).not.toMatch(/^layer /m);
    expect(quiet).toContain("fix: " + FIX);
    expect(quiet).toMatch(/NOT CONFORMANT/);
  });

  it("only unreachable nodes failed: the verdict says not judged, not a list of failures", () => {
    const b = body();
    b.results = b.results.filter((r) => r.kind === "unreachable" || r.status === "passed");
    b.counts = { total: 3, passed: 1, failed: 2, skipped: 0, waived: 0 };
    expect(renderTerminal(b, { tty: false })).toMatch(/NOT JUDGED: 1 node\(s\) unreachable, nothing else failed/);
  });
});
