import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';

/** Digests SCRAM is defined over; SHA-1 only for RFC 5802's published test vector. */
export type ScramDigest = 'sha1' | 'sha256' | 'sha512';

export const SCRAM_DIGESTS: Readonly<Record<string, ScramDigest>> = {
  'SCRAM-SHA-256': 'sha256',
  'SCRAM-SHA-512': 'sha512',
};

const DIGEST_BYTES: Readonly<Record<ScramDigest, number>> = { sha1: 20, sha256: 32, sha512: 64 };

/** The keys both sides derive from a password (RFC 5802 section 3). */
export interface ScramKeys {
  readonly clientKey: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

export function hmac(digest: ScramDigest, key: Buffer, data: string | Buffer): Buffer {
  return createHmac(digest, key).update(data).digest();
}

export function hash(digest: ScramDigest, data: Buffer): Buffer {
  return createHash(digest).update(data).digest();
}

/**
 * Kafka derives credentials from the password's UTF-8 bytes without SASLprep (its ScramFormatter
 * and librdkafka alike), so we do the same to agree with real brokers on non-ASCII passwords.
 */
export function deriveKeys(digest: ScramDigest, password: string, salt: Buffer, iterations: number): ScramKeys {
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, DIGEST_BYTES[digest], digest);
  const clientKey = hmac(digest, salted, 'Client Key');
  return { clientKey, storedKey: hash(digest, clientKey), serverKey: hmac(digest, salted, 'Server Key') };
}

export function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

/** Constant-time equality that also tolerates different lengths. */
export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** "=" and "," in a user name are written as "=3D" and "=2C" (RFC 5802 saslname). */
export function escapeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** The inverse of escapeSaslName; null when an "=" starts anything but "=3D" or "=2C". */
export function unescapeSaslName(escaped: string): string | null {
  if (/=(?!3D|2C)/.test(escaped)) return null;
  return escaped.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

/**
 * The "k=value" attributes of a SCRAM message, in order. Values may contain "=" (base64), so
 * only the first one splits. Null when an attribute is not of that shape.
 */
export function parseAttributes(message: string): Array<[string, string]> | null {
  const out: Array<[string, string]> = [];
  for (const part of message.split(',')) {
    if (part.length < 2 || part[1] !== '=' || !/^[a-zA-Z]$/.test(part[0])) return null;
    out.push([part[0], part.slice(2)]);
  }
  return out;
}

/** Printable nonce characters: RFC 5802 allows any printable ASCII but ",". */
export function isValidNonce(nonce: string): boolean {
  return nonce.length > 0 && /^[\x21-\x2b\x2d-\x7e]+$/.test(nonce);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict base64 (Buffer.from(x, 'base64') silently skips junk). */
export function decodeBase64(text: string): Buffer | null {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : null;
}
