// `npm run schedule -- install|uninstall` (scripts/schedule.ts) against a target root: the units it
// writes, what it refuses, and what it would run on a real host. systemd-analyze verify of the
// written units: tests/integration/prometheus-tools.test.ts.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
// Not under /tmp: the unit has PrivateTmp=yes, so install refuses paths there (tested below).
const SCRATCH = join(process.cwd(), ".scratch");
mkdirSync(SCRATCH, { recursive: true });
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { install, parseInstall, renderUnits, setKeys, uninstall, unitDir } from "../../scripts/schedule.ts";

const ROOT = resolve(import.meta.dirname, "../..");
// A checkout the service could not see (ProtectHome=yes, PrivateTmp=yes) is refused by install,
// rightly: these cases need a checkout elsewhere (CI's and the developers' are; a clone under /tmp is not).
const HIDDEN = ["/home/", "/root/", "/run/user/", "/tmp/", "/var/tmp/"].find((p) => `${ROOT}/`.startsWith(p));
const needsVisibleCheckout = it.skipIf(HIDDEN !== undefined);

function target() {
  const root = mkdtempSync(join(SCRATCH, "hlc-root-"));
  const inventory = join(root, "inventory.yaml");
  copyFileSync(join(ROOT, "inventory/example.yaml"), inventory);
  return { root, inventory };
}

