/**
 * One Kafka client connection: decodes each request frame, answers it through the API table (dispatch.ts) or the
 * SASL login, and writes the answers in request order (Kafka clients pipeline and match answers by order as much
 * as by correlation id). It owns no socket and no timer: the TCP listener feeds it frames, a sweep feeds it the
 * time, and it writes to a {@link ServerConnection}. A malformed request closes this connection only, with a log
 * line.
 */
import { BrookError } from '../../protocol/index.js';
import type { ServerConnection } from '../net/connection.js';
import type { FramedConnection } from '../net/tcp-server.js';
import { errorCodesIn, type KafkaMetrics } from '../metrics/kafka-metrics.js';
import { unsupportedApiVersions } from './api/api-versions.js';
import { KAFKA_HANDLERS, type KafkaHandler, type SaslApi } from './dispatch.js';
import { KAFKA_ERRORS } from './error-codes.js';
import { decodeRequestFrame, encodeErrorOnlyFrame, encodeResponseFrame, type KafkaRequest } from './frames.js';
import type { KafkaContext, RequestScope } from './kafka-context.js';
import { KAFKA_APIS, type KafkaApiName, type KafkaResponses } from './messages/apis.js';
import { SASL_MECHANISMS, SaslLogin } from './sasl.js';
import { isServed, type ServedApi } from './served-apis.js';

/** The principal of a connection to a broker without users (the native listener's name for it too). */
const ANONYMOUS = 'User:ANONYMOUS';

/** An answer's place in the connection's order: filled when ready, written once every earlier one is. */
interface Slot {
  parts: Uint8Array[] | undefined;
  /** Close the connection once this answer is written (a failed login, an unserved API). */
  closeAfter: boolean;
}

/** What every connection of a listener shares. */
export interface KafkaConnectionOptions {
  readonly ctx: KafkaContext;
  /** A connection that has not logged in by then (when a login is required) is closed, in ms. */
  readonly handshakeTimeoutMs: number;
  /** A connection that sends nothing for this long is closed (0: never), in ms. */
  readonly idleTimeoutMs: number;
  readonly metrics?: KafkaMetrics | undefined;
}

export class KafkaConnection implements FramedConnection {
  private readonly slots: Slot[] = [];
  private readonly sasl: SaslLogin;
  private principal: string | undefined;
  private ended = false;
  private readonly openedAtMs: number;
  private lastFrameAtMs: number;

  constructor(
    private readonly conn: ServerConnection,
    private readonly options: KafkaConnectionOptions,
    private readonly onEnded: (connection: KafkaConnection) => void = () => undefined,
  ) {
    const { core, clock } = options.ctx;
    this.sasl = new SaslLogin(core.authenticator, conn.remoteAddress);
    // A verified client certificate is a login of its own (Kafka's SSL principal); without users, all are anonymous.
    if (conn.certificateName !== undefined) this.principal = `User:${conn.certificateName}`;
    else if (!core.authenticator.required) this.principal = ANONYMOUS;
    this.openedAtMs = clock.nowMs();
    this.lastFrameAtMs = this.openedAtMs;
    options.metrics?.connectionOpened();
  }

  get isClosed(): boolean {
    return this.ended;
  }

  /** Logged in (or no login needed). */
  get isGreeted(): boolean {
    return this.principal !== undefined;
  }

  get sourceAddress(): string {
    return this.conn.sourceAddress;
  }

  receive(frame: Uint8Array): void {
    if (this.ended) return;
    const { ctx } = this.options;
    const startedMs = ctx.clock.nowMs();
    this.lastFrameAtMs = startedMs;
    let decoded;
    try {
      decoded = decodeRequestFrame(frame);
    } catch (err: unknown) {
      this.closeWith(err instanceof Error ? err.message : String(err), 'malformed Kafka request');
      return;
    }
    if (decoded.kind === 'unsupported') {
      this.unsupported(decoded.apiKey, decoded.version, decoded.correlationId);
      return;
    }
    const { request } = decoded;
    if (!isServed(request.api, request.version)) {
      this.unsupported(KAFKA_APIS[request.api].apiKey, request.version, request.header.correlationId);
      return;
    }
    if (this.principal === undefined && !isLoginApi(request.api)) {
      this.closeWith(`${request.api} before the SASL login`, 'Kafka request refused');
      return;
    }
    const slot: Slot = { parts: undefined, closeAfter: false };
    this.slots.push(slot);
    this.answer(request, startedMs).then(
      (answer) => {
        slot.parts = answer.parts;
        slot.closeAfter = answer.closeAfter;
        this.flush();
      },
      (err: unknown) => {
        ctx.logger?.error({ err, api: request.api, remote: this.conn.remoteAddress }, 'Kafka request failed');
        slot.parts = [];
        slot.closeAfter = true;
        this.flush();
      },
    );
  }

