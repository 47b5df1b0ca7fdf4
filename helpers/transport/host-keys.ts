// Strict host-key checking: a node is trusted only through a key pinned in the inventory or a
// known_hosts entry. A changed key always refuses the node; an unknown key is accepted only when
// the operator opted in (trust on first use), and is then recorded.
import { createHash, createHmac } from "node:crypto";
import { appendFileSync, existsSync, readFileSync } from "node:fs";

export interface HostKey {
  type: string;
  /** Wire-format public key blob, base64 as in a .pub file. */
  base64: string;
}

export function parsePublicKeyLine(line: string): HostKey | undefined {
  const m = /^\s*(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)|ssh-dss)\s+([A-Za-z0-9+/]+=*)/.exec(line);
  return m ? { type: m[1]!, base64: m[2]! } : undefined;
}

/** The key type is encoded at the start of the blob itself (uint32 length + name). */
export function keyFromBlob(blob: Buffer): HostKey {
  const len = blob.readUInt32BE(0);
  return { type: blob.subarray(4, 4 + len).toString("ascii"), base64: blob.toString("base64") };
}

/** OpenSSH-style fingerprint: SHA256:<unpadded base64>. */
export function fingerprint(key: HostKey): string {
  const digest = createHash("sha256").update(Buffer.from(key.base64, "base64")).digest("base64");
  return `SHA256:${digest.replace(/=+$/, "")}`;
}

/** How known_hosts names a host: bare for port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

interface KnownHostsEntry {
  marker?: "@revoked" | "@cert-authority";
  patterns: string;
  key: HostKey;
}

function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostsEntry["marker"];
    if (fields[0] === "@revoked" || fields[0] === "@cert-authority") marker = fields.shift() as KnownHostsEntry["marker"];
    const patterns = fields.shift();
    const key = parsePublicKeyLine(fields.join(" "));
    if (patterns && key) entries.push({ marker, patterns, key });
  }
  return entries;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "i");
}

/** Does a known_hosts pattern list (comma-separated, hashed `|1|salt|hash`, globs, `!negation`) match? */
export function patternsMatch(patterns: string, name: string): boolean {
  if (patterns.startsWith("|1|")) {
    const [, , salt, hash] = patterns.split("|");
    if (!salt || !hash) return false;
    const mac = createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64");
    return mac === hash;
  }
  let matched = false;
  for (const p of patterns.split(",")) {
    if (p.startsWith("!")) {
      if (globToRegExp(p.slice(1)).test(name)) return false;
    } else if (globToRegExp(p).test(name)) {
      matched = true;
    }
  }
  return matched;
}

export interface TrustPolicy {
  /** Pinned key from the inventory; when present it alone decides. */
  pinned?: string;
  knownHostsFile?: string;
  acceptNew: boolean;
}

export type Verdict =
  | { ok: true; how: "pinned" | "known_hosts" | "accepted-new" }
  | { ok: false; reason: string };

/** Key types the client should ask for, so the server presents the one we can verify. */
export function expectedKeyTypes(host: string, port: number, policy: TrustPolicy): string[] {
  if (policy.pinned) {
    const key = parsePublicKeyLine(policy.pinned);
    return key ? [key.type] : [];
  }
  const file = policy.knownHostsFile;
  if (!file || !existsSync(file)) return [];
  const name = knownHostsName(host, port);
  const types = parseKnownHosts(readFileSync(file, "utf8"))
    .filter((e) => !e.marker && patternsMatch(e.patterns, name))
    .map((e) => e.key.type);
  return [...new Set(types)];
}

export function verifyHostKey(host: string, port: number, presented: HostKey, policy: TrustPolicy): Verdict {
  const got = `${presented.type} ${fingerprint(presented)}`;
  if (policy.pinned) {
    const pinned = parsePublicKeyLine(policy.pinned);
    if (!pinned) return { ok: false, reason: `pinned hostKey is not a public key line` };
    if (pinned.type === presented.type && pinned.base64 === presented.base64) return { ok: true, how: "pinned" };
    return {
      ok: false,
      reason:
        `HOST KEY MISMATCH: expected ${pinned.type} ${fingerprint(pinned)} (pinned in the inventory), ` +
        `got ${got}. Refusing the node: if it was reinstalled, verify the new key out of band and update ssh.hostKey.`,
    };
  }
  const file = policy.knownHostsFile;
  const name = knownHostsName(host, port);
  const entries = file && existsSync(file) ? parseKnownHosts(readFileSync(file, "utf8")) : [];
  const forHost = entries.filter((e) => patternsMatch(e.patterns, name));
  if (forHost.some((e) => e.marker === "@revoked" && e.key.base64 === presented.base64)) {
    return { ok: false, reason: `host key ${got} is marked @revoked in ${file}. Refusing the node.` };
  }
  const plain = forHost.filter((e) => !e.marker);
  if (plain.some((e) => e.key.type === presented.type && e.key.base64 === presented.base64)) {
    return { ok: true, how: "known_hosts" };
  }
  const sameType = plain.filter((e) => e.key.type === presented.type);
  if (sameType.length > 0) {
    return {
      ok: false,
      reason:
        `HOST KEY MISMATCH: ${file} has ${sameType.map((e) => `${e.key.type} ${fingerprint(e.key)}`).join(", ")} for ${name}, ` +
        `got ${got}. Refusing the node: if it was reinstalled, verify the new key and remove the old line.`,
    };
  }
  if (!policy.acceptNew) {
    return {
      ok: false,
      reason:
        `unknown host key ${got} for ${name}: not pinned in the inventory and not in ${file ?? "any known_hosts file"}. ` +
        `Refusing the node. Pin ssh.hostKey, add it to known_hosts, or opt in to trust-on-first-use (acceptNewHostKeys / HLC_ACCEPT_NEW_HOSTKEYS=1).`,
    };
  }
  if (file) appendFileSync(file, `${name} ${presented.type} ${presented.base64}\n`, { mode: 0o600 });
  return { ok: true, how: "accepted-new" };
}
