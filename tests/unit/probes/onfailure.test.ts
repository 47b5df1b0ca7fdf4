// DATA-022 and its probe on REAL output: the probe's command on the lab's vm102 (systemd 252), whose
// snapraid-sync/-scrub services carry the drop-in OnFailure=hlc-notify@%n.service
// (fixtures/captured/boot/lab-vm102-onfailure.stdout.txt).
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { onFailure, parseOnFailure } from "../../../helpers/probes/onfailure.ts";
import { ProbeParseError } from "../../../helpers/probes/types.ts";
import { declared, type Declared } from "../catalog-support.ts";
import { NO_SCENE } from "../catalog-support.ts";
import type { NodeDecl } from "../../../helpers/inventory/types.ts";

const read = (f: string) => readFileSync(new URL(`../../../fixtures/captured/boot/${f}`, import.meta.url), "utf8");
const ok = (stdout: string) => ({ stdout, stderr: "", code: 0 });

describe("OnFailure probe and DATA-022", () => {
  let judge: (jobs: ReturnType<typeof parseOnFailure> extends infer F ? (F extends { systemd: true; units: infer U } ? U : never) : never) => Array<{ subject: string; actual: string }>;
  let spec: Declared;
  beforeAll(async () => {
    judge = (await import("../../../specs/data/snapraid-notify.spec.ts")).judgeNotified;
    spec = declared.find((d) => d.meta.id === "DATA-022")!;
  });

  it("parses the lab's two jobs, each with its loaded notifier, and judges them conformant", () => {
    const f = parseOnFailure(ok(read("lab-vm102-onfailure.stdout.txt")));
    if (!f.systemd) throw new Error("expected systemd");
    expect(f.units).toEqual([
      { timer: "snapraid-sync.timer", service: "snapraid-sync.service", onFailure: [{ unit: "hlc-notify@snapraid-sync.service.service", loadState: "loaded", fragmentPath: "/etc/systemd/system/hlc-notify@.service" }] },
      { timer: "snapraid-scrub.timer", service: "snapraid-scrub.service", onFailure: [{ unit: "hlc-notify@snapraid-scrub.service.service", loadState: "loaded", fragmentPath: "/etc/systemd/system/hlc-notify@.service" }] },
    ]);
    expect(judge(f.units)).toEqual([]);
  });

  it("a job without OnFailure= (the drift snapraid-no-onfailure) and a notifier that does not load fail", () => {
    const text = read("lab-vm102-onfailure.stdout.txt")
      .replace(/@@hlc-onfailure handler hlc-notify@snapraid-sync\.service\.service .*\n/, "")
      .replace("hlc-notify@snapraid-scrub.service.service loaded /etc/systemd/system/hlc-notify@.service", "notify-mail@snapraid-scrub.service.service not-found ");
    const f = parseOnFailure(ok(text));
    if (!f.systemd) throw new Error("expected systemd");
    expect(judge(f.units).map((x) => `${x.subject}: ${x.actual}`)).toEqual([
      "snapraid-sync.service (started by snapraid-sync.timer): no OnFailure=: a failed run is seen only by whoever looks (add OnFailure=notify@%n.service to the service or a drop-in)",
      "snapraid-scrub.service (started by snapraid-scrub.timer): notify-mail@snapraid-scrub.service.service is not-found: the notification would never run",
    ]);
  });

  it("applies where a schedule is declared, planned where SnapRAID runs by hand; refuses garbage", () => {
    const sched = { storage: { snapraid: { config: "/etc/snapraid.conf", schedule: { sync: { timer: "snapraid-sync.timer" } } } } } as unknown as NodeDecl;
    const manual = { storage: { snapraid: { config: "/etc/snapraid.conf" } } } as unknown as NodeDecl;
    expect(spec.def.appliesTo(sched, NO_SCENE)).toBe(true);
    expect(spec.def.appliesTo(manual, NO_SCENE)).toBe(false);
    expect(spec.def.planned!(manual, NO_SCENE)).toMatch(/^planned in §7/);
    expect(parseOnFailure(ok("hlc-probe: no systemd\n"))).toEqual({ systemd: false });
    expect(() => parseOnFailure(ok("garbage\n"))).toThrow(ProbeParseError);
    expect(() => onFailure(["x.service"])).toThrow(/bad timer/);
  });
});
