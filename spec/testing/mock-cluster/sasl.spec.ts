import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { firstValueFrom, type Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, SaslAuthenticationError, type Connection, type SaslMechanism } from '../../../src/network/index.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { Metadata, SaslAuthenticate, SaslHandshake } from '../../../src/protocol/messages/index.js';
import { MockCluster } from '../../../src/testing/index.js';
import { describeInterop, kcatConsume, kcatMetadata, kcatProduce } from '../../interop/harness.js';
import { kcatSaslArgs } from '../../interop/kcat.js';
import { run } from '../../interop/process.js';

const USERS = { alice: 'secret' };
const MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'] as const;

let cluster: MockCluster;
const logs: string[] = [];

beforeAll(async () => {
  cluster = await MockCluster.start({ brokers: 2, sasl: { mechanisms: [...MECHANISMS], users: USERS }, log: (m) => logs.push(m) });
});

afterAll(async () => {
  await cluster?.stop();
});

function kafkajs(sasl: SASLOptions) {
  return new Kafka({ brokers: cluster.bootstrap, sasl, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 3000 });
}

describe('KafkaJS with SASL against MockCluster', () => {
  const kafkajsMechanism = { 'SCRAM-SHA-256': 'scram-sha-256', 'SCRAM-SHA-512': 'scram-sha-512', PLAIN: 'plain' } as const;

  it.each(MECHANISMS)('%s: logs in and produces', async (mechanism) => {
    const topic = `kafkajs-${mechanism}`;
    await cluster.createTopic(topic, { partitions: 1 });
    const producer = kafkajs({ mechanism: kafkajsMechanism[mechanism], username: 'alice', password: 'secret' }).producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages: [{ key: 'k', value: `hello over ${mechanism}` }] });
    } finally {
      await producer.disconnect();
    }
    expect(cluster.records(topic, 0).map((r) => r.value?.toString())).toEqual([`hello over ${mechanism}`]);
  });

  it.each(MECHANISMS)('%s: a wrong password is refused at connect', async (mechanism) => {
    const producer = kafkajs({ mechanism: kafkajsMechanism[mechanism], username: 'alice', password: 'not-the-password' }).producer();
    const error = await producer.connect().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    await producer.disconnect();
    expect(error?.name).toBe('KafkaJSSASLAuthenticationError');
    expect(error?.message).toMatch(/Authentication failed/i);
    expect(error?.message).not.toContain('not-the-password');
  });

  it('an unknown user is refused like a wrong password', async () => {
    const producer = kafkajs({ mechanism: 'scram-sha-256', username: 'mallory', password: 'secret' }).producer();
    await expect(producer.connect()).rejects.toThrow(/Authentication failed/i);
    await producer.disconnect();
  });
});

describe('rxkafka connect() with SASL against MockCluster', () => {
  const subs: Subscription[] = [];
  afterAll(() => subs.forEach((s) => s.unsubscribe()));

  const open = (mechanism: SaslMechanism, password: string) =>
    new Promise<Connection>((resolve, reject) => {
      const [host, port] = cluster.bootstrap[0].split(':');
      subs.push(connect({ host, port: Number(port), sasl: { mechanism, username: 'alice', password } }).subscribe({ next: resolve, error: reject }));
    });

  it.each(MECHANISMS)('%s: authenticates, then other APIs are served', async (mechanism) => {
    const c = await open(mechanism, 'secret');
    const meta = await firstValueFrom(c.request(Metadata, { topics: null }));
    expect(meta.brokers).toHaveLength(2);
  });

  it.each(MECHANISMS)('%s: a wrong password fails the connection with SaslAuthenticationError', async (mechanism) => {
    const error = await open(mechanism, 'wrong-password').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SaslAuthenticationError);
    expect((error as Error).message).not.toContain('wrong-password');
  });
});

