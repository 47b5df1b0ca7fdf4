import { describe, expect, it } from "vitest";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { failedUnits, findUnit, SYSTEM_STATE_MARK, unitProperties, type UnitProps } from "../../../helpers/probes/systemd.ts";
import { capture, capture as captureFile, out, out as out0 } from "./capture.ts";

// The unit list the systemctl-show.txt capture was taken with (see README).
const CAPTURED = [
  "hlc-ok.service", "hlc-broken.service", "systemd-networkd-wait-online.service", "nonexistent-xyz.service",
  "runlevel3.target", "-.mount", "systemd-journald.socket", "getty@tty1.service",
];

function units<T>(fact: { systemd: false } | { systemd: true; units: T }): T {
  if (!fact.systemd) throw new Error("expected systemd: true");
  return fact.units;
}

describe("unitProperties (systemd 252 captures)", () => {
  const probe = unitProperties(CAPTURED);
  const show = units(probe.parse(capture("systemctl-show.txt")));

  it("builds a guarded, quoted command with Id and Names always requested", () => {
    expect(probe.command).toContain("if [ -d /run/systemd/system ]; then systemctl show --no-pager -p Id,Names,Description,");
    expect(probe.command).toContain("-- 'hlc-ok.service' 'hlc-broken.service'");
    expect(unitProperties(["a.service"], ["ActiveState"]).command).toContain("-p Id,Names,ActiveState --");
    expect(() => unitProperties([])).toThrow();
    expect(() => unitProperties(["ssh*"])).toThrow(/bad unit name/);
    expect(() => unitProperties(["a.service; reboot"])).toThrow(/bad unit name/);
    expect(() => unitProperties(["a.service"], ["Id;x"])).toThrow(/bad property/);
  });

  it("keys one block per unit by Id", () => {
    expect(Object.keys(show).sort()).toEqual([...CAPTURED.filter((u) => u !== "runlevel3.target"), "multi-user.target"].sort());
  });

  it("reads running, failed, masked and missing units", () => {
    expect(show["hlc-ok.service"]).toMatchObject({ LoadState: "loaded", ActiveState: "active", SubState: "running", UnitFileState: "enabled", Description: "Long-running demo, with commas: a, b" });
    expect(show["hlc-broken.service"]).toMatchObject({ ActiveState: "failed", Result: "exit-code", ExecMainStatus: "1" });
    expect(show["systemd-networkd-wait-online.service"]).toMatchObject({ LoadState: "masked", UnitFileState: "masked" });
    expect(show["nonexistent-xyz.service"]).toMatchObject({ LoadState: "not-found", ActiveState: "inactive", UnitFileState: "" });
  });

  it("finds aliases through Names; properties that don't apply are absent", () => {
    const target = findUnit(show, "runlevel3.target");
    expect(target?.Id).toBe("multi-user.target");
    expect(target).not.toHaveProperty("Result");
    expect(findUnit(show, "autovt@tty1.service")?.Id).toBe("getty@tty1.service");
    expect(findUnit(show, "-.mount")).toMatchObject({ Description: "Root Mount", SubState: "mounted" });
    expect(findUnit(show, "nope.service")).toBeUndefined();
  });

  it("splits at the first '=' so values keep theirs", () => {
    const p = unitProperties(["hlc-ok.service"], ["Id", "ExecStart", "Environment"]);
    const u: UnitProps = units(p.parse(capture("systemctl-show-exec-env.txt")))["hlc-ok.service"]!;
    expect(u.Environment).toBe('"GREETING=hello world" MODE=a=b');
    expect(u.ExecStart).toMatch(/^\{ path=\/bin\/sleep ; argv\[\]=\/bin\/sleep infinity ;/);
  });

  it("reports { systemd: false } on a node without systemd", () => {
    expect(probe.parse(capture("systemctl-show-no-systemd.txt"))).toEqual({ systemd: false });
  });

  it("throws ProbeParseError on garbage, a missing block or a failed systemctl", () => {
    expect(() => unitProperties(["a.service"]).parse(out("Id=a.service\nthis is not a property\n"))).toThrow('"this is not a property"');
    expect(() => unitProperties(["a.service"]).parse(out("LoadState=loaded\n"))).toThrow(/without Id/);
    expect(() => unitProperties(["a.service", "b.service"]).parse(out("Id=a.service\n"))).toThrow(/expected 2 unit blocks/);
    expect(() => unitProperties(["a.service"]).parse(out(""))).toThrow(ProbeParseError);
    const down = out("", 1, "System has not been booted with systemd as init system (PID 1). Can't operate.");
    expect(() => probe.parse(down)).toThrow(/exited 1: System has not been booted/);
  });
});

describe("failedUnits (systemd 252 captures)", () => {
  // The captures are systemctl's list; the probe's own last line (is-system-running) is added here.
  const capture = (f: string) => {
    const o = captureFile(f);
    return o.stdout.includes("hlc-probe: no systemd") ? o : { ...o, stdout: `${o.stdout}${SYSTEM_STATE_MARK} ${o.stdout.trim() ? "degraded" : "running"}\n` };
  };
  const out = (stdout: string, code = 0, stderr = "") => out0(`${stdout}${SYSTEM_STATE_MARK} degraded\n`, code, stderr);
  const expected = [
    { unit: "hlc-broken.service", load: "loaded", active: "failed", sub: "failed", description: "Fails on purpose (for capture)" },
    { unit: "hlc-exit3.service", load: "loaded", active: "failed", sub: "failed", description: "Exits non-zero after start" },
  ];
  const later = [
    ...expected,
    { unit: "hlc-gone.service", load: "not-found", active: "failed", sub: "failed", description: "hlc-gone.service" },
    { unit: "hlc-nodesc.service", load: "loaded", active: "failed", sub: "failed", description: "hlc-nodesc.service" },
  ];

  it("reads --plain lines", () => {
    expect(failedUnits.command).toContain("systemctl list-units --failed --plain --no-legend --no-pager");
    expect(units(failedUnits.parse(capture("systemctl-failed-plain.txt")))).toEqual(expected);
    expect(units(failedUnits.parse(capture("systemctl-failed-plain-probe.txt")))).toEqual(later);
  });

  it("strips the ● bullet printed without --plain", () => {
    expect(capture("systemctl-failed-bullet.txt").stdout.startsWith("● ")).toBe(true);
    expect(units(failedUnits.parse(capture("systemctl-failed-bullet.txt")))).toEqual(expected);
    expect(units(failedUnits.parse(capture("systemctl-failed-bullet-notfound.txt")))).toEqual(later);
    expect(units(failedUnits.parse(out("* x.service loaded failed failed X\n")))).toHaveLength(1);
  });

  it("nothing failed → empty list; no systemd → { systemd: false }", () => {
    expect(failedUnits.parse(capture("systemctl-failed-none.txt"))).toEqual({ systemd: true, units: [] });
    expect(failedUnits.parse(capture("systemctl-failed-no-systemd.txt"))).toEqual({ systemd: false });
  });

  it("refuses an answer without a believable system state: empty, garbage, or degraded with nothing failed", () => {
    expect(() => failedUnits.parse(out0(""))).toThrow(/no "hlc-system-state" line/);
    expect(() => failedUnits.parse(out0(`${SYSTEM_STATE_MARK} \n`))).toThrow(/not a state of systemd/);
    expect(() => failedUnits.parse(out0(`garbage\n${SYSTEM_STATE_MARK} \u00ffgarbage\n`))).toThrow(ProbeParseError);
    expect(() => failedUnits.parse(out0(`${SYSTEM_STATE_MARK} degraded\n`))).toThrow(/degraded but systemctl listed no failed unit/);
    expect(failedUnits.parse(out0(`${SYSTEM_STATE_MARK} running\n`))).toEqual({ systemd: true, units: [] });
  });

  it("throws ProbeParseError on garbage or a failed systemctl", () => {
    expect(() => failedUnits.parse(out("UNIT LOAD ACTIVE SUB DESCRIPTION\n"))).toThrow(ProbeParseError);
    expect(() => failedUnits.parse(out("0 loaded units listed.\n"))).toThrow('"0 loaded units listed."');
    expect(() => failedUnits.parse(out("", 1, "Failed to connect to bus"))).toThrow(/exited 1/);
  });
});
