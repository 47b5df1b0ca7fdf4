// SSH transport (ssh2): one connection per node for the whole run, channels capped below sshd's
// MaxSessions with retry, keepalive, connect and per-command timeouts, strict host keys, and an
// optional jump host reached through forwardOut.
import { readFileSync } from "node:fs";
import { connect as tcpConnect, type Socket } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { Client, type ClientChannel, type ConnectConfig } from "ssh2";
import type { SshSettings } from "../inventory/types.ts";
import { expectedKeyTypes, keyFromBlob, verifyHostKey, type TrustPolicy } from "./host-keys.ts";
import { Semaphore } from "./semaphore.ts";
import { wrapCommand } from "./shell.ts";
import { MAX_OUTPUT_BYTES, STREAM_STDERR_BYTES, TransportError, type ExecOptions, type ExecResult, type StreamResult, type Transport } from "./types.ts";

const CHANNEL_RETRIES = 10;
const KEEPALIVE_MS = 10_000;

/** Host key algorithms to offer for a key type, so the server presents the key we can check. */
function algorithmsFor(types: string[]): ConnectConfig["algorithms"] | undefined {
  if (types.length === 0) return undefined;
  const algos = types.flatMap((t) => (t === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [t]));
  return { serverHostKey: algos as never };
}

export interface SshTransportOptions {
  node: string;
  ssh: SshSettings;
  /** Opens a stream to host:port through the jump node's connection. */
  via?: (host: string, port: number) => Promise<Duplex>;
  /** Called each time a TCP+SSH connection is established (for run statistics). */
  onConnect?: (node: string, ms: number) => void;
}

export class SshTransport implements Transport {
  readonly node: string;
  private client?: Promise<Client>;
  private readonly channels: Semaphore;
  /** Why the last connection attempt was refused, kept so every spec of the node reports it. */
  private refused?: TransportError;

  constructor(private readonly options: SshTransportOptions) {
    this.node = options.node;
    this.channels = new Semaphore(options.ssh.maxChannels);
  }

  /** Connect now (otherwise the first exec does). Resolves with the handshake time in ms. */
  async connect(): Promise<Client> {
    if (this.refused) throw this.refused;
    this.client ??= this.open().catch((err: unknown) => {
      this.client = undefined;
      // Host-key and auth refusals are final for the run; network errors may be retried.
      if (err instanceof TransportError && (err.kind === "hostkey" || err.kind === "auth")) this.refused = err;
      throw err;
    });
    return this.client;
  }

