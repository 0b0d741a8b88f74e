import createDebug from 'debug';
import {
  choosePortMode,
  clientFeatureGates,
  DEFAULT_CLIENT_VERSION,
  respondToHandshakeRequest,
  type ClientFeatureGates,
  type ClientPortMode,
  type ClientSessionKind,
  type HandshakeDecision,
  type RespondToHandshakeOptions,
} from '../handshake/index.js';
import { answerEncryptionChallenge, decryptPayload, encryptPayload } from '../handshake/kms.js';
import type { SessionKeys } from '../handshake/kms.js';
import { ProtocolError, ProtocolErrorCode } from '../errors/index.js';
import type { DataChannelSocket } from '../socket.js';
import type { ClientMessage } from '../wire/client-message.js';
import {
  OPEN_DATA_CHANNEL_SCHEMA_VERSION,
  PayloadType,
  PayloadTypeFlag,
  STREAM_CHUNK_SIZE,
} from '../wire/constants.js';
import {
  decodeEncryptionChallenge,
  decodeFlag,
  decodeHandshakeComplete,
  decodeHandshakeRequest,
  encodeEncryptionChallenge,
  encodeHandshakeResponse,
  encodeOpenDataChannel,
  encodeSize,
  type TerminalSize,
} from '../wire/payloads/index.js';
import {
  DataChannelBase,
  type DataChannelEvents,
  type DataChannelOptions,
} from './data-channel-base.js';

const log = createDebug('ssmkit:protocol:channel');
const logError = createDebug('ssmkit:protocol:channel:error');

/** Options of {@link ClientDataChannel}. */
export interface ClientDataChannelOptions extends DataChannelOptions {
  /**
   * `ClientVersion` reported in the open frame and the HandshakeResponse; a protocol switch
   * (> 1.2.331.0 turns the agent's smux keep-alive off). @default DEFAULT_CLIENT_VERSION
   */
  clientVersion?: string;
  /**
   * `ClientId` of the open frame, reused on every reconnect. @default a random UUID per channel
   */
  clientId?: string;
  /** KMS handler for shell sessions with encryption (see `respondToHandshakeRequest`). */
  kms?: RespondToHandshakeOptions['kms'];
}

/** Options of {@link ClientDataChannel.attach}. */
export interface ClientAttachOptions {
  /** TokenValue from StartSession (first attach) or ResumeSession (reconnect). Never logged. */
  tokenValue: string;
}

/** What the handshake decided, emitted with `'handshake-complete'`. */
export interface ClientHandshakeResult {
  /** `SessionType` from the request (`Port`, `Standard_Stream`, …), if any. */
  sessionType: string | undefined;
  /** `port` or `shell`, if the session type was recognised. */
  sessionKind: ClientSessionKind | undefined;
  /** Document properties from the SessionType action (`null` for shells). */
  properties: Record<string, unknown> | null;
  /** `AgentVersion` from the request. */
  agentVersion: string;
  /** Port sessions: `mux`, `basic` or `stdio` (§7.1); undefined for other session types. */
  portMode: ClientPortMode | undefined;
  /** The client's feature gates for this agent version. */
  gates: ClientFeatureGates;
  /** `CustomerMessage` of HandshakeComplete (show it when non-empty). */
  customerMessage: string;
  /** `HandshakeTimeToComplete` in nanoseconds. */
  handshakeTimeToCompleteNs: number;
  /** True when KMS encryption is active. */
  encrypted: boolean;
}

/** Events of {@link ClientDataChannel}. */
export interface ClientDataChannelEvents extends DataChannelEvents {
  /** HandshakeComplete arrived: session data may flow now. */
  'handshake-complete': [result: ClientHandshakeResult];
}

/**
 * The client end of a Session Manager data channel (the official plugin's role) over any
 * {@link DataChannelSocket}: sends the open frame, answers the handshake, exchanges Output
 * data reliably, pings, and survives reconnects — attach a new socket and nothing is lost.
 *
 * @example
 * ```ts
 * const channel = new ClientDataChannel();
 * channel.on('handshake-complete', ({ portMode }) => { … });
 * channel.on('socket-close', async () => {
 *   const { TokenValue, StreamUrl } = await resumeSession();
 *   channel.attach(await connectWebSocket(StreamUrl), { tokenValue: TokenValue });
 * });
 * channel.attach(await connectWebSocket(streamUrl), { tokenValue });
 * ```
 */
