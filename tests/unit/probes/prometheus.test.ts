import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { prometheusTargets } from "../../../helpers/probes/prometheus.ts";

const probe = prometheusTargets("http://127.0.0.1:9090/");
const parse = (file: string) => probe.parse({ stdout: readFileSync(`fixtures/captured/probes/${file}`, "utf8"), stderr: "", code: 0 });

describe("prometheus targets probe", () => {
  it("asks the active targets of the URL it is given, with curl or wget", () => {
    expect(probe.command).toContain("'http://127.0.0.1:9090/api/v1/targets?state=active'");
    expect(probe.command).toMatch(/curl .*wget/);
  });

  it("reads health, labels and the last error of every target from real output", () => {
    const up = parse("prometheus-targets-up.json");
    expect(up.find((t) => t.labels.node === "vm102")).toMatchObject({ job: "node", health: "up", scrapeUrl: "http://vm102:9100/metrics" });
    const down = parse("prometheus-targets-down.json").find((t) => t.labels.node === "vm102")!;
    expect(down.health).toBe("down");
    expect(down.lastError).toMatch(/connection refused/);
  });

  it("refuses what is not a Prometheus answer instead of reporting no targets", () => {
    expect(() => probe.parse({ stdout: "<html>", stderr: "", code: 0 })).toThrow(/not JSON/);
    expect(() => probe.parse({ stdout: '{"status":"error"}', stderr: "", code: 0 })).toThrow(/unexpected answer/);
    expect(() => probe.parse({ stdout: "", stderr: "curl: (7) Failed to connect", code: 7 })).toThrow(/exit 7/);
  });
});