describe('MockCluster SASL state rules on the wire', () => {
  /** A connection that skipped SASL (no sasl option): only the SASL-phase APIs are answered. */
  const raw = () =>
    new Promise<Connection>((resolve, reject) => {
      const [host, port] = cluster.bootstrap[1].split(':');
      const sub = connect({ host, port: Number(port) }).subscribe({ next: resolve, error: reject });
      afterAll(() => sub.unsubscribe());
    });

  it('answers an unknown mechanism with UNSUPPORTED_SASL_MECHANISM and the enabled list', async () => {
    const c = await raw();
    const res = await firstValueFrom(c.request(SaslHandshake, { mechanism: 'GSSAPI' }, { version: 1 }));
    expect(res.errorCode).toBe(ErrorCode.UNSUPPORTED_SASL_MECHANISM);
    expect(res.mechanisms).toEqual([...MECHANISMS]);
  });

  it('answers SaslAuthenticate before a handshake with ILLEGAL_SASL_STATE', async () => {
    const c = await raw();
    const res = await firstValueFrom(c.request(SaslAuthenticate, { authBytes: Buffer.from('\0alice\0secret') }));
    expect(res.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
  });

  it('closes a connection that sends other APIs before authenticating, and after a failed login', async () => {
    const c = await raw();
    await firstValueFrom(c.request(SaslHandshake, { mechanism: 'PLAIN' }, { version: 1 }));
    const failed = await firstValueFrom(c.request(SaslAuthenticate, { authBytes: Buffer.from('\0alice\0nope') }, { version: 2 }));
    expect(failed).toMatchObject({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, authBytes: Buffer.alloc(0) });
    expect(failed.errorMessage).not.toContain('nope');
    // A second try on the same exchange is out of sequence.
    const again = await firstValueFrom(c.request(SaslAuthenticate, { authBytes: Buffer.from('\0alice\0secret') }));
    expect(again.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    await expect(firstValueFrom(c.request(Metadata, { topics: null }))).rejects.toThrow();
    expect(logs.some((l) => l.includes('before authentication'))).toBe(true);
    expect(logs.join('\n')).not.toMatch(/nope|secret/);
  });
});

describeInterop('kcat with SASL against MockCluster', ['kcat'], () => {
  it('SCRAM-SHA-512: produces and consumes back', async () => {
    const extra = kcatSaslArgs({ mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'secret' });
    await cluster.createTopic('kcat-scram', { partitions: 1 });
    const messages = Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `scram value ${i}` }));
    await kcatProduce({ brokers: cluster.bootstrap, topic: 'kcat-scram', partition: 0, messages, extra });
    expect(cluster.records('kcat-scram', 0).map((r) => r.value?.toString())).toEqual(messages.map((m) => m.value));
    const back = await kcatConsume({ brokers: cluster.bootstrap, topic: 'kcat-scram', partition: 0, count: 5, extra });
    expect(back.map((r) => [r.key?.toString(), r.value?.toString()])).toEqual(messages.map((m) => [m.key, m.value]));
  });

  it('PLAIN and SCRAM-SHA-256: metadata after login', async () => {
    for (const mechanism of ['PLAIN', 'SCRAM-SHA-256'] as const) {
      const meta = await kcatMetadata({ brokers: cluster.bootstrap, extra: kcatSaslArgs({ mechanism, username: 'alice', password: 'secret' }) });
      expect(meta.brokers.map((b) => b.id).sort()).toEqual([1, 2]);
    }
  });

  it('SCRAM-SHA-512 with a wrong password: kcat fails with an authentication error', async () => {
    // Not quiet (-q would hide librdkafka's reason); -m bounds the wait for metadata.
    const args = ['-L', '-m', '3', '-b', cluster.bootstrap.join(','), ...kcatSaslArgs({ mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'wrong' })];
    const error = await run('kcat', args, { timeoutMs: 15_000 }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/exit code [1-9]/);
    expect(error?.message).toMatch(/SASL authentication error: Authentication failed with SASL mechanism SCRAM-SHA-512/);
  });
});