  private async rawSocket(): Promise<Duplex> {
    const { host, port, connectTimeoutMs } = this.options.ssh;
    if (this.options.via) return this.options.via(host, port);
    const sock: Socket = tcpConnect({ host, port });
    // Without this, every exec round trip waits on Nagle's algorithm (~20x slower).
    sock.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new TransportError(this.node, "connect", `TCP connect to ${host}:${port} timed out after ${connectTimeoutMs} ms`));
      }, connectTimeoutMs);
      sock.once("connect", () => (clearTimeout(timer), resolve()));
      sock.once("error", (e) => {
        clearTimeout(timer);
        reject(new TransportError(this.node, "connect", `cannot reach ${host}:${port}: ${e.message}`, { cause: e }));
      });
    });
    return sock;
  }

  private async open(): Promise<Client> {
    const ssh = this.options.ssh;
    const started = performance.now();
    const sock = await this.rawSocket();
    // Like OpenSSH: without a pin or an explicit file, the user's own known_hosts decides.
    const knownHostsFile = ssh.knownHosts ?? (ssh.hostKey ? undefined : join(homedir(), ".ssh", "known_hosts"));
    const policy: TrustPolicy = { pinned: ssh.hostKey, knownHostsFile, acceptNew: ssh.acceptNewHostKeys };
    let hostKeyProblem: string | undefined;
    const client = new Client();
    const config: ConnectConfig = {
      sock: sock as never,
      username: ssh.user,
      readyTimeout: ssh.connectTimeoutMs,
      keepaliveInterval: KEEPALIVE_MS,
      keepaliveCountMax: 3,
      algorithms: algorithmsFor(expectedKeyTypes(ssh.host, ssh.port, policy)),
      hostVerifier: (key: Buffer) => {
        const verdict = verifyHostKey(ssh.host, ssh.port, keyFromBlob(key), policy);
        if (!verdict.ok) hostKeyProblem = verdict.reason;
        return verdict.ok;
      },
    };
    if (ssh.identityFile) {
      try {
        config.privateKey = readFileSync(ssh.identityFile);
      } catch (e) {
        sock.destroy();
        throw new TransportError(this.node, "auth", `cannot read identityFile ${ssh.identityFile}: ${(e as Error).message}`);
      }
      if (process.env.HLC_SSH_PASSPHRASE) config.passphrase = process.env.HLC_SSH_PASSPHRASE;
    }
    if (ssh.agent) config.agent = process.env.SSH_AUTH_SOCK;

    return new Promise<Client>((resolve, reject) => {
      let ready = false;
      client.once("ready", () => {
        ready = true;
        this.options.onConnect?.(this.node, performance.now() - started);
        resolve(client);
      });
      client.on("error", (err: Error & { level?: string }) => {
        if (ready) return; // surfaced through the failing exec; "close" below resets the connection
        if (hostKeyProblem) reject(new TransportError(this.node, "hostkey", hostKeyProblem));
        else if (err.level === "client-authentication")
          reject(new TransportError(this.node, "auth", `authentication as ${ssh.user} refused (${err.message})`, { cause: err }));
        else if (/Timed out/i.test(err.message))
          reject(new TransportError(this.node, "connect", `SSH handshake timed out after ${ssh.connectTimeoutMs} ms`, { cause: err }));
        else reject(new TransportError(this.node, "connect", `SSH connection failed: ${err.message}`, { cause: err }));
      });
      client.on("close", () => {
        // A rebooted node drops the connection: the next exec reconnects.
        if (ready) this.client = undefined;
        else if (hostKeyProblem) reject(new TransportError(this.node, "hostkey", hostKeyProblem));
        else reject(new TransportError(this.node, "connect", "connection closed during the SSH handshake"));
      });
      client.connect(config);
    });
  }

  /** A stream to host:port opened from this node (used when this node is another node's jump host). */
  async forwardOut(host: string, port: number): Promise<Duplex> {
    const client = await this.connect();
    return new Promise((resolve, reject) =>
      client.forwardOut("127.0.0.1", 0, host, port, (err, stream) =>
        err ? reject(new TransportError(this.node, "connect", `jump to ${host}:${port} failed: ${err.message}`, { cause: err })) : resolve(stream),
      ),
    );
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const client = await this.connect();
    const timeoutMs = options.timeoutMs ?? this.options.ssh.commandTimeoutMs;
    const wire = wrapCommand(command, { sudo: this.options.ssh.sudo });
    const release = await this.channels.acquire();
    try {
      const started = performance.now();
      const stream = await this.openChannel(client, wire);
      // stdin: what the caller hands the command (secrets stay off the node's argv), then EOF.
      stream.end(options.stdin ?? "");
      return await this.collect(stream, command, started, timeoutMs, options.maxOutputBytes ?? MAX_OUTPUT_BYTES);
    } finally {
      release();
    }
  }

  async stream(command: string, sink: NodeJS.WritableStream, options: Pick<ExecOptions, "timeoutMs"> = {}): Promise<StreamResult> {
    const client = await this.connect();
    const timeoutMs = options.timeoutMs ?? this.options.ssh.commandTimeoutMs;
    const release = await this.channels.acquire();
    try {
      const started = performance.now();
      const stream = await this.openChannel(client, wrapCommand(command, { sudo: this.options.ssh.sudo }));
      stream.end();
      return await new Promise<StreamResult>((resolve, reject) => {
        const err: Buffer[] = [];
        let errBytes = 0;
        let bytes = 0;
        let done = false;
        const kill = (e: TransportError) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          stream.unpipe(sink as never);
          stream.signal("KILL");
          stream.close();
          reject(e);
        };
        const timer = setTimeout(() => kill(new TransportError(this.node, "timeout", `command timed out after ${timeoutMs} ms: ${command.slice(0, 120)}`, { partial: { stdout: "", stderr: Buffer.concat(err).toString("utf8") } })), timeoutMs);
        // A consumer that gives up (its process died) stops the node's command: nothing is left running.
        sink.on("error", (e: Error) => kill(new TransportError(this.node, "closed", `the stream's consumer failed: ${e.message}`, { cause: e })));
        stream.on("data", (d: Buffer) => (bytes += d.length));
        stream.stderr.on("data", (d: Buffer) => {
          if (errBytes < STREAM_STDERR_BYTES) err.push(d.subarray(0, STREAM_STDERR_BYTES - errBytes));
          errBytes += d.length;
        });
        stream.pipe(sink as never);
        stream.on("close", (code: number | null | undefined) => {
          clearTimeout(timer);
          if (done) return;
          done = true;
          resolve({ code: typeof code === "number" ? code : null, stderr: Buffer.concat(err).toString("utf8"), bytes, durationMs: performance.now() - started });
        });
      });
    } finally {
      release();
    }
  }

  private async openChannel(client: Client, wire: string): Promise<ClientChannel> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await new Promise<ClientChannel>((resolve, reject) =>
          client.exec(wire, (err, stream) => (err ? reject(err) : resolve(stream))),
        );
      } catch (err) {
        const msg = (err as Error).message;
        // sshd frees session slots late; a refused channel is worth another try shortly after,
        // and the connection learns not to ask for that many channels at once again.
        if (!/channel open failure|open failed/i.test(msg) || attempt >= CHANNEL_RETRIES) {
          throw new TransportError(this.node, "channel", `cannot open a channel: ${msg}`, { cause: err });
        }
        this.channels.lowerTo(this.channels.inUse - 1);
        const backoff = Math.min(1000, 20 * 2 ** attempt);
        await new Promise((r) => setTimeout(r, backoff / 2 + Math.random() * (backoff / 2)));
      }
    }
  }

  private collect(stream: ClientChannel, command: string, started: number, timeoutMs: number, maxBytes: number): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let bytes = 0;
      let done = false;
      // A command that hangs or floods is killed: the call fails with what came so far.
      const stop = (kind: "timeout" | "overflow", why: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        stream.signal("KILL");
        stream.close();
        const partial = { stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
        reject(new TransportError(this.node, kind, `${why}: ${command.slice(0, 120)}`, { partial }));
      };
      const timer = setTimeout(() => stop("timeout", `command timed out after ${timeoutMs} ms`), timeoutMs);
      const take = (into: Buffer[]) => (d: Buffer) => {
        if (done) return;
        bytes += d.length;
        if (bytes > maxBytes) return stop("overflow", `command printed more than ${maxBytes} bytes, killed`);
        into.push(d);
      };
      stream.on("data", take(out));
      stream.stderr.on("data", take(err));
      stream.on("close", (code: number | null | undefined) => {
        clearTimeout(timer);
        if (done) return;
        done = true;
        resolve({
          command,
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: Buffer.concat(err).toString("utf8"),
          code: typeof code === "number" ? code : null,
          durationMs: performance.now() - started,
        });
      });
    });
  }

  async close(): Promise<void> {
    const pending = this.client;
    this.client = undefined;
    if (!pending) return;
    const client = await pending.catch(() => undefined);
    client?.end();
  }
}
