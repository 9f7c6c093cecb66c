/**
 * Authentication bodies on the wire (docs/protocol.md section 3, Authentication): the SCRAM-SHA-256 exchange that
 * follows `hello`, and the user administration ops. Passwords never appear: `hello` carries the SCRAM client-first
 * message, `authenticate` the client-final, and `createUser` the salted, derived keys the client computed.
 */
import { MAX_SCRAM_ITERATIONS, MIN_SCRAM_ITERATIONS, SCRAM_MECHANISM } from './scram.js';
import { array, bytes, int, literal, object, str } from './schema.js';

/** Usernames: printable, no spaces, up to 256 characters (they appear in principals, `User:<name>`, and logs). */
export const USERNAME = /^[\x21-\x7e]{1,256}$/;
const username = str({ maxLength: 256, pattern: USERNAME });
/** A SCRAM message is tens of characters; the cap keeps a stranger's pre-authentication frame small. */
const scramMessage = str({ maxLength: 1024 });

/** In hello: the mechanism and the SCRAM client-first message (`n,,n=<user>,r=<nonce>`). */
export const helloSasl = object({ mechanism: literal(SCRAM_MECHANISM), message: scramMessage });
/** In hello's answer: the SCRAM server-first message (`r=<nonce>,s=<salt>,i=<iterations>`). */
export const helloSaslAnswer = object({ message: scramMessage });

/** The SCRAM client-final message (`c=biws,r=<nonce>,p=<proof>`). */
export const authenticateRequest = object({ message: scramMessage });
/** The SCRAM server-final message (`v=<signature>`): the client checks it to know the broker holds the credential. */
export const authenticateResponse = object({ message: scramMessage });

const key = bytes;

/**
 * Creates a user or replaces its credential. The client derives the credential (RFC 5802: StoredKey, ServerKey) from
 * the password with a fresh random salt, so the password never reaches the broker.
 */
export const createUserRequest = object({
  name: username,
  iterations: int({ min: MIN_SCRAM_ITERATIONS, max: MAX_SCRAM_ITERATIONS }),
  salt: key,
  storedKey: key,
  serverKey: key,
});
export const deleteUserRequest = object({ name: username });
export const listUsersResponse = object({
  users: array(object({ name: str(), mechanism: str(), iterations: int() })),
});