export class ClientDataChannel extends DataChannelBase<ClientDataChannelEvents> {
  /** The `ClientId` sent in every open frame of this channel. */
  readonly clientId: string;
  /** The `ClientVersion` reported. */
  readonly clientVersion: string;
  protected readonly decodesTextFrames = true;
  readonly #kms: RespondToHandshakeOptions['kms'];
  #decision: HandshakeDecision | undefined;
  #agentVersion = '';
  #keys: SessionKeys | undefined;
  #encrypted = false;
  #handshake: ClientHandshakeResult | undefined;

  constructor(options: ClientDataChannelOptions = {}) {
    super('client', options, 30_000);
    this.clientVersion = options.clientVersion ?? DEFAULT_CLIENT_VERSION;
    this.clientId = options.clientId ?? this.randomUUID();
    this.#kms = options.kms;
  }

  /** The handshake result once `'handshake-complete'` was emitted. */
  get handshake(): ClientHandshakeResult | undefined {
    return this.#handshake;
  }

  /**
   * Attaches a connected socket: sends the open-data-channel text frame (new RequestId, this
   * channel's ClientId, `tokenValue`), then (re)starts binary traffic. On a reconnect the
   * sequence state continues and unacknowledged messages are retransmitted.
   *
   * @throws {ProtocolError} `ERR_PROTOCOL_TRANSPORT` if the socket is not open,
   *   `ERR_PROTOCOL_CLOSED` after close.
   */
  attach(socket: DataChannelSocket, options: ClientAttachOptions): void {
    this.attachSocket(socket, () => {
      socket.send(
        encodeOpenDataChannel({
          messageSchemaVersion: OPEN_DATA_CHANNEL_SCHEMA_VERSION,
          requestId: this.randomUUID(),
          tokenValue: options.tokenValue,
          clientId: this.clientId,
          clientVersion: this.clientVersion,
        }),
      );
    });
  }

  /**
   * Sends session bytes as `input_stream_data` Output messages of at most 1024 bytes
   * (encrypted once KMS encryption is active). Empty input sends nothing.
   *
   * @returns false when the caller should wait for `'drain'` (the bytes were accepted).
   * @throws {ProtocolError} `ERR_PROTOCOL_CLOSED` after close.
   */
  sendData(bytes: Uint8Array): boolean {
    if (bytes.byteLength === 0) {
      this.#assertOpen();
      return this.writable;
    }
    let ok = true;
    for (let offset = 0; offset < bytes.byteLength; offset += STREAM_CHUNK_SIZE) {
      const chunk = bytes.subarray(offset, offset + STREAM_CHUNK_SIZE);
      const payload = this.#encrypted ? encryptPayload(this.#keys!.clientKey, chunk) : chunk;
      ok = this.sendStream(PayloadType.Output, payload);
    }
    return ok;
  }

  /** Sends a terminal size (PayloadType 3) for shell sessions. */
  sendSize(size: TerminalSize): boolean {
    return this.sendStream(PayloadType.Size, encodeSize(size));
  }

  /**
   * Ends the session the way the official client does on Ctrl-C: sends Flag TerminateSession
   * and drops the socket at once, then closes the channel. Returns whether the flag could be
   * put on a connected socket (if not, call the TerminateSession API).
   */
  terminate(): boolean {
    if (this.isClosed) return false;
    const connected = this.isConnected;
    // Like the official client, which ignores pause_publication: the flag must go out now.
    this.channel.resume();
    this.sendFlag(PayloadTypeFlag.TerminateSession);
    this.close();
    return connected;
  }

