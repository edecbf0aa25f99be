import { describe, expect, it } from 'vitest';
import { KafkaConfigError } from '../../src/errors.js';
import { createSaslAuthenticator, SaslAuthenticationError, type SaslMechanism } from '../../src/network/sasl/index.js';
import { scramAuthenticator, scramExchange } from '../../src/network/sasl/scram.js';
import { escapeSaslName, unescapeSaslName } from '../../src/network/sasl/scram-crypto.js';
import { plainServer, saslServerFor, scramServer, SaslServerFailure } from '../../src/testing/mock-cluster/scram-server.js';

const text = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));

// RFC 7677 section 3: SCRAM-SHA-256, user "user", password "pencil".
const RFC7677 = {
  clientNonce: 'rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  salt: 'W22ZaJ0SNY7soEsUEjb6gQ==',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

// RFC 5802 section 5: the same exchange over SHA-1.
const RFC5802 = {
  clientNonce: 'fyko+d2lbbFgONRv9qkxdawL',
  serverNonce: '3rfcNHYJY1ZVvWVs7j',
  salt: 'QSXCR+Q6sek8bf92',
  clientFirst: 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL',
  serverFirst: 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
  clientFinal: 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
  serverFinal: 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=',
};

const user = { username: 'user', password: 'pencil' };

describe('SCRAM client: published test vectors', () => {
  it('RFC 7677 SCRAM-SHA-256: client-first, client-final and server signature', () => {
    const c = scramAuthenticator('SCRAM-SHA-256', user, RFC7677.clientNonce);
    expect(c.mechanism).toBe('SCRAM-SHA-256');
    expect(text(c.initial())).toBe(RFC7677.clientFirst);
    expect(text(c.next(Buffer.from(RFC7677.serverFirst)))).toBe(RFC7677.clientFinal);
    expect(c.next(Buffer.from(RFC7677.serverFinal))).toBeNull();
    expect(() => c.done()).not.toThrow();
  });

  it('RFC 5802 SCRAM-SHA-1 (same state machine over SHA-1)', () => {
    const c = scramExchange('sha1', user, RFC5802.clientNonce);
    expect(text(c.initial())).toBe(RFC5802.clientFirst);
    expect(text(c.next(Buffer.from(RFC5802.serverFirst)))).toBe(RFC5802.clientFinal);
    expect(c.next(Buffer.from(RFC5802.serverFinal))).toBeNull();
    c.done();
  });

  it('rejects a server signature that does not verify, and done() then throws', () => {
    const c = scramAuthenticator('SCRAM-SHA-256', user, RFC7677.clientNonce);
    c.initial();
    c.next(Buffer.from(RFC7677.serverFirst));
    const forged = 'v=' + Buffer.alloc(32, 7).toString('base64');
    expect(() => c.next(Buffer.from(forged))).toThrow(SaslAuthenticationError);
    expect(() => c.done()).toThrow(SaslAuthenticationError);
  });

  it('done() throws before the exchange finished', () => {
    const c = scramAuthenticator('SCRAM-SHA-256', user, RFC7677.clientNonce);
    c.initial();
    c.next(Buffer.from(RFC7677.serverFirst));
    expect(() => c.done()).toThrow(/not complete/);
  });

  it.each([
    ['a nonce that does not extend ours', 'r=someoneElse123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096', /nonce/],
    ['the bare client nonce', `r=${RFC7677.clientNonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`, /nonce/],
    ['too few iterations', `r=${RFC7677.clientNonce}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1000`, /iteration/],
    ['a huge iteration count', `r=${RFC7677.clientNonce}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999`, /iteration/],
    ['a salt that is not base64', `r=${RFC7677.clientNonce}x,s=!!!,i=4096`, /salt/],
    ['a server error', 'e=unknown-user', /unknown-user/],
    ['garbage', 'hello', /malformed/],
  ])('rejects a server-first with %s', (_why, serverFirst, message) => {
    const c = scramAuthenticator('SCRAM-SHA-256', user, RFC7677.clientNonce);
    c.initial();
    expect(() => c.next(Buffer.from(serverFirst))).toThrow(message);
  });

  it('escapes "=" and "," in the user name (saslname)', () => {
    const c = scramAuthenticator('SCRAM-SHA-512', { username: 'a=b,c', password: 'x' }, 'nonce');
    expect(text(c.initial())).toBe('n,,n=a=3Db=2Cc,r=nonce');
    expect(escapeSaslName('=,=')).toBe('=3D=2C=3D');
    expect(unescapeSaslName('a=3Db=2Cc')).toBe('a=b,c');
    expect(unescapeSaslName('a=4Fb')).toBeNull();
  });

  it('uses a fresh random nonce per authenticator', () => {
    const a = text(createSaslAuthenticator('SCRAM-SHA-256', user).initial());
    const b = text(createSaslAuthenticator('SCRAM-SHA-256', user).initial());
    expect(a).toMatch(/^n,,n=user,r=[\x21-\x2b\x2d-\x7e]{20,}$/);
    expect(a).not.toBe(b);
  });

  it('never puts the password in an error message', () => {
    const secret = 'hunter2-very-secret';
    const c = scramAuthenticator('SCRAM-SHA-256', { username: 'u', password: secret }, 'abc');
    c.initial();
    c.next(Buffer.from('r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'));
    let error: unknown;
    try {
      c.next(Buffer.from('v=AAAA'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SaslAuthenticationError);
    expect(String((error as Error).message)).not.toContain(secret);
    expect((error as SaslAuthenticationError).code).toBe(58);
    expect((error as SaslAuthenticationError).retriable).toBe(false);
  });
});

describe('PLAIN client', () => {
  it('sends authzid NUL user NUL password and completes on the server answer', () => {
    const p = createSaslAuthenticator('PLAIN', { username: 'alice', password: 'secret' });
    expect(p.initial()).toEqual(Buffer.from('\0alice\0secret'));
    expect(() => p.done()).toThrow(SaslAuthenticationError);
    expect(p.next(Buffer.alloc(0))).toBeNull();
    p.done();
  });

  it('rejects NUL in credentials at construction, naming the field only', () => {
    expect(() => createSaslAuthenticator('PLAIN', { username: 'a\0b', password: 'x' })).toThrow(KafkaConfigError);
    expect(() => createSaslAuthenticator('PLAIN', { username: 'a', password: 'se\0cret' })).toThrow(/sasl.password/);
  });

  it('rejects an unknown mechanism', () => {
    expect(() => createSaslAuthenticator('GSSAPI' as SaslMechanism, user)).toThrow(KafkaConfigError);
  });
});

describe('SCRAM server (MockCluster)', () => {
  it('answers the RFC 7677 exchange exactly', () => {
    const s = scramServer('sha256', { user: 'pencil' }, { serverNonce: RFC7677.serverNonce, salt: Buffer.from(RFC7677.salt, 'base64'), iterations: 4096 });
    const first = s.step(Buffer.from(RFC7677.clientFirst));
    expect(first.done).toBe(false);
    expect(text(first.reply)).toBe(RFC7677.serverFirst);
    const final = s.step(Buffer.from(RFC7677.clientFinal));
    expect(final).toMatchObject({ done: true, principal: 'user' });
    expect(text(final.reply)).toBe(RFC7677.serverFinal);
  });

  it('answers the RFC 5802 exchange exactly (SHA-1)', () => {
    const s = scramServer('sha1', { user: 'pencil' }, { serverNonce: RFC5802.serverNonce, salt: Buffer.from(RFC5802.salt, 'base64'), iterations: 4096 });
    expect(text(s.step(Buffer.from(RFC5802.clientFirst)).reply)).toBe(RFC5802.serverFirst);
    expect(text(s.step(Buffer.from(RFC5802.clientFinal)).reply)).toBe(RFC5802.serverFinal);
  });

  it('rejects a wrong proof, and the exchange is over afterwards', () => {
    const s = scramServer('sha256', { user: 'other-password' }, { serverNonce: RFC7677.serverNonce, salt: Buffer.from(RFC7677.salt, 'base64'), iterations: 4096 });
    s.step(Buffer.from(RFC7677.clientFirst));
    expect(() => s.step(Buffer.from(RFC7677.clientFinal))).toThrow(SaslServerFailure);
    expect(() => s.step(Buffer.from(RFC7677.clientFinal))).toThrow(/over/);
  });

  it('answers an unknown user like a known one until the proof fails', () => {
    const s = scramServer('sha256', { alice: 'secret' });
    const first = text(s.step(Buffer.from('n,,n=mallory,r=abcdef')).reply);
    expect(first).toMatch(/^r=abcdef[^,]+,s=[A-Za-z0-9+/=]+,i=4096$/);
    expect(() => s.step(Buffer.from(`c=biws,r=${first?.split(',')[0].slice(2)},p=${Buffer.alloc(32).toString('base64')}`))).toThrow(/invalid credentials/);
  });

  it.each([
    ['channel binding', 'p=tls-unique,,n=user,r=abc', /channel binding/],
    ['a foreign authzid', 'n,a=root,n=user,r=abc', /authorization id/],
    ['no nonce', 'n,,n=user', /malformed/],
  ])('refuses a client-first with %s', (_why, message, error) => {
    expect(() => scramServer('sha256', user).step(Buffer.from(message))).toThrow(error);
  });

  it('refuses a client-final whose nonce or channel-binding data does not match', () => {
    const s = scramServer('sha256', { user: 'pencil' }, { serverNonce: 'SRV' });
    s.step(Buffer.from('n,,n=user,r=abc'));
    expect(() => s.step(Buffer.from('c=biws,r=abcXXX,p=AAAA'))).toThrow(/nonce/);
  });

  it('PLAIN accepts the right password only', () => {
    expect(plainServer({ alice: 'secret' }).step(Buffer.from('\0alice\0secret'))).toMatchObject({ done: true, principal: 'alice' });
    expect(() => plainServer({ alice: 'secret' }).step(Buffer.from('\0alice\0wrong'))).toThrow(SaslServerFailure);
    expect(() => plainServer({ alice: 'secret' }).step(Buffer.from('\0bob\0'))).toThrow(SaslServerFailure);
    expect(() => plainServer({ alice: 'secret' }).step(Buffer.from('bob\0alice\0secret'))).toThrow(/authorization id/);
  });
});

describe('client against server round trip', () => {
  const users = { alice: 'secret', 'we=ird,name': 'pässwörd' };

  function run(mechanism: SaslMechanism, username: string, password: string): void {
    const client = createSaslAuthenticator(mechanism, { username, password });
    const server = saslServerFor(mechanism, users);
    if (server === undefined) throw new Error(`no server for ${mechanism}`);
    let out: Buffer | null = client.initial();
    for (let round = 0; out !== null; round++) {
      if (round > 3) throw new Error('exchange does not end');
      const step = server.step(out);
      out = client.next(step.reply);
      if (step.done) expect(step.principal).toBe(username);
    }
    client.done();
  }

  it.each(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('%s succeeds with the right password', (mechanism) => {
    run(mechanism, 'alice', 'secret');
    run(mechanism, 'we=ird,name', 'pässwörd');
  });

  it.each(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('%s fails with a wrong password', (mechanism) => {
    expect(() => run(mechanism, 'alice', 'wrong')).toThrow(SaslServerFailure);
  });
});