describe("schedule install / uninstall", () => {
  it("runs from a checkout the service can see", (ctx) => {
    if (HIDDEN) ctx.skip(`this checkout (${ROOT}) is under ${HIDDEN}, which the installed service cannot see: install refuses it, so its cases are skipped here`);
  });
  needsVisibleCheckout("install writes both units with the inventory, textfile dir, user and schedule; on a target root it runs nothing", () => {
    const { root, inventory } = target();
    const lines: string[] = [];
    const ran: string[] = [];
    install(parseInstall(["--inventory", inventory, "--textfile-dir", "/srv/textfile", "--user", "hlc-runner", "--on-calendar", "*-*-* *:00/30:00", "--stale-after", "1h", "--keep", "5", "--root", root]), (l) => lines.push(l), (c, a) => ran.push(`${c} ${a.join(" ")}`));
    expect(ran).toEqual([]);
    const service = readFileSync(join(unitDir(root), "homelab-conformance.service"), "utf8");
    const timer = readFileSync(join(unitDir(root), "homelab-conformance.timer"), "utf8");
    expect(service).toContain("\nUser=hlc-runner\nGroup=hlc-runner\n");
    expect(service).toContain(`\nEnvironment=HLC_INVENTORY=${inventory}\n`);
    expect(service).toContain("\nEnvironment=HLC_TEXTFILE_DIR=/srv/textfile\n");
    expect(service).toContain("\nEnvironment=HLC_STALE_AFTER=1h\n");
    expect(service).toContain("\nEnvironment=HLC_RUNS_KEEP=5\n");
    // Read-only by default, and not by an environment variable: opt-ins come from flags only.
    expect(service).not.toContain("HLC_ALLOW_WRITE_PROBES");
    expect(service).toContain(`\nWorkingDirectory=${ROOT}\n`);
    expect(service).toContain(`\nExecStart=${process.execPath} ${ROOT}/dist/scripts/scheduled-run.js\n`);
    expect(service).toContain(`\nReadWritePaths=${ROOT}/reports/runs /srv/textfile\n`);
    for (const h of ["ProtectSystem=strict", "ProtectHome=yes", "NoNewPrivileges=yes", "PrivateTmp=yes", "CapabilityBoundingSet=\n"]) expect(service).toContain(`\n${h}`);
    expect(timer).toContain("\nOnCalendar=*-*-* *:00/30:00\n");
    expect(timer).toContain("\nPersistent=true\n");
    expect(timer).toContain("\nRandomizedDelaySec=1h\n");
    expect(lines.filter((l) => l.startsWith("not run"))).toEqual([
      `not run (target root ${root}): useradd --system --user-group --home-dir /var/lib/homelab-conformance --no-create-home --shell /usr/sbin/nologin hlc-runner   # the dedicated user`,
      `not run (target root ${root}): install -d -o hlc-runner -g hlc-runner -m 0750 ${ROOT}/reports/runs   # the runs folder`,
      `not run (target root ${root}): install -d -m 0755 /srv/textfile   # the textfile directory`,
      `not run (target root ${root}): sh -c chgrp hlc-runner /srv/textfile && chmod g+w /srv/textfile   # let hlc-runner write the textfile directory`,
      `not run (target root ${root}): systemctl daemon-reload   # load the units`,
      `not run (target root ${root}): systemctl enable --now homelab-conformance.timer   # start the schedule`,
    ]);
  });

  needsVisibleCheckout("the defaults: daily at 04:00 with up to 1 h delay, stale after 26 h, 30 runs kept", () => {
    const { root, inventory } = target();
    const { service, timer } = renderUnits(parseInstall(["--inventory", inventory, "--textfile-dir", "/var/lib/prometheus/node-exporter", "--root", root]));
    expect(service).toContain("\nUser=homelab-conformance\n");
    expect(service).toContain("\nEnvironment=HLC_STALE_AFTER=26h\n");
    expect(service).toContain("\nEnvironment=HLC_RUNS_KEEP=30\n");
    expect(timer).toContain("\nOnCalendar=*-*-* 04:00:00\n");
  });

  needsVisibleCheckout("refuses what would break the service, saying why", () => {
    const { inventory } = target();
    const refused = (argv: string[]) => {
      try {
        parseInstall(argv);
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    };
    expect(refused(["--textfile-dir", "/srv/t"])).toBe("install needs --inventory FILE: the homelab the scheduled run checks");
    expect(refused(["--inventory", inventory])).toMatch(/^install needs --textfile-dir DIR/);
    expect(refused(["--inventory", inventory, "--textfile-dir", "/srv/t", "--on-calendar", "hourly"])).toMatch(/^--on-calendar needs --stale-after/);
    expect(refused(["--inventory", inventory, "--textfile-dir", "/srv/t", "--user", "root"])).toBe('--user: a non-root system user name, got "root"');
    expect(refused(["--inventory", inventory, "--textfile-dir", "/home/me/tf"])).toMatch(/^--textfile-dir: \/home\/me\/tf is under \/home, which the service cannot see \(ProtectHome=yes\)/);
    // PrivateTmp=yes: the service's /tmp and /var/tmp are its own, empty (issue #24).
    expect(refused(["--inventory", inventory, "--textfile-dir", "/tmp/tf"])).toMatch(/^--textfile-dir: \/tmp\/tf is under \/tmp, which the service cannot see \(PrivateTmp=yes/);
    expect(refused(["--inventory", inventory, "--textfile-dir", "/srv/t", "--runs-dir", "/var/tmp/runs"])).toMatch(/^--runs-dir: .*PrivateTmp=yes/);
    expect(refused(["--inventory", inventory, "--textfile-dir", "/srv/my textfiles"])).toMatch(/has a character systemd would read specially/);
    expect(refused(["--inventory", "/nonexistent/inv.yaml", "--textfile-dir", "/srv/t"])).toBe("--inventory: /nonexistent/inv.yaml does not exist");
    expect(refused(["--inventory", inventory, "--textfile-dir", "/srv/t", "--randomized-delay", "a while"])).toMatch(/^--randomized-delay: expected a duration/);
    // A bad inventory is refused at install time, with file, line and key.
    const bad = join(mkdtempSync(join(SCRATCH, "hlc-bad-")), "inv.yaml");
    writeFileSync(bad, "version: 1\nnodes:\n  - name: pve\n    role: hypervisor\n    layer: 0\n    ssh: { hots: pve.lan }\n");
    expect(refused(["--inventory", bad, "--textfile-dir", "/srv/t"])).toContain(`${bad}:6:`);
  });

  needsVisibleCheckout("uninstall removes both units and the metrics (else they would only age into the stale alert), keeps the rest", () => {
    const { root, inventory } = target();
    install(parseInstall(["--inventory", inventory, "--textfile-dir", "/srv/textfile", "--root", root]), () => {}, () => {});
    mkdirSync(join(root, "srv/textfile"), { recursive: true });
    writeFileSync(join(root, "srv/textfile/homelab_conformance.prom"), "x 1\n");
    writeFileSync(join(root, "srv/textfile/other.prom"), "y 1\n");
    const ran: string[] = [];
    uninstall(root, () => {}, (c, a) => ran.push(`${c} ${a.join(" ")}`));
    expect(ran).toEqual([]);
    expect(existsSync(join(unitDir(root), "homelab-conformance.service"))).toBe(false);
    expect(existsSync(join(unitDir(root), "homelab-conformance.timer"))).toBe(false);
    expect(existsSync(join(root, "srv/textfile/homelab_conformance.prom"))).toBe(false);
    expect(existsSync(join(root, "srv/textfile/other.prom"))).toBe(true);
  });

  it("setKeys changes only the named keys and fails loudly when the shipped unit lost one", () => {
    expect(setKeys("[Service]\nUser=a\nEnvironment=X=1\nEnvironment=Y=2\n", { User: "b", "Environment=Y": "3" })).toBe("[Service]\nUser=b\nEnvironment=X=1\nEnvironment=Y=3\n");
    expect(() => setKeys("[Service]\n", { User: "b" })).toThrow("the shipped unit has no User line to set");
  });
});
