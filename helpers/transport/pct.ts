// `pct exec` transport: an LXC reached through its Proxmox host, as an operator reaches a
// container that runs no sshd: `pct exec VMID -- /bin/sh -c '…'` on the host, over the host's
// own SSH transport (no connection of its own). stdout, stderr and the exit status are the
// container command's. A marker printed inside the container first tells the container's output
// from the host's (a chatty login shell on the host, pct's own errors): without it, pct never
// got in, and the node is unreachable rather than its command failed.
import { randomBytes } from "node:crypto";
import { shQuote, wrapCommand } from "./shell.ts";
import { TransportError, type ExecOptions, type ExecResult, type StreamResult, type Transport } from "./types.ts";

export interface PctTransportOptions {
  /** Inventory name of the container node. */
  node: string;
  vmid: number;
  /** The hypervisor's transport; owned by the pool, not closed here. */
  host: Transport;
}

export class PctTransport implements Transport {
  readonly node: string;

  constructor(private readonly options: PctTransportOptions) {
    this.node = options.node;
  }

  /** The command run on the host for `command` in the container, with `mark` printed first. */
  static hostCommand(vmid: number, command: string, mark: string, withStdin = false): string {
    // Inside: print the marker on both streams, then run the command exactly as the SSH
    // transport does on a node (plain /bin/sh, C locale). pct passes stdin through: closed,
    // unless the caller hands the command an input.
    const inner = `printf '%s\\n' ${mark}; printf '%s\\n' ${mark} >&2; ${wrapCommand(command)}`;
    return `pct exec ${vmid} -- /bin/sh -c ${shQuote(inner)}${withStdin ? "" : " </dev/null"}`;
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const { vmid, host } = this.options;
    const mark = `@@HLC-PCT-${randomBytes(6).toString("hex")}`;
    let r: ExecResult;
    try {
      r = await host.exec(PctTransport.hostCommand(vmid, command, mark, options.stdin !== undefined), options);
    } catch (e) {
      if (e instanceof TransportError) {
        throw new TransportError(this.node, e.kind, `through ${e.node} (pct exec ${vmid}): ${e.message.replace(`${e.node}: `, "")}`, { cause: e, partial: e.partial });
      }
      throw e;
    }
    const stdout = after(r.stdout, mark);
    const stderr = after(r.stderr, mark);
    if (stdout === undefined || stderr === undefined) {
      const why = r.stderr.trim() || r.stdout.trim() || "no output";
      throw new TransportError(this.node, "connect", `pct exec ${vmid} on ${host.node} could not run a command in the container (exit ${r.code ?? "killed"}): ${why}`);
    }
    return { command, stdout, stderr, code: r.code, durationMs: r.durationMs };
  }

  /**
   * A byte stream from the container over the host's channel: the marker goes to stderr only
   * (stdout is the stream, passed through untouched), and tells pct's own errors from the command's.
   */
  async stream(command: string, sink: NodeJS.WritableStream, options: Pick<ExecOptions, "timeoutMs"> = {}): Promise<StreamResult> {
    const { vmid, host } = this.options;
    if (!host.stream) throw new TransportError(this.node, "channel", `the transport to ${host.node} cannot stream`);
    const mark = `@@HLC-PCT-${randomBytes(6).toString("hex")}`;
    const inner = `printf '%s\\n' ${mark} >&2; ${wrapCommand(command)}`;
    let r: StreamResult;
    try {
      r = await host.stream(`pct exec ${vmid} -- /bin/sh -c ${shQuote(inner)} </dev/null`, sink, options);
    } catch (e) {
      if (e instanceof TransportError) throw new TransportError(this.node, e.kind, `through ${e.node} (pct exec ${vmid}): ${e.message.replace(`${e.node}: `, "")}`, { cause: e, partial: e.partial });
      throw e;
    }
    const stderr = after(r.stderr, mark);
    if (stderr === undefined) {
      throw new TransportError(this.node, "connect", `pct exec ${vmid} on ${host.node} could not run a command in the container (exit ${r.code ?? "killed"}): ${r.stderr.trim() || "no output"}`);
    }
    return { ...r, stderr };
  }

  /** The host's connection belongs to the pool. */
  async close(): Promise<void> {}
}

/** The text after the marker line, or undefined when the marker never came. */
function after(text: string, mark: string): string | undefined {
  const line = `${mark}\n`;
  if (text.startsWith(line)) return text.slice(line.length);
  const i = text.indexOf(`\n${line}`);
  return i < 0 ? undefined : text.slice(i + 1 + line.length);
}