  protected onStreamMessage(message: ClientMessage): boolean {
    switch (message.payloadType) {
      case PayloadType.HandshakeRequest:
        this.#onHandshakeRequest(message.payload);
        return true;
      case PayloadType.EncChallengeRequest:
        this.#onEncryptionChallenge(message.payload);
        return true;
      case PayloadType.HandshakeComplete:
        this.#onHandshakeComplete(message.payload);
        return true;
      case PayloadType.Flag: {
        let flag: number;
        try {
          flag = decodeFlag(message.payload);
        } catch (error) {
          logError('client: ignoring malformed flag: %s', (error as Error).message);
          return true;
        }
        this.emitEvent('flag', flag);
        return true;
      }
      case PayloadType.Output:
      case PayloadType.StdErr:
      case PayloadType.ExitCode: {
        let payload = message.payload;
        if (this.#encrypted) {
          try {
            payload = decryptPayload(this.#keys!.agentKey, payload);
          } catch (error) {
            this.fail(error as Error);
            return true;
          }
        }
        return this.deliverData(payload, message.payloadType);
      }
      default:
        log('client: ignoring PayloadType %d', message.payloadType);
        return true;
    }
  }

  #assertOpen(): void {
    if (this.isClosed) {
      throw new ProtocolError(ProtocolErrorCode.CLOSED, 'the data channel is closed', {
        reason: 'closed',
      });
    }
  }

  #onHandshakeRequest(payload: Uint8Array): void {
    let request;
    try {
      request = decodeHandshakeRequest(payload);
    } catch (error) {
      this.fail(
        new ProtocolError(
          ProtocolErrorCode.HANDSHAKE_FAILED,
          'the agent sent an unreadable HandshakeRequest',
          {
            cause: error,
            reason: 'handshake',
          },
        ),
      );
      return;
    }
    this.#agentVersion = request.agentVersion;
    log('client: handshake request from agent %s', request.agentVersion);
    respondToHandshakeRequest(request, { clientVersion: this.clientVersion, kms: this.#kms }).then(
      (decision) => {
        if (this.isClosed) return;
        this.#decision = decision;
        this.#keys = decision.keys;
        if (!decision.ok) {
          logError('client: handshake actions failed: %o', decision.response.errors);
        }
        this.sendStream(PayloadType.HandshakeResponse, encodeHandshakeResponse(decision.response));
      },
      (error: unknown) => {
        this.fail(
          new ProtocolError(
            ProtocolErrorCode.HANDSHAKE_FAILED,
            'could not answer the HandshakeRequest',
            {
              cause: error,
              reason: 'handshake',
            },
          ),
        );
      },
    );
  }

  #onEncryptionChallenge(payload: Uint8Array): void {
    const keys = this.#keys;
    if (keys === undefined) {
      logError('client: encryption challenge without a data key; ignoring');
      return;
    }
    try {
      const { challenge } = decodeEncryptionChallenge(payload);
      const answer = answerEncryptionChallenge(challenge, keys);
      this.sendStream(
        PayloadType.EncChallengeResponse,
        encodeEncryptionChallenge({ challenge: answer }),
      );
    } catch (error) {
      this.fail(
        new ProtocolError(
          ProtocolErrorCode.ENCRYPTION,
          'could not answer the encryption challenge',
          {
            cause: error,
            reason: 'handshake',
          },
        ),
      );
    }
  }

  #onHandshakeComplete(payload: Uint8Array): void {
    let complete;
    try {
      complete = decodeHandshakeComplete(payload);
    } catch (error) {
      logError('client: malformed HandshakeComplete: %s', (error as Error).message);
      complete = { handshakeTimeToComplete: 0, customerMessage: '' };
    }
    const decision = this.#decision;
    const sessionType = decision?.sessionType;
    const properties = decision?.properties ?? null;
    const agentVersion = decision?.agentVersion ?? this.#agentVersion;
    this.#encrypted = this.#keys !== undefined;
    const result: ClientHandshakeResult = {
      sessionType,
      sessionKind: decision?.sessionKind,
      properties,
      agentVersion,
      portMode: sessionType === 'Port' ? choosePortMode(properties, agentVersion) : undefined,
      gates: clientFeatureGates(agentVersion),
      customerMessage: complete.customerMessage,
      handshakeTimeToCompleteNs: complete.handshakeTimeToComplete,
      encrypted: this.#encrypted,
    };
    this.#handshake = result;
    log('client: handshake complete type=%s mode=%s', sessionType, result.portMode);
    this.emit('handshake-complete', result);
  }
}
