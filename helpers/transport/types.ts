// How commands travel to a node. Transports know nothing of what is asked (Samba, SnapRAID, ...):
// they run a shell command and hand back what it printed.

export interface ExecOptions {
  /** Kill the command (remote side and channel) after this long. */
  timeoutMs?: number;
  /** Written to the command's stdin, then closed (stdin is closed at once without it). */
  stdin?: string;
  /**
   * Most bytes of stdout plus stderr kept; past it the command is killed and the call fails
   * like a timeout, with what came so far (kind "overflow"). Default MAX_OUTPUT_BYTES.
   */
  maxOutputBytes?: number;
}

/** Default bound of what one command may print before the transport gives up on it. */
export const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export interface ExecResult {
  /** The command as sent, for evidence. */
  command: string;
  stdout: string;
  stderr: string;
  /** Exit status; null when the command died on a signal or timed out. */
  code: number | null;
  durationMs: number;
}

/** How a streamed command ended (Transport.stream): its stdout went to the sink, not here. */
export interface StreamResult {
  /** Exit status; null when the command died on a signal. */
  code: number | null;
  /** Its stderr, at most STREAM_STDERR_BYTES. */
  stderr: string;
  /** Bytes of stdout handed to the sink. */
  bytes: number;
  durationMs: number;
}

/** Most bytes of a streamed command's stderr kept (its stdout is the stream). */
export const STREAM_STDERR_BYTES = 64 * 1024;

export interface Transport {
  /** Inventory name of the node this transport reaches. */
  readonly node: string;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /**
   * Run `command` on one more channel with its stdout piped, bytes as they come (with the
   * channel's flow control), into `sink`, which is ended when the command's stdout ends. For a
   * byte stream consumed on the machine running the suite (a probe's `runner`, probes/types.ts),
   * never kept in memory. stdin is closed. Rejects with a TransportError like exec (timeout: the
   * command is killed); a sink that fails kills the command too.
   */
  stream?(command: string, sink: NodeJS.WritableStream, options?: Pick<ExecOptions, "timeoutMs">): Promise<StreamResult>;
  close(): Promise<void>;
}

export type TransportFailure =
  | "connect" // TCP or SSH handshake failed or timed out
  | "hostkey" // host key unknown or changed: the node is refused
  | "auth" // the server refused our credentials
  | "channel" // no channel could be opened after retries
  | "timeout" // a command exceeded its timeout
  | "overflow" // a command printed more than the transport keeps
  | "closed"; // the connection went away mid-run

/** A node could not be reached or a command could not run. Names the node and what went wrong. */
export class TransportError extends Error {
  constructor(
    readonly node: string,
    readonly kind: TransportFailure,
    message: string,
    options?: { cause?: unknown; partial?: { stdout: string; stderr: string } },
  ) {
    super(`${node}: ${message}`, options);
    this.name = "TransportError";
    this.partial = options?.partial;
  }
  /** What a command printed before it timed out: a batch keeps the probes that did finish. */
  readonly partial?: { stdout: string; stderr: string };
}
