/**
 * The client's side of the login (docs/protocol.md section 4.1): SCRAM-SHA-256 over `hello` and `authenticate`, in
 * Node and browsers alike (Web Crypto). The password stays in this process; the broker proves in its last message
 * that it holds the user's credential.
 */
import { ScramClient, SCRAM_MECHANISM, toBase64, type RequestOf, type ResponseOf } from '../protocol/index.js';

/** One login attempt's client side. */
export class ScramLogin {
  private readonly scram: ScramClient;

  constructor(username: string, password: string) {
    this.scram = new ScramClient(username, password, clientNonce());
  }

  /** What hello carries. */
  helloSasl(): NonNullable<RequestOf<'hello'>['sasl']> {
    return { mechanism: SCRAM_MECHANISM, message: this.scram.first() };
  }

  /** The authenticate request answering hello's server-first; throws ProtocolError if the broker's answer is bad. */
  async authenticateRequest(hello: ResponseOf<'hello'>): Promise<RequestOf<'authenticate'>> {
    if (hello.sasl === undefined) throw new TypeError('the broker did not answer the SCRAM client-first');
    return { message: await this.scram.final(hello.sasl.message) };
  }

  /** Checks the server-final; throws ProtocolError when the broker could not prove it holds the credential. */
  verify(response: ResponseOf<'authenticate'>): void {
    this.scram.verify(response.message);
  }
}

/**
 * 18 bytes from the platform's cryptographic source (not the client's injectable Random: a nonce must be
 * unpredictable, not replayable), base64.
 */
function clientNonce(): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(18)));
}
