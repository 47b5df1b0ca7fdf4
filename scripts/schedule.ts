// Install or remove the scheduled conformance run (README "Run it on a schedule"):
//   npm run schedule -- install --inventory FILE --textfile-dir DIR [--user NAME] [--on-calendar EXPR
//                       --stale-after DUR] [--randomized-delay DUR] [--keep N] [--runs-dir DIR] [--no-start] [--root DIR]
//   npm run schedule -- uninstall [--root DIR]
// The units are deploy/systemd/homelab-conformance.{service,timer} with this checkout's paths and
// the options filled in. --root DIR writes them under DIR (DIR/etc/systemd/system) and changes
// nothing else: no user, no systemctl (what it would run is printed), so it can be tried and tested.
import { PACKAGE_ROOT } from "../helpers/paths.ts";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadInventory } from "../helpers/inventory/load.ts";
import { parseDuration } from "../helpers/inventory/sections/storage.ts";
import { PROM_NAME } from "./scheduled-run.ts";

const ROOT = PACKAGE_ROOT;
const SHIPPED = join(ROOT, "deploy", "systemd");
export const UNIT = "homelab-conformance";
export const DEFAULT_USER = "homelab-conformance";
const DEFAULT_CALENDAR = "*-*-* 04:00:00";

export interface InstallOptions {
  inventory: string;
  textfileDir: string;
  user: string;
  onCalendar: string;
  randomizedDelay: string;
  staleAfter: string;
  keep: number;
  runsDir: string;
  checkout: string;
  node: string;
  start: boolean;
  root: string;
}

export class ScheduleError extends Error {}

/** What the unit runs: the compiled scheduled run, one plain Node process (issue 25; `npm run build`). */
export const COMPILED_RUN = "dist/scripts/scheduled-run.js";

// systemd reads %, $, quotes, backslashes and spaces in these values specially: refuse them rather
// than guess at escaping (a path like that is unusual for a service).
const SAFE_PATH = /^\/[A-Za-z0-9._@+\/-]*$/;
// ProtectHome=yes hides these from the service; PrivateTmp=yes gives it its own empty /tmp and
// /var/tmp (systemd.exec(5), PrivateTmp=: "sets up a new file system namespace for the executed
// processes and mounts private /tmp/ and /var/tmp/ directories inside it"), so a checkout or an
// inventory there is not what the service would see.
const HIDDEN = ["/home", "/root", "/run/user", "/tmp", "/var/tmp"];

function checkPath(what: string, p: string): string {
  if (!isAbsolute(p)) throw new ScheduleError(`${what}: ${p} must be an absolute path`);
  if (!SAFE_PATH.test(p)) throw new ScheduleError(`${what}: ${p} has a character systemd would read specially (space, %, $, quote, backslash); use a plain path`);
  const hidden = HIDDEN.find((h) => p === h || p.startsWith(h + "/"));
  if (hidden) throw new ScheduleError(`${what}: ${p} is under ${hidden}, which the service cannot see (${hidden.endsWith("tmp") ? "PrivateTmp=yes: it gets its own empty " + hidden : "ProtectHome=yes"}); put it elsewhere, e.g. /etc/homelab-conformance/ or /opt/`);
  return p;
}

function duration(what: string, text: string): string {
  if (!parseDuration(text)) throw new ScheduleError(`${what}: expected a duration like 30m, 1h or 1d2h, got ${JSON.stringify(text)}`);
  return text;
}

