import createDebug from 'debug';
import type { ClockTimer } from '../clock.js';
import { ProtocolError, ProtocolErrorCode } from '../errors/index.js';
import {
  agentFeatureGates,
  agentPortMode,
  buildHandshakeRequest,
  evaluateHandshakeResponse,
  type AgentFeatureGates,
  type AgentPortMode,
} from '../handshake/index.js';
import {
  createEncryptionChallenge,
  decryptPayload,
  encryptPayload,
  splitDataKey,
  verifyEncryptionChallengeAnswer,
  type EncryptionChallenge,
  type SessionKeys,
} from '../handshake/kms.js';
import type { DataChannelSocket } from '../socket.js';
import type { ClientMessage } from '../wire/client-message.js';
import {
  MessageFlags,
  MessageType,
  PayloadType,
  STREAM_CHUNK_SIZE,
  TimeoutDefaults,
} from '../wire/constants.js';
import {
  AgentSessionState,
  KMS_ENCRYPTED_CUSTOMER_MESSAGE,
  decodeEncryptionChallenge,
  decodeFlag,
  decodeHandshakeResponse,
  decodeSize,
  encodeAgentSessionState,
  encodeChannelClosed,
  encodeEncryptionChallenge,
  encodeHandshakeComplete,
  encodeHandshakeRequest,
  type HandshakeRequestPayload,
  type TerminalSize,
} from '../wire/payloads/index.js';
import {
  DataChannelBase,
  type DataChannelEvents,
  type DataChannelOptions,
} from './data-channel-base.js';

const log = createDebug('ssmkit:protocol:channel');
const logError = createDebug('ssmkit:protocol:channel:error');

/** Options of {@link AgentDataChannel}. */
export interface AgentDataChannelOptions extends DataChannelOptions {
  /**
   * Pause this many ms after every ≤1024-byte Output message, like the real agent (≈700
   * messages/s). `0` sends as fast as back-pressure allows. @default 0
   */
  paceMs?: number;
  /**
   * Bytes queued for pacing before `sendData` returns false. Only used with `paceMs > 0`.
   * @default 65_536
   */
  pacingHighWaterMark?: number;
  /**
   * Send `agent_session_state` Connected after each attach, as the real agent does towards the
   * service. Off by default: in the emulator the agent socket is relayed to the client, which
   * never sees this message from the real service. Needs `sessionId`.
   * @default false
   */
  sendSessionState?: boolean;
  /** SessionId for `agent_session_state` and `channel_closed`. @default '' */
  sessionId?: string;
}

/** Arguments of {@link AgentDataChannel.startHandshake}. */
export interface AgentHandshakeOptions {
  /** `AgentVersion` to announce, e.g. `3.3.1142.0`; the client gates smux on it. */
  agentVersion: string;
  /** Session plugin name: `Port`, `Standard_Stream`, `InteractiveCommands`, `NonInteractiveCommands`. */
  sessionType: string;
  /** Document properties after parameter substitution, or `null`. */
  properties: Record<string, unknown> | null;
  /** Give up waiting for the HandshakeResponse after this many ms. @default 15_000 */
  timeoutMs?: number;
  /** `CustomerMessage` of HandshakeComplete. @default '' (the KMS text when encrypting) */
  customerMessage?: string;
  /**
   * Request KMS encryption (shell-type sessions only; ignored for `Port`, like the real agent).
   * `decryptDataKey` stands in for KMS Decrypt of the client's `KMSCipherTextKey` and must
   * return the 64-byte data key.
   */
  kms?: {
    kmsKeyId: string;
    challenge?: string;
    decryptDataKey: (cipherTextKey: Uint8Array) => Promise<Uint8Array>;
  };
}

/** Outcome of a successful {@link AgentDataChannel.startHandshake}. */
export interface AgentHandshakeResult {
  /** The request that was sent. */
  request: HandshakeRequestPayload;
  /** `ClientVersion` from the HandshakeResponse. */
  clientVersion: string;
  /** The agent's gates for that client version (mux, smux keep-alive …). */
  gates: AgentFeatureGates;
  /** Port sessions: `mux` or `basic` (§7.1, agent rule); undefined for other session types. */
  portMode: AgentPortMode | undefined;
  /** `HandshakeTimeToComplete` sent, in nanoseconds. */
  handshakeTimeToCompleteNs: number;
  /** True when KMS encryption is active. */
  encrypted: boolean;
}

