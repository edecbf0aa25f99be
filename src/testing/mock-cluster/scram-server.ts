import { createHash, randomBytes } from 'node:crypto';
import {
  decodeBase64,
  deriveKeys,
  hash,
  hmac,
  isValidNonce,
  sameBytes,
  unescapeSaslName,
  xor,
  type ScramDigest,
} from '../../network/sasl/scram-crypto.js';

/** One step of a server-side SASL exchange: the bytes to answer, and the user once it is over. */
export type SaslServerStep =
  | { readonly done: false; readonly reply: Buffer }
  | { readonly done: true; readonly reply: Buffer; readonly principal: string };

/**
 * A server-side SASL exchange for one connection. `step` throws SaslServerFailure when the
 * client fails to authenticate; the exchange is then unusable.
 */
export interface SaslServerExchange {
  step(clientMessage: Buffer): SaslServerStep;
}

/** Authentication failed. The message is safe to send to the client: never a credential. */
export class SaslServerFailure extends Error {}

/** What a broker stores per user and mechanism: never the password (RFC 5802 section 2.2). */
interface StoredCredential {
  readonly salt: Buffer;
  readonly iterations: number;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

export const SCRAM_ITERATIONS = 4096;

// Derived once per password, as a broker does when a credential is created, not per login.
const credentialCache = new WeakMap<Readonly<Record<string, string>>, Map<string, { password: string; credential: StoredCredential }>>();
// Unknown users get a salt that is stable per name, so probing cannot tell them from real ones.
const fakeSaltSecret = randomBytes(32);

function credentialFor(users: Readonly<Record<string, string>>, digest: ScramDigest, user: string): StoredCredential {
  const password = Object.hasOwn(users, user) ? users[user] : undefined;
  if (password === undefined) {
    const salt = createHash('sha256').update(fakeSaltSecret).update(user).digest().subarray(0, 16);
    // Random keys: no proof can match them.
    return { salt, iterations: SCRAM_ITERATIONS, storedKey: randomBytes(64), serverKey: randomBytes(64) };
  }
  let perUsers = credentialCache.get(users);
  if (perUsers === undefined) {
    perUsers = new Map();
    credentialCache.set(users, perUsers);
  }
  const key = `${digest}\0${user}`;
  const cached = perUsers.get(key);
  if (cached !== undefined && cached.password === password) return cached.credential;
  const salt = randomBytes(16);
  const keys = deriveKeys(digest, password, salt, SCRAM_ITERATIONS);
  const credential = { salt, iterations: SCRAM_ITERATIONS, storedKey: keys.storedKey, serverKey: keys.serverKey };
  perUsers.set(key, { password, credential });
  return credential;
}

export interface ScramServerOptions {
  /** Test vectors only: the server's nonce part and the user's stored credential inputs. */
  readonly serverNonce?: string;
  readonly salt?: Buffer;
  readonly iterations?: number;
}

const INVALID_CREDENTIALS = 'invalid credentials';

/**
 * The server side of SCRAM (RFC 5802, RFC 7677): client-first -> server-first (nonce, salt,
 * iterations), client-final (proof checked against the stored key) -> server-final (signature).
 */
export function scramServer(digest: ScramDigest, users: Readonly<Record<string, string>>, options: ScramServerOptions = {}): SaslServerExchange {
  let state: 'first' | 'final' | 'over' = 'first';
  let gs2Header = '';
  let clientFirstBare = '';
  let serverFirst = '';
  let serverNonce = '';
  let user = '';
  let credential: StoredCredential | undefined;

  const fail = (why: string): never => {
    state = 'over';
    throw new SaslServerFailure(why);
  };

  function onClientFirst(message: string): SaslServerStep {
    // gs2-header: cbind flag, authzid, then the bare message.
    const first = message.indexOf(',');
    const second = first < 0 ? -1 : message.indexOf(',', first + 1);
    if (second < 0) return fail('malformed client-first message');
    const cbind = message.slice(0, first);
    if (cbind.startsWith('p=')) return fail('channel binding is not supported');
    if (cbind !== 'n' && cbind !== 'y') return fail('malformed client-first message');
    const authzid = message.slice(first + 1, second);
    gs2Header = message.slice(0, second + 1);
    clientFirstBare = message.slice(second + 1);
    // Kafka's extensions (e.g. tokenauth=true) follow r= and need not be single letters.
    const [n, r] = clientFirstBare.split(',');
    if (!n?.startsWith('n=') || !r?.startsWith('r=')) return fail('malformed client-first message');
    const name = unescapeSaslName(n.slice(2));
    if (name === null || name.length === 0) return fail('malformed user name');
    if (authzid !== '') {
      const authz = authzid.startsWith('a=') ? unescapeSaslName(authzid.slice(2)) : null;
      if (authz !== name) return fail('authorization id must match the user name');
    }
    const clientNonce = r.slice(2);
    if (!isValidNonce(clientNonce)) return fail('invalid client nonce');
    user = name;
    credential = credentialFor(users, digest, name);
    const salt = options.salt ?? credential.salt;
    const iterations = options.iterations ?? credential.iterations;
    if (options.salt !== undefined || options.iterations !== undefined) {
      const password = Object.hasOwn(users, name) ? users[name] : undefined;
      if (password !== undefined) {
        const keys = deriveKeys(digest, password, salt, iterations);
        credential = { salt, iterations, storedKey: keys.storedKey, serverKey: keys.serverKey };
      }
    }
    serverNonce = options.serverNonce ?? randomBytes(18).toString('base64');
    serverFirst = `r=${clientNonce}${serverNonce},s=${salt.toString('base64')},i=${iterations}`;
    state = 'final';
    return { done: false, reply: Buffer.from(serverFirst, 'utf8') };
  }

  function onClientFinal(message: string): SaslServerStep {
    const at = message.lastIndexOf(',p=');
    if (at < 0) return fail('malformed client-final message');
    const withoutProof = message.slice(0, at);
    const proof = decodeBase64(message.slice(at + 3));
    const [c, r] = withoutProof.split(',');
    if (c !== `c=${Buffer.from(gs2Header, 'utf8').toString('base64')}`) return fail('channel binding data does not match');
    // Kafka checks only that the nonce ends with the server's part, and librdkafka 2.0.x relies on
    // it (its client-final repeats the client nonce); the proof still covers the nonce it sent.
    if (!r?.startsWith('r=') || !r.endsWith(serverNonce)) return fail('nonce does not match');
    if (proof === null || credential === undefined) return fail('malformed client proof');
    const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
    const clientSignature = hmac(digest, credential.storedKey, authMessage);
    if (proof.length !== clientSignature.length) return fail(INVALID_CREDENTIALS);
    const clientKey = xor(proof, clientSignature);
    if (!sameBytes(hash(digest, clientKey), credential.storedKey)) return fail(INVALID_CREDENTIALS);
    state = 'over';
    const signature = hmac(digest, credential.serverKey, authMessage);
    return { done: true, reply: Buffer.from(`v=${signature.toString('base64')}`, 'utf8'), principal: user };
  }

  return {
    step(clientMessage) {
      const text = clientMessage.toString('utf8');
      if (state === 'first') return onClientFirst(text);
      if (state === 'final') return onClientFinal(text);
      return fail('exchange already over');
    },
  };
}

/** SASL PLAIN (RFC 4616): "authzid NUL user NUL password" in one message. */
export function plainServer(users: Readonly<Record<string, string>>): SaslServerExchange {
  let over = false;
  return {
    step(clientMessage) {
      if (over) throw new SaslServerFailure('exchange already over');
      over = true;
      const parts = clientMessage.toString('utf8').split('\0');
      if (parts.length !== 3) throw new SaslServerFailure('malformed PLAIN message');
      const [authzid, user, password] = parts;
      if (authzid !== '' && authzid !== user) throw new SaslServerFailure('authorization id must match the user name');
      const expected = Object.hasOwn(users, user) ? users[user] : undefined;
      // Compare digests so the time taken says nothing about the password's length or prefix.
      const digestOf = (s: string) => createHash('sha256').update(s, 'utf8').digest();
      const matches = sameBytes(digestOf(password), digestOf(expected ?? '')) && expected !== undefined;
      if (!matches) throw new SaslServerFailure(INVALID_CREDENTIALS);
      return { done: true, reply: Buffer.alloc(0), principal: user };
    },
  };
}

/** The exchange for a mechanism the cluster enabled, or undefined for one it does not know. */
export function saslServerFor(mechanism: string, users: Readonly<Record<string, string>>): SaslServerExchange | undefined {
  switch (mechanism) {
    case 'PLAIN':
      return plainServer(users);
    case 'SCRAM-SHA-256':
      return scramServer('sha256', users);
    case 'SCRAM-SHA-512':
      return scramServer('sha512', users);
    default:
      return undefined;
  }
}
