import createDebug from 'debug';
import type { Clock } from '../clock.js';
import { ProtocolError, ProtocolErrorCode } from '../errors/index.js';
import { MuxSession, type MuxKeepAliveOptions, type MuxSessionOptions } from '../mux/index.js';
import type { MuxStream } from '../mux/index.js';
import { PayloadType, PayloadTypeFlag } from '../wire/constants.js';
import type { AgentDataChannel } from './agent-data-channel.js';
import type { ClientDataChannel } from './client-data-channel.js';
import type { EventEmitter } from 'node:events';

const log = createDebug('ssmkit:protocol:channel');

/** Options of {@link attachMuxClient} and {@link attachMuxServer}. */
export interface AttachMuxOptions {
  /**
   * smux keep-alive: `false` (default) when the peer has it off — the client's rule is
   * `!handshake.gates.smuxKeepAliveDisabled ? {} : false`, the agent's uses `gates.smuxKeepAliveDisabled`.
   */
  keepAlive?: false | MuxKeepAliveOptions;
  /** Session-wide receive bucket. @default 4 MiB */
  maxReceiveBuffer?: number;
  /** Clock for the keep-alive timers. @default the system clock */
  clock?: Clock;
}

/**
 * The smux client session of a port session: {@link MuxSession} plus the ConnectToPortError
 * mapping (notes item 25). The flag carries no stream id, so it fails the most recently opened
 * stream that has not produced any data yet.
 */
export class PortMuxSession extends MuxSession {
  readonly #pending: MuxStream[] = [];

  override openStream(): MuxStream {
    const stream = super.openStream();
    this.#pending.push(stream);
    stream.once('close', () => this.#forget(stream));
    return stream;
  }

  /**
   * Fails the most recently opened stream that is still waiting for its first byte with
   * `ERR_PROTOCOL_CONNECT_TO_PORT`. Returns it, or undefined when none qualifies.
   */
  failPendingStream(): MuxStream | undefined {
    for (let index = this.#pending.length - 1; index >= 0; index--) {
      const stream = this.#pending[index]!;
      if (
        stream.destroyed ||
        stream.readableDidRead ||
        stream.readableLength > 0 ||
        stream.remoteFinished
      ) {
        this.#pending.splice(index, 1);
        continue;
      }
      this.#pending.splice(index, 1);
      log('mux stream %d: ConnectToPortError from the agent', stream.id);
      stream.destroy(
        new ProtocolError(
          ProtocolErrorCode.CONNECT_TO_PORT,
          `the agent could not connect to the destination port for smux stream ${stream.id}; check that the destination is listening and reachable from the target (SSM Agent logs have details)`,
          { reason: 'none' },
        ),
      );
      return stream;
    }
    return undefined;
  }

  #forget(stream: MuxStream): void {
    const index = this.#pending.indexOf(stream);
    if (index >= 0) this.#pending.splice(index, 1);
  }
}

type MuxTransport = ClientDataChannel | AgentDataChannel;

function wire<Session extends MuxSession>(
  channel: MuxTransport,
  create: (options: MuxSessionOptions) => Session,
  role: 'client' | 'server',
  options: AttachMuxOptions,
): Session {
  const sessionOptions: MuxSessionOptions = {
    role,
    send: (chunk) => channel.sendData(chunk),
    keepAlive: options.keepAlive ?? false,
  };
  if (options.maxReceiveBuffer !== undefined)
    sessionOptions.maxReceiveBuffer = options.maxReceiveBuffer;
  if (options.clock !== undefined) sessionOptions.clock = options.clock;
  const session = create(sessionOptions);
  let blocked = false;
  channel.setDataConsumer((payload, payloadType) => {
    if (payloadType !== PayloadType.Output) return true;
    if (session.destroyed) return true;
    if (blocked) return false;
    // The chunk is accepted either way; false only asks us to stop feeding until receive-drain.
    if (!session.receive(payload) && !session.destroyed) blocked = true;
    return true;
  });
  const events = channel as EventEmitter;
  const onDrain = (): void => session.resumeOutput();
  const onClose = (error?: Error): void => session.close(error);
  events.on('drain', onDrain);
  events.on('close', onClose);
  session.on('receive-drain', () => {
    blocked = false;
    channel.retryDelivery();
  });
  session.once('close', () => {
    events.off('drain', onDrain);
    events.off('close', onClose);
    channel.setDataConsumer(undefined);
  });
  return session;
}

/**
 * Runs an smux **client** session over a client data channel (mux port forwarding, §7.4): smux
 * output goes through `sendData` (respecting back-pressure), Output payloads feed the session
 * (respecting its 4 MiB receive bucket by leaving data unacknowledged), and ConnectToPortError
 * fails the pending stream. Call it after `'handshake-complete'` reported `portMode: 'mux'`.
 *
 * @example
 * ```ts
 * const mux = attachMuxClient(channel, { keepAlive: handshake.gates.smuxKeepAliveDisabled ? false : {} });
 * net.createServer((socket) => { const stream = mux.openStream(); socket.pipe(stream).pipe(socket); });
 * ```
 */
export function attachMuxClient(
  channel: ClientDataChannel,
  options: AttachMuxOptions = {},
): PortMuxSession {
  const session = wire(
    channel,
    (sessionOptions) => new PortMuxSession(sessionOptions),
    'client',
    options,
  );
  const onFlag = (flag: number): void => {
    if (flag === PayloadTypeFlag.ConnectToPortError) session.failPendingStream();
  };
  channel.on('flag', onFlag);
  session.once('close', () => channel.off('flag', onFlag));
  return session;
}

/**
 * Runs an smux **server** session over an agent data channel (the agent side of mux port
 * forwarding). Listen for `'stream'`; on a failed dial send
 * `channel.sendFlag(PayloadTypeFlag.ConnectToPortError)` and then `stream.destroy()` (FIN), in
 * that order, like the real agent.
 */
export function attachMuxServer(
  channel: AgentDataChannel,
  options: AttachMuxOptions = {},
): MuxSession {
  return wire(channel, (sessionOptions) => new MuxSession(sessionOptions), 'server', options);
}
