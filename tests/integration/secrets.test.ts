// Passwords never leave the gather phase unmasked. A real run against the lab's storage node
// with a freshly planted secret: jellyfin's SMB password is set to a random value the suite reads
// from the lab's password file, and a file named after it is put at the root of share media (so
// smbclient's `ls` prints it). The secret must then do its job (SHARE-001 logs in with it) and
// appear nowhere in what the run leaves behind: Allure results, the vitest JSON, run statistics,
// and the rendered HTML report. While the run goes on, a sampler on vm102 reads every process's
// command line (/proc/*/cmdline) over and over: the secret must never be in one (it travels on the
// SSH channel's stdin), although the sampler demonstrably sees the access matrix's smbclient runs
// and, before the run, a process planted with the secret in its arguments.
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultLab } from "../../fixtures/lab/default-lab.ts";
import { LAB_SECRET_FILES } from "../../fixtures/lab/declared/shares.ts";
import { startLab, type Lab } from "../../fixtures/lab/lab.ts";
import { resultFor, runSuite, type SuiteRun } from "../../fixtures/lab/run-suite.ts";
import { renderReport } from "../../helpers/report/render.ts";

const SECRET = `hlc-planted-${randomBytes(8).toString("hex")}`;
let lab: Lab | undefined;
let run: SuiteRun;
let reportFile: string;
let calibration: Sampled;
let sampled: Sampled;

interface Sampled {
  samples: number;
  withSecret: number;
  withSmbclient: number;
}

// Reads the secret from a root-only file (so its own command line never holds it) and counts the
// samples of all command lines that contain it, and those that show smbclient running.
const SAMPLER = `S=$(cat /root/.hlc-sampled-secret); n=0; h=0; m=0; rm -f /root/.hlc-sampler-stop
while [ ! -e /root/.hlc-sampler-stop ] && [ $n -lt 100000 ]; do
  n=$((n+1)); all=$(cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' ')
  case "$all" in *"$S"*) h=$((h+1));; esac
  case "$all" in *smbclient*) m=$((m+1));; esac
  echo "$n $h $m" >/root/.hlc-sampler.out.tmp && mv /root/.hlc-sampler.out.tmp /root/.hlc-sampler.out
done`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

beforeAll(async () => {
  // vm102 and its Proxmox host (a guest's inventory entry needs its hypervisor).
  lab = await startLab(defaultLab().filter((n) => ["pve", "vm102"].includes(n.name)));
  const vm102 = lab.containers.get("vm102")!;
  const sh = async (script: string) => {
    const r = await vm102.exec(["sh", "-c", script]);
    if (r.exitCode !== 0) throw new Error(`vm102: ${script.slice(0, 80)}: ${r.output}`);
  };
  await sh(`printf '%s\\n%s\\n' '${SECRET}' '${SECRET}' | smbpasswd -s jellyfin`);
  await sh(`install -o media -g media -m 0644 /dev/null '/mnt/mergerfs/media/${SECRET}.txt'`);
  const file = Object.keys(LAB_SECRET_FILES).find((f) => f.includes("jellyfin"))!;
  writeFileSync(join(lab.dir, file), SECRET, { mode: 0o600 });

  await sh(`umask 077; printf '%s' '${SECRET}' >/root/.hlc-sampled-secret; cat >/root/.hlc-sampler.sh <<'EOF'\n${SAMPLER}\nEOF`);
  const sample = async (during: () => Promise<unknown>): Promise<Sampled> => {
    await sh("rm -f /root/.hlc-sampler.out; setsid sh /root/.hlc-sampler.sh </dev/null >/dev/null 2>&1 &");
    try {
      await during();
    } finally {
      await sh("touch /root/.hlc-sampler-stop; sleep 0.5");
    }
    const r = await vm102.exec(["cat", "/root/.hlc-sampler.out"]);
    const [samples, withSecret, withSmbclient] = r.output.trim().split(" ").map(Number);
    return { samples: samples!, withSecret: withSecret!, withSmbclient: withSmbclient! };
  };
  // The sampler can see a secret in an argv: a process planted with it as an argument.
  calibration = await sample(() => sh(`sh -c 'sleep 2' planted "$(cat /root/.hlc-sampled-secret)"`));

  sampled = await sample(async () => (run = await runSuite(lab!.inventoryFile)));
  reportFile = join(dirname(run.allureResults), "report.html");
  await renderReport({ resultsDir: run.allureResults, outFile: reportFile, historyPath: join(dirname(run.allureResults), "history.jsonl") });
}, 600_000);

afterAll(async () => {
  await lab?.stop();
});

describe("a planted secret", () => {
  it("is really used: SHARE-001 logs in as jellyfin with it, and smbclient's listing printed the planted file", () => {
    expect(resultFor(run, "SHARE-001", "vm102")).toMatchObject({ status: "passed" });
    const evidence = filesUnder(run.allureResults).filter((f) => f.endsWith("-attachment.txt")).map((f) => readFileSync(f, "utf8"));
    const access = evidence.find((e) => e.includes("IFS= read -r W_1"));
    expect(access, "the samba-access evidence is attached").toBeDefined();
    // In place of the secret: the planted file in `ls` (the script itself never holds it).
    expect(access).toMatch(/^ {2}\[redacted\]\.txt +N +0 /m);
  });

  it("is in no process's command line on the storage node during the run (/proc/*/cmdline sampled)", () => {
    expect(calibration.withSecret, "the sampler sees a secret in an argv").toBeGreaterThan(0);
    expect(sampled.withSmbclient, "the sampler saw the access matrix's smbclient runs").toBeGreaterThan(0);
    expect(sampled).toMatchObject({ withSecret: 0 });
    expect(sampled.samples).toBeGreaterThan(10);
  });

  it("appears nowhere in the run's results, statistics or report", () => {
    const files = filesUnder(dirname(run.allureResults));
    expect(files.length).toBeGreaterThan(3);
    expect(files.filter((f) => readFileSync(f).includes(SECRET))).toEqual([]);
    expect(run.output).not.toContain(SECRET);
    // The report embeds its data base64-encoded (d("path","…") calls): look inside too.
    const html = readFileSync(reportFile, "utf8");
    const embedded = [...html.matchAll(/\bd\("([^"]+)",\s*"([A-Za-z0-9+/=]*)"\)/g)].map((m) => Buffer.from(m[2]!, "base64").toString("utf8"));
    expect(embedded.some((t) => t.includes("@@smb-")), "the report embeds the samba-access evidence").toBe(true);
    expect([html, ...embedded].filter((t) => t.includes(SECRET))).toEqual([]);
  });
});