/** Options of {@link AgentDataChannel.sendChannelClosed}. */
export interface ChannelClosedOptions {
  /** Human-readable text (e.g. the idle-timeout message). @default '' */
  output?: string;
  /** `DestinationId` (target id). @default '' */
  destinationId?: string;
  /** `SessionId`. @default the channel's `sessionId` option */
  sessionId?: string;
}

/** Events of {@link AgentDataChannel}. */
export interface AgentDataChannelEvents extends DataChannelEvents {
  /** A terminal size (PayloadType 3) from the client. */
  size: [size: TerminalSize];
}

interface PendingHandshake {
  readonly request: HandshakeRequestPayload;
  readonly options: AgentHandshakeOptions;
  readonly startedAt: number;
  readonly timeoutMs: number;
  timer: ClockTimer;
  /** What the agent waits for: the response, then (KMS) the challenge answer. */
  stage: 'response' | 'decrypting' | 'challenge';
  clientVersion: string;
  keys: SessionKeys | undefined;
  challenge: EncryptionChallenge | undefined;
  readonly resolve: (result: AgentHandshakeResult) => void;
  readonly reject: (error: ProtocolError) => void;
}

const handshakeError = (message: string, cause?: unknown): ProtocolError =>
  new ProtocolError(ProtocolErrorCode.HANDSHAKE_FAILED, message, { cause, reason: 'handshake' });

/**
 * The agent end of a data channel (for the emulator): the mirror image of
 * {@link ClientDataChannel} with the agent's defaults — `faithful` retransmission, no
 * retransmission limit, flags 1 on its first message, 54 s pings — plus the handshake driver,
 * the pre-handshake ack-and-discard gate (§6.1), optional 1 ms pacing and service helpers.
 *
 * @example
 * ```ts
 * const agent = new AgentDataChannel({ paceMs: 1 });
 * agent.attach(socket);
 * const { portMode } = await agent.startHandshake({ agentVersion: '3.3.1142.0', sessionType: 'Port',
 *   properties: { portNumber: '5432', type: 'LocalPortForwarding' } });
 * const mux = attachMuxServer(agent);
 * mux.on('stream', (stream) => stream.pipe(net.connect(5432)).pipe(stream));
 * ```
 */
export class AgentDataChannel extends DataChannelBase<AgentDataChannelEvents> {
  protected readonly decodesTextFrames = false;
  readonly #paceMs: number;
  readonly #pacingHighWaterMark: number;
  readonly #sendSessionState: boolean;
  readonly #sessionId: string;
  #pending: PendingHandshake | undefined;
  #gateClosed = false;
  #handshakeDone = false;
  readonly #paceQueue: Uint8Array[] = [];
  #paceQueueBytes = 0;
  #paceTimer: ClockTimer | undefined;
  #paceWaitingForChannel = false;
  #keys: SessionKeys | undefined;

