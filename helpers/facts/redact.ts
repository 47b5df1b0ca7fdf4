// Evidence leaves the node only through here. Probes are written not to read secrets at all;
// this is the safety net for anything that slips into command output anyway (`docker logs`,
// `journalctl`, `systemctl status` show command lines and environments).
//
// Redaction is by pattern, each pattern a form in which real tools print a secret; each is tested
// on a corpus of real forms (tests/fixtures/redaction/corpus.txt) AND on a corpus of look-alikes
// that are not secrets and must stay visible (tests/unit/redact.test.ts): over-redaction hides
// what a spec judged (a mount's option string after `credentials=`, a `-p` port, a `-u` unit).

/** Words that make a key secret: `db_password`, `SMTP_PASS`, `client_secret`, `api-key`, `passphrase`. */
const SECRET_KEY = String.raw`(?:pass(?:word|wd|phrase)?\d*|secret|token|api[_-]?key)`;
/** A value: quoted, or up to whitespace (or the closing quote of a JSON string it sits in). */
const VALUE = String.raw`("[^"]*"|'[^']*'|[^\s"]+)`;

type Rule = [RegExp, string | ((...m: string[]) => string)];

const RULES: Rule[] = [
  // PEM private keys (SSH, TLS, RSA keys of Vaultwarden, ...)
  [/-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g, "-----BEGIN $1PRIVATE KEY----- [redacted] -----END $1PRIVATE KEY-----"],
  // HTTP Authorization headers (curl -H, logged requests): Bearer/Basic/Token and the credential
  [/\b((?:Proxy-)?Authorization\s*:\s*(?:Bearer|Basic|Token|Digest|Negotiate)?\s*)([^\s"']+)/gi, "$1[redacted]"],
  // JSON: "db_password": "…", "secret": "…", "access_token":"…" (Grafana, docker inspect, APIs)
  [new RegExp(String.raw`("[A-Za-z0-9_.-]*${SECRET_KEY}[A-Za-z0-9_.-]*"\s*:\s*)"(?:[^"\\]|\\.)*"`, "gi"), '$1"[redacted]"'],
  // Environment style, the secret word anywhere in an upper-case key: MYSQL_ROOT_PASSWORD=,
  // JWT_SECRET_KEY=, AWS_SECRET_ACCESS_KEY=, RESTIC_PASSPHRASE=, VW_ADMIN_TOKEN= (compose env
  // files, `systemctl show -p Environment`, docker inspect's Env). A key ending in _FILE names a
  // file (RESTIC_PASSWORD_FILE=, MYSQL_PASSWORD_FILE=): a path, not a secret, left visible.
  [
    new RegExp(String.raw`\b([A-Z0-9_]*(?:PASS(?:WORD|WD|PHRASE)?\d*|SECRET|TOKEN|API_?KEY|PRIVATE_KEY)[A-Z0-9_]*)(\s*[=:]\s*)${VALUE}`, "g"),
    (all, key, sep, _v) => (/_FILE$/.test(key!) ? all! : `${key}${sep}[redacted]`),
  ],
  // key=value and key: value for secret-looking keys (smb credentials files, rclone's
  // `pass = …`/`password2 = …` (obscured, still reversible), configs, `--password=X`).
  // `credentials=` is NOT one: mount.cifs's credentials= names a file, and masking it hid the rest
  // of the option string BOOT-004 judges.
  [new RegExp(String.raw`\b([A-Za-z0-9_-]*?${SECRET_KEY}\s*[=:]\s*)${VALUE}`, "gi"), "$1[redacted]"],
  // --password X, --passphrase X, --token X, --secret X, --api-key X (the space form; `--password-file X` names a file)
  [new RegExp(String.raw`(\s--?(?:[a-z0-9]+-)*${SECRET_KEY}\s+)(?!-)${VALUE}`, "gi"), "$1[redacted]"],
  // mysql, mysqldump, mariadb-dump, mysqladmin: -pSECRET (attached; `-p` alone prompts)
  [/(\b(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump|mariadb-admin|mariadbd?|mysqlimport|mariadb-import)\b[^\n]*?\s-p)([^\s'"]+|'[^']*'|"[^"]*")/g, "$1[redacted]"],
  // curl -u user:password / --user user:password (also wget --user ... handled by --password rules)
  [/(\bcurl\b[^\n]*?\s(?:-u|--user)\s*['"]?[^\s:'"]*:)([^\s'"]+)/g, "$1[redacted]"],
  // user:password@ in URLs (rest:https://user:pw@host/, mysql://, smb://)
  [/(\/\/[^\s/:@]+:)[^\s@/]+@/g, "$1[redacted]@"],
  // smbclient -U user%password
  [/(-U\s*\S+?%)\S+/g, "$1[redacted]"],
  // mount.cifs's username=user%password (an fstab line or a mount unit's Options=)
  [/\b(user(?:name)?=[^\s,%]*%)[^\s,]+/gi, "$1[redacted]"],
];

/** Mask secrets in text: generic patterns plus any literal secret values the run knows about. */
export function redact(text: string, knownSecrets: readonly string[] = []): string {
  let out = text;
  for (const [re, replacement] of RULES) out = out.replace(re, replacement as never);
  for (const secret of knownSecrets) {
    if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out;
}