export function parseInstall(argv: string[], cwd = process.cwd()): InstallOptions {
  const get = new Map<string, string>();
  let start = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--no-start") start = false;
    else if (["--inventory", "--textfile-dir", "--user", "--on-calendar", "--randomized-delay", "--stale-after", "--keep", "--runs-dir", "--root"].includes(a)) {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new ScheduleError(`${a} needs a value`);
      get.set(a, v);
    } else throw new ScheduleError(`unknown option ${a} (see the head of scripts/schedule.ts)`);
  }
  const abs = (p: string) => resolve(cwd, p);
  if (!get.has("--inventory")) throw new ScheduleError("install needs --inventory FILE: the homelab the scheduled run checks");
  if (!get.has("--textfile-dir")) throw new ScheduleError("install needs --textfile-dir DIR: node-exporter's --collector.textfile.directory (Debian: /var/lib/prometheus/node-exporter)");
  if (get.has("--on-calendar") && !get.has("--stale-after")) {
    throw new ScheduleError("--on-calendar needs --stale-after: how old the last run may get before HomelabConformanceRunStale fires (the longest gap of your schedule plus its randomized delay and a run's duration)");
  }
  const user = get.get("--user") ?? DEFAULT_USER;
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user) || user === "root") throw new ScheduleError(`--user: a non-root system user name, got ${JSON.stringify(user)}`);
  const keep = get.get("--keep") ?? "30";
  if (!/^[1-9][0-9]*$/.test(keep)) throw new ScheduleError(`--keep: a whole number of runs ≥ 1, got ${JSON.stringify(keep)}`);
  const onCalendar = get.get("--on-calendar") ?? DEFAULT_CALENDAR;
  if (/[\n%]/.test(onCalendar)) throw new ScheduleError(`--on-calendar: ${JSON.stringify(onCalendar)} is not a calendar expression`);
  const inventory = checkPath("--inventory", abs(get.get("--inventory")!));
  if (!existsSync(inventory)) throw new ScheduleError(`--inventory: ${inventory} does not exist`);
  loadInventory(inventory); // a bad inventory is refused now, with file, line and key, not at 04:00
  if (!existsSync(join(ROOT, COMPILED_RUN))) throw new ScheduleError(`${join(ROOT, COMPILED_RUN)} is missing: the unit runs the compiled suite; run \`npm run build\` in ${ROOT} first`);
  return {
    inventory,
    textfileDir: checkPath("--textfile-dir", abs(get.get("--textfile-dir")!)),
    user,
    onCalendar,
    randomizedDelay: duration("--randomized-delay", get.get("--randomized-delay") ?? "1h"),
    staleAfter: duration("--stale-after", get.get("--stale-after") ?? "26h"),
    keep: Number(keep),
    runsDir: checkPath("--runs-dir", abs(get.get("--runs-dir") ?? join(ROOT, "reports", "runs"))),
    checkout: checkPath("the checkout", ROOT),
    node: checkPath("node", process.execPath),
    start,
    root: abs(get.get("--root") ?? "/"),
  };
}

/** Replace `Key=` lines (and `Environment=VAR=` lines, keyed "Environment=VAR") of a shipped unit. */
export function setKeys(unit: string, values: Record<string, string>): string {
  const missing = new Set(Object.keys(values));
  const out = unit.split("\n").map((line) => {
    const env = /^Environment=([A-Z_]+)=/.exec(line);
    const key = env ? `Environment=${env[1]}` : /^([A-Za-z]+)=/.exec(line)?.[1];
    if (key === undefined || !(key in values)) return line;
    missing.delete(key);
    return `${key}=${values[key]}`;
  });
  if (missing.size) throw new Error(`the shipped unit has no ${[...missing].join(", ")} line to set`);
  return out.join("\n");
}

export function renderUnits(o: InstallOptions): { service: string; timer: string } {
  const home = `/var/lib/${UNIT}`;
  const service = setKeys(readFileSync(join(SHIPPED, `${UNIT}.service`), "utf8"), {
    User: o.user,
    Group: o.user,
    WorkingDirectory: o.checkout,
    Documentation: `file://${o.checkout}/README.md`,
    "Environment=HOME": `${home}`,
    "Environment=HLC_INVENTORY": `${o.inventory}`,
    "Environment=HLC_TEXTFILE_DIR": `${o.textfileDir}`,
    "Environment=HLC_RUNS_DIR": `${o.runsDir}`,
    "Environment=HLC_RUNS_KEEP": `${o.keep}`,
    "Environment=HLC_STALE_AFTER": `${o.staleAfter}`,
    ExecStart: `${o.node} ${o.checkout}/${COMPILED_RUN}`,
    ReadWritePaths: `${o.runsDir} ${o.textfileDir}`,
  });
  const timer = setKeys(readFileSync(join(SHIPPED, `${UNIT}.timer`), "utf8"), {
    OnCalendar: o.onCalendar,
    RandomizedDelaySec: o.randomizedDelay,
  });
  return { service, timer };
}

export const unitDir = (root: string) => join(root, "etc", "systemd", "system");

