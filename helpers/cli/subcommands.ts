// The subcommands beside `run`: each is a thin door into the module that already does the work,
// imported only when asked for (so `--help` and a typo stay instant and touch nothing).
//   list       handled by scripts/conformance.ts (the same code path as --list)
//   report     helpers/report/render.ts
//   schedule   scripts/schedule.ts (install | uninstall)
//   lab        fixtures/lab/cli.ts (up | down)
//   doctor     fixtures/lab/doctor.ts
//   discover   helpers/discover/cli.ts (its own --help)
//   init       helpers/discover/init.ts (its own --help)
import { EXIT, type CliArgs } from "./args.ts";

export const SUBCOMMAND_HELP = {
  report: `homelab-conformance report [--results DIR] [--out FILE]

Renders the HTML report (Allure 3, one self-contained file, no outbound request) of the last run's
Allure results. A scheduled or redirected run does not render it; this does, when a person reads it.
  --results DIR   the run's Allure results (default reports/allure-results; fallback HLC_ALLURE_RESULTS)
  --out FILE      the HTML file (default reports/conformance-report.html; fallback HLC_REPORT_OUT)
`,
  schedule: `homelab-conformance schedule install --inventory FILE --textfile-dir DIR [options]
homelab-conformance schedule uninstall [--root DIR]

Installs the scheduled run: deploy/systemd/homelab-conformance.{service,timer} with this checkout's
paths (README "Run it on a schedule"). The service runs as a dedicated non-root user with
ProtectHome=yes and PrivateTmp=yes: the checkout, the inventory and the directories must not be
under /home, /root, /run/user or /tmp.
  --inventory FILE          the homelab the scheduled run checks (validated now)
  --textfile-dir DIR        node-exporter's --collector.textfile.directory
  --user NAME               the service's user (default homelab-conformance)
  --on-calendar EXPR        systemd calendar (default daily 04:00); needs --stale-after
  --stale-after DUR         how old the last run may get before HomelabConformanceRunStale (default 26h)
  --randomized-delay DUR    RandomizedDelaySec (default 1h)
  --keep N                  run folders kept (default 30)
  --runs-dir DIR            where the runs go (default <checkout>/reports/runs)
  --no-start                install without starting the timer
  --root DIR                write the units under DIR and change nothing else (a dry run)
`,
  lab: `homelab-conformance lab up [--drift NAME]...   start the built-in fixture lab and leave it running
homelab-conformance lab down                      remove every lab container this machine runs

Needs the Docker engine (scripts/setup.sh installs and starts it).
`,
  doctor: `homelab-conformance doctor

What this machine can give the fixture lab's nodes (devices, kernel features, what the Docker engine
grants) and what follows for the lab, the drift matrix and the reboot scenarios. Exit 1 when some
node cannot start at all.
`,
  discover: "",
  init: "",
} as const;

export async function runSubcommand(args: CliArgs, where: { root: string; caller: string }): Promise<number> {
  const cmd = args.command as keyof typeof SUBCOMMAND_HELP;
  if (args.help) {
    // discover and init answer their own --help.
    if (cmd !== "discover" && cmd !== "init") {
      process.stdout.write(SUBCOMMAND_HELP[cmd]);
      return EXIT.conformant;
    }
  }
  switch (cmd) {
    case "report": {
      const { reportMain } = await import("../report/render.ts");
      return await reportMain(args.rest, where.caller);
    }
    case "schedule": {
      const { scheduleMain } = await import("../../scripts/schedule.ts");
      return scheduleMain(args.rest, where.caller);
    }
    case "lab": {
      const { labMain } = await import("../../fixtures/lab/cli.ts");
      return await labMain(args.rest, where.root);
    }
    case "doctor": {
      if (args.rest.length) {
        console.error(`homelab-conformance doctor takes no arguments, got ${args.rest.join(" ")}`);
        return EXIT.usage;
      }
      await import("../../fixtures/lab/doctor.ts"); // prints and exits
      return EXIT.conformant;
    }
    case "discover": {
      const { main } = await import("../discover/cli.ts");
      return await main(args.help ? ["--help", ...args.rest] : args.rest);
    }
    case "init": {
      const { main } = await import("../discover/init.ts");
      return await main(args.help ? ["--help", ...args.rest] : args.rest);
    }
  }
}
