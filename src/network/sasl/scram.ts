import { randomBytes } from 'node:crypto';
import type { SaslAuthenticator, SaslCredentials } from './authenticator.js';
import { SaslAuthenticationError } from './errors.js';
import {
  decodeBase64,
  deriveKeys,
  escapeSaslName,
  hash,
  hmac,
  isValidNonce,
  parseAttributes,
  sameBytes,
  SCRAM_DIGESTS,
  xor,
  type ScramDigest,
} from './scram-crypto.js';

/** RFC 7677 asks for at least 4096; the ceiling keeps a hostile server from stalling us in PBKDF2. */
const MIN_ITERATIONS = 4096;
const MAX_ITERATIONS = 100_000;

/** No channel binding, no authzid: "n,," (base64 "biws" in the client-final message). */
const GS2_HEADER = 'n,,';

export type ScramExchange = Omit<SaslAuthenticator, 'mechanism'>;

/**
 * The client side of SCRAM (RFC 5802) over any digest. `nonce` is for test vectors only;
 * by default 24 random bytes, base64 (printable, never a comma).
 */
export function scramExchange(digest: ScramDigest, { username, password }: SaslCredentials, nonce?: string): ScramExchange {
  const clientNonce = nonce ?? randomBytes(24).toString('base64');
  if (!isValidNonce(clientNonce)) throw new SaslAuthenticationError('SCRAM: invalid client nonce');
  const clientFirstBare = `n=${escapeSaslName(username)},r=${clientNonce}`;
  let state: 'start' | 'first-sent' | 'final-sent' | 'verified' | 'failed' = 'start';
  let expectedServerSignature: Buffer | undefined;
  const fail = (why: string): never => {
    state = 'failed';
    expectedServerSignature = undefined;
    throw new SaslAuthenticationError(`SCRAM: ${why}`);
  };

  function clientFinal(serverFirst: string): Buffer {
    const attrs = parseAttributes(serverFirst);
    if (attrs === null) return fail('malformed server-first message');
    const error = attrs.find(([k]) => k === 'e');
    if (error) return fail(`server refused: ${error[1]}`);
    if (attrs[0]?.[0] === 'm') return fail('server requires an unsupported extension');
    const [r, s, i] = attrs;
    if (r?.[0] !== 'r' || s?.[0] !== 's' || i?.[0] !== 'i') return fail('malformed server-first message');
    const combinedNonce = r[1];
    // The server must extend our nonce, never replace it (that would allow replaying an old exchange).
    if (!combinedNonce.startsWith(clientNonce) || combinedNonce.length === clientNonce.length || !isValidNonce(combinedNonce)) {
      return fail('server nonce does not extend the client nonce');
    }
    const salt = decodeBase64(s[1]);
    if (salt === null || salt.length === 0) return fail('invalid salt');
    if (!/^[1-9][0-9]{0,9}$/.test(i[1])) return fail('invalid iteration count');
    const iterations = Number(i[1]);
    if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
      return fail(`iteration count ${iterations} outside ${MIN_ITERATIONS}..${MAX_ITERATIONS}`);
    }
    const keys = deriveKeys(digest, password, salt, iterations);
    const withoutProof = `c=${Buffer.from(GS2_HEADER).toString('base64')},r=${combinedNonce}`;
    const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
    const proof = xor(keys.clientKey, hmac(digest, hash(digest, keys.clientKey), authMessage));
    expectedServerSignature = hmac(digest, keys.serverKey, authMessage);
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  function verifyServerFinal(serverFinal: string): void {
    const attrs = parseAttributes(serverFinal);
    if (attrs === null || attrs.length === 0) return fail('malformed server-final message');
    const [[key, value]] = attrs;
    if (key === 'e') return fail(`server refused: ${value}`);
    const signature = key === 'v' ? decodeBase64(value) : null;
    if (signature === null) return fail('malformed server-final message');
    if (expectedServerSignature === undefined || !sameBytes(signature, expectedServerSignature)) {
      return fail('server signature does not verify (the server does not know the credentials)');
    }
    state = 'verified';
  }

  return {
    initial() {
      if (state !== 'start') return fail('exchange already started');
      state = 'first-sent';
      return Buffer.from(GS2_HEADER + clientFirstBare, 'utf8');
    },
    next(serverMessage) {
      const text = serverMessage.toString('utf8');
      if (state === 'first-sent') {
        const reply = clientFinal(text);
        state = 'final-sent';
        return reply;
      }
      if (state === 'final-sent') {
        verifyServerFinal(text);
        return null;
      }
      return fail('unexpected server message');
    },
    done() {
      if (state !== 'verified') fail('exchange not complete');
    },
  };
}

export function scramAuthenticator(
  mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512',
  credentials: SaslCredentials,
  nonce?: string,
): SaslAuthenticator {
  return { mechanism, ...scramExchange(SCRAM_DIGESTS[mechanism], credentials, nonce) };
}
