// Shared wording of the backup specs (DATA-011..014). Spec files must not import each other (each
// import would register the other file's invariant again), so what they share lives here.

/** An age in seconds as an operator reads it: "5.2 h old", "3.0 days old". */
export function ageText(seconds: number): string {
  if (seconds < 0) return `${Math.round(-seconds / 60)} min in the future (clock skew?)`;
  const h = seconds / 3600;
  return h < 48 ? `${h.toFixed(1)} h old` : `${(h / 24).toFixed(1)} days old`;
}

/** Why DATA-013/014 are skipped on a node that declares backups but no restic target. */
export const RESTIC_PLANNED = "planned in §2.4/§7: no off-site/immutable target declared (declare backups.restic)";