type Run = (cmd: string, args: string[]) => void;
const realRun: Run = (cmd, args) => {
  execFileSync(cmd, args, { stdio: "inherit" });
};
const succeeds = (cmd: string, args: string[]) => {
  try {
    execFileSync(cmd, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

export function install(o: InstallOptions, log: (l: string) => void = console.log, run: Run = realRun): void {
  const { service, timer } = renderUnits(o);
  const dir = unitDir(o.root);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${UNIT}.service`), service);
  writeFileSync(join(dir, `${UNIT}.timer`), timer);
  log(`wrote ${join(dir, `${UNIT}.service`)} and ${UNIT}.timer (${o.onCalendar}, randomized delay ${o.randomizedDelay}, stale after ${o.staleAfter})`);
  const live = o.root === "/";
  const step = (what: string, cmd: string, args: string[]) => {
    if (!live) return log(`not run (target root ${o.root}): ${cmd} ${args.join(" ")}   # ${what}`);
    log(`${what}: ${cmd} ${args.join(" ")}`);
    run(cmd, args);
  };
  if (!live || !succeeds("id", ["-u", o.user])) {
    step("the dedicated user", "useradd", ["--system", "--user-group", "--home-dir", `/var/lib/${UNIT}`, "--no-create-home", "--shell", "/usr/sbin/nologin", o.user]);
  }
  step("the runs folder", "install", ["-d", "-o", o.user, "-g", o.user, "-m", "0750", o.runsDir]);
  if (!live || !existsSync(o.textfileDir)) step("the textfile directory", "install", ["-d", "-m", "0755", o.textfileDir]);
  if (!live || !succeeds("runuser", ["-u", o.user, "--", "test", "-w", o.textfileDir])) {
    step(`let ${o.user} write the textfile directory`, "sh", ["-c", `chgrp ${o.user} ${o.textfileDir} && chmod g+w ${o.textfileDir}`]);
  }
  step("load the units", "systemctl", ["daemon-reload"]);
  if (o.start) step("start the schedule", "systemctl", ["enable", "--now", `${UNIT}.timer`]);
  log(`The service runs as ${o.user} with HOME=/var/lib/${UNIT}: put the SSH key your inventory names there (e.g. ~/.ssh/id_ed25519, owned by ${o.user}, mode 0600).`);
  log(`First run now (else at the next ${o.onCalendar}): systemctl start ${UNIT}.service; journalctl -u ${UNIT}.service`);
}

export function uninstall(root: string, log: (l: string) => void = console.log, run: Run = realRun): void {
  const dir = unitDir(root);
  const servicePath = join(dir, `${UNIT}.service`);
  const live = root === "/";
  const textfileDir = existsSync(servicePath) ? /^Environment=HLC_TEXTFILE_DIR=(.+)$/m.exec(readFileSync(servicePath, "utf8"))?.[1] : undefined;
  if (live && existsSync(join(dir, `${UNIT}.timer`))) run("systemctl", ["disable", "--now", `${UNIT}.timer`]);
  for (const f of [`${UNIT}.service`, `${UNIT}.timer`]) {
    if (existsSync(join(dir, f))) log(`removed ${join(dir, f)}`);
    rmSync(join(dir, f), { force: true });
  }
  if (live) run("systemctl", ["daemon-reload"]);
  // Without a schedule its metrics would only age into HomelabConformanceRunStale: remove them.
  if (textfileDir) {
    const prom = join(root, textfileDir, PROM_NAME);
    if (existsSync(prom)) log(`removed ${prom}`);
    rmSync(prom, { force: true });
  }
  log(`Kept: the user, its SSH key and the runs under the runs folder (remove them by hand if you want them gone).`);
}

/** `homelab-conformance schedule install|uninstall ...` (and `npm run schedule -- ...`); returns the exit code. */
export function scheduleMain(argv: string[], cwd = process.cwd()): number {
  const [verb, ...rest] = argv;
  try {
    if (verb === "install") install(parseInstall(rest, cwd));
    else if (verb === "uninstall") {
      const i = rest.indexOf("--root");
      const extra = rest.filter((_, k) => k !== i && k !== i + 1);
      if (extra.length) throw new ScheduleError(`uninstall takes only --root DIR, got ${extra.join(" ")}`);
      uninstall(resolve(cwd, i >= 0 ? rest[i + 1] ?? "" : "/"));
    } else throw new ScheduleError(`usage: homelab-conformance schedule install --inventory FILE --textfile-dir DIR [...] | uninstall [--root DIR] (schedule --help for every option)`);
    return 0;
  } catch (e) {
    console.error(`schedule: ${(e as Error).message}`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    const { SUBCOMMAND_HELP } = await import("../helpers/cli/subcommands.ts");
    process.stdout.write(SUBCOMMAND_HELP.schedule);
  } else process.exit(scheduleMain(argv));
}