  connectionError(error: BrookError): void {
    this.closeWith(error.message, 'closing Kafka connection');
  }

  handleClosed(): void {
    this.end();
  }

  /** Closes the connection (broker shutdown). */
  close(): void {
    this.conn.close();
    this.end();
  }

  /** Applies the login deadline and the idle timeout at time `nowMs`. */
  checkDeadlines(nowMs: number): void {
    if (this.ended) return;
    const { handshakeTimeoutMs, idleTimeoutMs } = this.options;
    if (this.principal === undefined && nowMs - this.openedAtMs >= handshakeTimeoutMs) {
      this.closeWith(`no SASL login within ${String(handshakeTimeoutMs)} ms`, 'closing Kafka connection');
    } else if (idleTimeoutMs > 0 && nowMs - this.lastFrameAtMs >= idleTimeoutMs) {
      this.closeWith(`idle for ${String(idleTimeoutMs)} ms`, 'closing Kafka connection');
    }
  }

  private async answer(
    request: KafkaRequest,
    startedMs: number,
  ): Promise<{ parts: Uint8Array[]; closeAfter: boolean }> {
    const { ctx, metrics } = this.options;
    let closeAfter = false;
    let body: KafkaResponses[KafkaApiName];
    if (request.api === 'SaslHandshake') {
      body =
        request.version === 0
          ? { errorCode: KAFKA_ERRORS.UNSUPPORTED_VERSION, mechanisms: [...SASL_MECHANISMS] }
          : this.sasl.handshake(request.body.mechanism);
      closeAfter = request.version === 0;
    } else if (request.api === 'SaslAuthenticate') {
      if (!this.sasl.started || this.principal !== undefined) {
        closeAfter = true;
        body = {
          errorCode: KAFKA_ERRORS.ILLEGAL_SASL_STATE,
          errorMessage: 'SaslAuthenticate needs a SaslHandshake first, once per connection',
          authBytes: new Uint8Array(0),
          sessionLifetimeMs: 0n,
        };
      } else {
        // The bytes are a view of the socket's chunk: copy them before waiting.
        const step = await this.sasl.authenticate(request.body.authBytes.slice());
        if (step.principal !== undefined) this.principal = step.principal;
        closeAfter = step.failed;
        body = step.response;
      }
    } else {
      const scope: RequestScope = { principal: this.principal ?? ANONYMOUS, clientId: request.header.clientId ?? '' };
      const handler = KAFKA_HANDLERS[request.api as Exclude<ServedApi, SaslApi>] as KafkaHandler<ServedApi>;
      body = await handler(ctx, scope, request.body as never, request.version);
    }
    const parts = encodeResponseFrame(request.api, request.version, request.header.correlationId, body as never);
    metrics?.answered(request.api, (ctx.clock.nowMs() - startedMs) / 1000, errorCodesIn(body));
    return { parts, closeAfter };
  }

  /**
   * An API key or version the listener does not serve: ApiVersions gets UNSUPPORTED_VERSION in its v0 layout with
   * the versions it has (the client then asks again, KIP-511); anything else gets the error code and the
   * connection is closed, as no answer in that API's layout can be written.
   */
  private unsupported(apiKey: number, version: number, correlationId: number): void {
    const isApiVersions = apiKey === KAFKA_APIS.ApiVersions.apiKey;
    this.options.metrics?.answered(isApiVersions ? 'ApiVersions' : 'unknown', 0, [KAFKA_ERRORS.UNSUPPORTED_VERSION]);
    const parts = isApiVersions
      ? encodeResponseFrame('ApiVersions', 0, correlationId, unsupportedApiVersions())
      : encodeErrorOnlyFrame(correlationId, KAFKA_ERRORS.UNSUPPORTED_VERSION);
    if (!isApiVersions) {
      this.options.ctx.logger?.info(
        { remote: this.conn.remoteAddress, apiKey, version },
        'unsupported Kafka API or version: answered UNSUPPORTED_VERSION and closing the connection',
      );
    }
    this.slots.push({ parts, closeAfter: !isApiVersions });
    this.flush();
  }

  /** Writes the answers that are ready, in order, up to the first that is not. */
  private flush(): void {
    for (;;) {
      const head = this.slots[0];
      if (head?.parts === undefined) return;
      this.slots.shift();
      for (const part of head.parts) this.conn.send(part);
      if (head.closeAfter) {
        this.close();
        return;
      }
    }
  }

  /** Logs why, and closes this connection (answers already written are flushed first). */
  private closeWith(reason: string, msg: string): void {
    this.options.ctx.logger?.warn({ remote: this.conn.remoteAddress, reason }, msg);
    this.close();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.slots.length = 0;
    this.options.metrics?.connectionClosed();
    this.onEnded(this);
  }
}

function isLoginApi(api: KafkaApiName): boolean {
  return api === 'ApiVersions' || api === 'SaslHandshake' || api === 'SaslAuthenticate';
}