  constructor(options: AgentDataChannelOptions = {}) {
    super('agent', options, TimeoutDefaults.agentPingIntervalMs);
    this.#paceMs = options.paceMs ?? 0;
    this.#pacingHighWaterMark = options.pacingHighWaterMark ?? 65_536;
    this.#sendSessionState = options.sendSessionState ?? false;
    this.#sessionId = options.sessionId ?? '';
    this.channel.on('drain', () => {
      if (this.#paceWaitingForChannel) this.#schedulePump(0);
    });
    this.channel.on('resume', () => {
      if (this.#paceWaitingForChannel) this.#schedulePump(0);
    });
  }

  /** True once the handshake completed. */
  get handshakeComplete(): boolean {
    return this.#handshakeDone;
  }

  override get writable(): boolean {
    return (
      this.channel.writable &&
      (this.#paceMs <= 0 || this.#paceQueueBytes < this.#pacingHighWaterMark)
    );
  }

  /**
   * Attaches a connected socket (text frames on it — the open frame — are ignored; the service
   * layer consumes them). Clears a publication pause, as the real agent does on reconnect.
   */
  attach(socket: DataChannelSocket): void {
    this.attachSocket(socket);
    if (this.#sendSessionState) {
      this.sendServiceFrame(
        MessageType.AgentSessionState,
        MessageFlags.Ack,
        encodeAgentSessionState({
          schemaVersion: 1,
          sessionState: AgentSessionState.Connected,
          sessionId: this.#sessionId,
        }),
      );
    }
  }

  /**
   * Runs the agent side of the handshake (§6.1): sends the HandshakeRequest, waits for the
   * HandshakeResponse (acking and discarding any other client stream message meanwhile),
   * evaluates it and sends HandshakeComplete.
   *
   * @throws {ProtocolError} `ERR_PROTOCOL_HANDSHAKE_FAILED` on timeout (15 s) or when the client
   *   failed an action. The channel stays open; the caller decides (the real agent ends the
   *   session).
   */
  startHandshake(options: AgentHandshakeOptions): Promise<AgentHandshakeResult> {
    if (this.#pending !== undefined || this.#handshakeDone) {
      return Promise.reject(
        new ProtocolError(
          ProtocolErrorCode.HANDSHAKE_FAILED,
          'a handshake was already started on this channel',
          {
            reason: 'handshake',
          },
        ),
      );
    }
    const request = buildHandshakeRequest({
      agentVersion: options.agentVersion,
      sessionType: options.sessionType,
      properties: options.properties,
      kms:
        options.kms === undefined
          ? undefined
          : { kmsKeyId: options.kms.kmsKeyId, challenge: options.kms.challenge },
    });
    this.#gateClosed = true;
    const startedAt = this.clock.now();
    this.sendStream(PayloadType.HandshakeRequest, encodeHandshakeRequest(request));
    return new Promise<AgentHandshakeResult>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? TimeoutDefaults.handshakeMs;
      this.#pending = {
        request,
        options,
        startedAt,
        timeoutMs,
        timer: this.#armHandshakeTimer(
          timeoutMs,
          `Handshake timed out after ${timeoutMs} ms. Please ensure that you have the latest version of the session manager plugin.`,
        ),
        stage: 'response',
        clientVersion: '',
        keys: undefined,
        challenge: undefined,
        resolve,
        reject,
      };
    });
  }

  #armHandshakeTimer(timeoutMs: number, message: string): ClockTimer {
    const timer = this.clock.setTimeout(() => {
      const pending = this.#pending;
      if (pending === undefined) return;
      this.#pending = undefined;
      pending.reject(handshakeError(message));
    }, timeoutMs);
    timer.unref?.();
    return timer;
  }

  /**
   * Sends session bytes as `output_stream_data` Output messages of at most 1024 bytes; with
   * `paceMs` they are queued and sent one per `paceMs`.
   *
   * @returns false when the caller should wait for `'drain'` (the bytes were accepted).
   */
  sendData(bytes: Uint8Array): boolean {
    if (this.isClosed) {
      throw new ProtocolError(ProtocolErrorCode.CLOSED, 'the data channel is closed', {
        reason: 'closed',
      });
    }
    if (this.#paceMs <= 0) {
      let ok = this.writable;
      for (let offset = 0; offset < bytes.byteLength; offset += STREAM_CHUNK_SIZE) {
        ok = this.sendStream(
          PayloadType.Output,
          this.#seal(bytes.subarray(offset, offset + STREAM_CHUNK_SIZE)),
        );
      }
      return ok;
    }
    for (let offset = 0; offset < bytes.byteLength; offset += STREAM_CHUNK_SIZE) {
      const chunk = bytes.slice(offset, offset + STREAM_CHUNK_SIZE);
      this.#paceQueue.push(chunk);
      this.#paceQueueBytes += chunk.byteLength;
    }
    if (this.#paceTimer === undefined && !this.#paceWaitingForChannel) this.#schedulePump(0);
    const ok = this.writable;
    if (!ok) this.markNeedDrain();
    return ok;
  }

  /**
   * Sends a `channel_closed` frame (HL 116, seq 0, PayloadType 0) on the socket, as the service
   * does when a session ends. Not sequenced or acknowledged. Returns false if no socket is open.
   */
  sendChannelClosed(options: ChannelClosedOptions = {}): boolean {
    return this.sendServiceFrame(
      MessageType.ChannelClosed,
      MessageFlags.Data,
      encodeChannelClosed({
        messageId: this.randomUUID(),
        createdDate: String(Math.floor(this.clock.now())),
        destinationId: options.destinationId ?? '',
        sessionId: options.sessionId ?? this.#sessionId,
        messageType: MessageType.ChannelClosed,
        schemaVersion: 1,
        output: options.output ?? '',
      }),
    );
  }

  /**
   * Sends `pause_publication` or `start_publication` on the socket (what the service tells the
   * client while the agent is away). Returns false if no socket is open.
   */
  sendPublicationControl(kind: 'pause' | 'start'): boolean {
    return this.sendServiceFrame(
      kind === 'pause' ? MessageType.PausePublication : MessageType.StartPublication,
      MessageFlags.Data,
      new TextEncoder().encode('{}'),
    );
  }

  protected override onFinish(): void {
    if (this.#paceTimer !== undefined) this.clock.clearTimeout(this.#paceTimer);
    this.#paceTimer = undefined;
    this.#paceQueue.length = 0;
    this.#paceQueueBytes = 0;
    const pending = this.#pending;
    if (pending !== undefined) {
      this.#pending = undefined;
      this.clock.clearTimeout(pending.timer);
      pending.reject(
        new ProtocolError(
          ProtocolErrorCode.CLOSED,
          'the data channel closed during the handshake',
          {
            reason: 'closed',
          },
        ),
      );
    }
  }

  protected onStreamMessage(message: ClientMessage): boolean {
    const { payloadType, payload } = message;
    if (payloadType === PayloadType.HandshakeResponse) {
      this.#onHandshakeResponse(payload);
      return true;
    }
    if (payloadType === PayloadType.EncChallengeResponse) {
      this.#onChallengeResponse(payload);
      return true;
    }
    if (this.#gateClosed) {
      log('agent: handshake not complete; acking and discarding PayloadType %d', payloadType);
      return true;
    }
    switch (payloadType) {
      case PayloadType.Output: {
        if (this.#keys === undefined) return this.deliverData(payload, payloadType);
        let plain: Uint8Array;
        try {
          plain = decryptPayload(this.#keys.clientKey, payload);
        } catch (error) {
          this.fail(error as Error);
          return true;
        }
        return this.deliverData(plain, payloadType);
      }
      case PayloadType.Flag: {
        try {
          this.emitEvent('flag', decodeFlag(payload));
        } catch (error) {
          logError('agent: ignoring malformed flag: %s', (error as Error).message);
        }
        return true;
      }
      case PayloadType.Size: {
        try {
          this.emit('size', decodeSize(payload));
        } catch (error) {
          logError('agent: ignoring malformed size: %s', (error as Error).message);
        }
        return true;
      }
      default:
        log('agent: ignoring PayloadType %d', payloadType);
        return true;
    }
  }

  #onHandshakeResponse(payload: Uint8Array): void {
    const pending = this.#pending;
    if (pending?.stage !== 'response') {
      log('agent: HandshakeResponse without a pending handshake; discarded');
      return;
    }
    let response;
    try {
      response = decodeHandshakeResponse(payload);
    } catch (error) {
      this.#rejectHandshake(
        pending,
        handshakeError('the client sent an unreadable HandshakeResponse', error),
      );
      return;
    }
    const evaluation = evaluateHandshakeResponse(pending.request, response);
    if (!evaluation.ok) {
      this.#rejectHandshake(pending, handshakeError(`handshake failed: ${evaluation.reason}`));
      return;
    }
    pending.clientVersion = evaluation.clientVersion;
    const kms = pending.options.kms;
    if (evaluation.kmsResult === undefined || kms === undefined) {
      this.#completeHandshake(pending);
      return;
    }
    pending.stage = 'decrypting';
    kms.decryptDataKey(evaluation.kmsResult.kmsCipherTextKey).then(
      (plaintext) => {
        if (this.#pending !== pending) return;
        let keys: SessionKeys;
        try {
          keys = splitDataKey(plaintext);
        } catch (error) {
          this.#rejectHandshake(
            pending,
            handshakeError('KMS returned an unusable data key', error),
          );
          return;
        }
        pending.keys = keys;
        pending.challenge = createEncryptionChallenge(keys);
        pending.stage = 'challenge';
        this.clock.clearTimeout(pending.timer);
        pending.timer = this.#armHandshakeTimer(
          pending.timeoutMs,
          'Timed out waiting for encryption challenge.',
        );
        this.sendStream(
          PayloadType.EncChallengeRequest,
          encodeEncryptionChallenge({ challenge: pending.challenge.cipher }),
        );
      },
      (error: unknown) => {
        if (this.#pending !== pending) return;
        this.#rejectHandshake(
          pending,
          handshakeError('KMS Decrypt of the client data key failed', error),
        );
      },
    );
  }

  #onChallengeResponse(payload: Uint8Array): void {
    const pending = this.#pending;
    if (
      pending?.stage !== 'challenge' ||
      pending.challenge === undefined ||
      pending.keys === undefined
    ) {
      log('agent: unexpected EncChallengeResponse; discarded');
      return;
    }
    let answer: Uint8Array;
    try {
      answer = decodeEncryptionChallenge(payload).challenge;
    } catch (error) {
      this.#rejectHandshake(
        pending,
        handshakeError('the client sent an unreadable EncChallengeResponse', error),
      );
      return;
    }
    if (!verifyEncryptionChallengeAnswer(answer, pending.challenge, pending.keys)) {
      this.#rejectHandshake(pending, handshakeError('Encryption challenge does not match!'));
      return;
    }
    this.#completeHandshake(pending);
  }

  #rejectHandshake(pending: PendingHandshake, error: ProtocolError): void {
    this.#pending = undefined;
    this.clock.clearTimeout(pending.timer);
    pending.reject(error);
  }

  #completeHandshake(pending: PendingHandshake): void {
    this.#pending = undefined;
    this.clock.clearTimeout(pending.timer);
    const handshakeTimeToCompleteNs = Math.max(
      0,
      Math.round((this.clock.now() - pending.startedAt) * 1_000_000),
    );
    const encrypted = pending.keys !== undefined;
    this.sendStream(
      PayloadType.HandshakeComplete,
      encodeHandshakeComplete({
        handshakeTimeToComplete: handshakeTimeToCompleteNs,
        customerMessage:
          pending.options.customerMessage ?? (encrypted ? KMS_ENCRYPTED_CUSTOMER_MESSAGE : ''),
      }),
    );
    // Encryption starts after HandshakeComplete, in both directions.
    this.#keys = pending.keys;
    this.#gateClosed = false;
    this.#handshakeDone = true;
    const { clientVersion } = pending;
    log('agent: handshake complete with client %s (encrypted=%s)', clientVersion, encrypted);
    pending.resolve({
      request: pending.request,
      clientVersion,
      gates: agentFeatureGates(clientVersion),
      portMode:
        pending.options.sessionType === 'Port'
          ? agentPortMode(pending.options.properties, clientVersion)
          : undefined,
      handshakeTimeToCompleteNs,
      encrypted,
    });
  }

  /** Encrypts an Output payload once KMS encryption is active. */
  #seal(chunk: Uint8Array): Uint8Array {
    return this.#keys === undefined ? chunk : encryptPayload(this.#keys.agentKey, chunk);
  }

  #schedulePump(delayMs: number): void {
    this.#paceWaitingForChannel = false;
    if (this.#paceTimer !== undefined) return;
    const timer = this.clock.setTimeout(() => {
      this.#paceTimer = undefined;
      this.#pump();
    }, delayMs);
    timer.unref?.();
    this.#paceTimer = timer;
  }

  #pump(): void {
    if (this.isClosed) return;
    const chunk = this.#paceQueue.shift();
    if (chunk === undefined) return;
    if (!this.channel.writable) {
      this.#paceQueue.unshift(chunk);
      this.#paceWaitingForChannel = true;
      return;
    }
    this.#paceQueueBytes -= chunk.byteLength;
    // Arm the next tick before the send: encoding and writing the frame then overlap the pause
    // instead of lengthening every period (the real agent's per-message work is negligible
    // beside its 1 ms sleep).
    if (this.#paceQueue.length > 0) this.#schedulePump(this.#paceMs);
    this.channel.send(PayloadType.Output, this.#seal(chunk));
    this.notifyWritable();
  }
}
