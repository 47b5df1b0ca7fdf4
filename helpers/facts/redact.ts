// Evidence leaves the node only through here. Probes are written not to read secrets at all;
// this is the safety net for anything that slips into command output anyway.

const RULES: Array<[RegExp, string]> = [
  // PEM private keys (SSH, TLS, RSA keys of Vaultwarden, ...)
  [/-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g, "-----BEGIN $1PRIVATE KEY----- [redacted] -----END $1PRIVATE KEY-----"],
  // key=value and key: value for secret-looking keys (smb credentials files, env, configs)
  [/\b([A-Za-z0-9_-]*?(?:pass(?:word|wd)?|secret|token|api[_-]?key|credentials?)\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi, "$1[redacted]"],
  // user:password@ in URLs
  [/(\/\/[^\s/:@]+:)[^\s@/]+@/g, "$1[redacted]@"],
  // smbclient -U user%password
  [/(-U\s*\S+?%)\S+/g, "$1[redacted]"],
  // mount.cifs's username=user%password (an fstab line or a mount unit's Options=)
  [/\b(user(?:name)?=[^\s,%]*%)[^\s,]+/gi, "$1[redacted]"],
];

/** Mask secrets in text: generic patterns plus any literal secret values the run knows about. */
export function redact(text: string, knownSecrets: readonly string[] = []): string {
  let out = text;
  for (const [re, replacement] of RULES) out = out.replace(re, replacement);
  for (const secret of knownSecrets) {
    if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out;
}
