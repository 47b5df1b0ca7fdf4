// Quoting for POSIX sh. Everything sent to a node goes through here.

/** Quote one argument for POSIX sh: 'it'\''s' style, safe for any byte except NUL. */
export function shQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Wrap a command so it runs the same on every node: plain /bin/sh (no login shell, no rc files
 * beyond what sshd's own shell start reads), C locale so tools print parseable English, and
 * optionally through `sudo -n` (never prompts; fails instead).
 */
export function wrapCommand(command: string, options: { sudo?: boolean } = {}): string {
  const sh = `/bin/sh -c ${shQuote(command)}`;
  return options.sudo ? `LC_ALL=C exec sudo -n ${sh}` : `LC_ALL=C exec ${sh}`;
}
