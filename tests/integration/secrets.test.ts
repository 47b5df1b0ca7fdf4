// Passwords never leave the gather phase unmasked. A real run against the lab's storage node
// with a freshly planted secret: jellyfin's SMB password is set to a random value the suite reads
// from the lab's password file, and a file named after it is put at the root of share media (so
// smbclient's `ls` prints it). The secret must then do its job (SHARE-001 logs in with it) and
// appear nowhere in what the run leaves behind: Allure results, the vitest JSON, run statistics,
// and the rendered HTML report.
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

  run = await runSuite(lab.inventoryFile);
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
    const access = evidence.find((e) => e.includes("W_1=$(cat <<"));
    expect(access, "the samba-access evidence is attached").toBeDefined();
    // In place of the secret: the password line of the script, and the planted file in `ls`.
    expect(access).toMatch(/^\[redacted\]$/m);
    expect(access).toMatch(/^ {2}\[redacted\]\.txt +N +0 /m);
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
