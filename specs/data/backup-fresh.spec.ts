// §2.3 "Vaultwarden: scheduled backup copy". Judged on the backup folder itself: the newest
// timestamped backup and its files, against the node's own clock.
import { VAULTWARDEN_BACKUP_FILES } from "../../helpers/inventory/sections/backups.ts";
import { backupListing } from "../../helpers/probes/backups.ts";
import { invariant } from "../../helpers/spec/invariant.ts";
import type { Finding } from "../../helpers/spec/message.ts";

export function ageText(seconds: number): string {
  if (seconds < 0) return `${Math.round(-seconds / 60)} min in the future (clock skew?)`;
  const h = seconds / 3600;
  return h < 48 ? `${h.toFixed(1)} h old` : `${(h / 24).toFixed(1)} days old`;
}

export default invariant(
  {
    id: "DATA-007",
    title: "The Vaultwarden backup is fresh",
    must: "On every node that declares `backups.vaultwarden`, the newest backup folder (<dir>/<YYYYMMDDTHHMMSSZ>, UTC) MUST be at most `maxAgeHours` old (default 26) by the node's clock, and MUST hold non-empty db.sqlite3, rsa_key.pem and rsa_key.pub.pem.",
    fix: (f, node) => `on ${node.name}: run the Vaultwarden backup job now and check its timer (systemctl list-timers); the newest backup must hold db.sqlite3, rsa_key.pem and rsa_key.pub.pem (wanted: ${f.expected})`,
    section: "§2.3",
    family: "data",
    severity: "critical",
  },
  {
    appliesTo: (node) => node.backups?.vaultwarden !== undefined,
    reads: (node) => ({ listing: backupListing(node.backups!.vaultwarden!.dir) }),
    check(ctx) {
      const decl = ctx.node.backups!.vaultwarden!;
      const l = ctx.facts.listing;
      const subject = `Vaultwarden backups in ${decl.dir}`;
      const expected = `a backup at most ${decl.maxAgeHours} h old holding ${VAULTWARDEN_BACKUP_FILES.join(", ")}`;
      if (!l.exists) return [{ subject, expected, actual: `${decl.dir} does not exist` }];
      const newest = l.backups.at(-1);
      if (!newest) return [{ subject, expected, actual: "no timestamped backup folder (<YYYYMMDDTHHMMSSZ>)" }];
      const findings: Finding[] = [];
      // The time in the name is when the backup was taken; a newer mtime does not make it fresher.
      const taken = Math.min(newest.time ?? newest.mtime, newest.mtime);
      const age = l.now - taken;
      if (age > decl.maxAgeHours * 3600) {
        findings.push({
          subject,
          expected: `newest backup at most ${decl.maxAgeHours} h old`,
          actual: `newest backup ${newest.name} is ${ageText(age)} (is vaultwarden-backup.timer enabled and running?)`,
        });
      }
      const problems = VAULTWARDEN_BACKUP_FILES.flatMap((name) => {
        const f = newest.files.find((x) => x.name === name);
        return !f ? [`${name} missing`] : f.size === 0 ? [`${name} empty`] : [];
      });
      if (problems.length) findings.push({ subject: `Vaultwarden backup ${decl.dir}/${newest.name}`, expected: `${VAULTWARDEN_BACKUP_FILES.join(", ")} present and non-empty`, actual: problems.join(", ") });
      return findings;
    },
  },
);
