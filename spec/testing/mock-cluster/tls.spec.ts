import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { firstValueFrom, type Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../../src/network/index.js';
import { Metadata } from '../../../src/protocol/messages/index.js';
import { MockCluster } from '../../../src/testing/index.js';
import { describeInterop, kcatConsume, kcatMetadata, kcatProduce } from '../../interop/harness.js';
import { kcatSaslArgs, kcatTlsArgs } from '../../interop/kcat.js';

const fixturePath = (name: string) => fileURLToPath(new URL(`../../fixtures/tls/${name}`, import.meta.url));
const fixture = (name: string) => readFileSync(fixturePath(name));

let cluster: MockCluster;
let tlsSasl: MockCluster;

beforeAll(async () => {
  const tls = { key: fixture('broker.key'), cert: fixture('broker.pem') };
  cluster = await MockCluster.start({ brokers: 2, tls });
  tlsSasl = await MockCluster.start({ tls, sasl: { mechanisms: ['SCRAM-SHA-256', 'PLAIN'], users: { alice: 'secret' } } });
});

afterAll(async () => {
  await cluster?.stop();
  await tlsSasl?.stop();
});

describe('MockCluster over TLS', () => {
  it('KafkaJS with the test CA produces and the records land', async () => {
    await cluster.createTopic('kafkajs-tls', { partitions: 1 });
    const kafka = new Kafka({ brokers: cluster.bootstrap, ssl: { ca: [fixture('ca.pem').toString()] }, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: 'kafkajs-tls', messages: [{ key: 'a', value: 'over tls' }] });
    } finally {
      await producer.disconnect();
    }
    expect(cluster.records('kafkajs-tls', 0).map((r) => r.value?.toString())).toEqual(['over tls']);
  });

  it('KafkaJS without the CA is refused (the certificate is not trusted)', async () => {
    const kafka = new Kafka({ brokers: cluster.bootstrap, ssl: true, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 3000 });
    const producer = kafka.producer();
    await expect(producer.connect()).rejects.toThrow(/certificate|self.signed|issuer/i);
    await producer.disconnect();
  });

  it('KafkaJS with TLS and SASL SCRAM-SHA-256 (SASL_SSL) logs in', async () => {
    const kafka = new Kafka({
      brokers: tlsSasl.bootstrap,
      ssl: { ca: [fixture('ca.pem').toString()] },
      sasl: { mechanism: 'scram-sha-256', username: 'alice', password: 'secret' },
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: 'sasl-ssl' }] })).toBe(true);
    } finally {
      await admin.disconnect();
    }
    expect(tlsSasl.state.topics.has('sasl-ssl')).toBe(true);
  });

  it('rxkafka connect() with the CA talks to a TLS broker', async () => {
    const [host, port] = cluster.bootstrap[0].split(':');
    let sub: Subscription | undefined;
    try {
      const c = await new Promise<Connection>((resolve, reject) => {
        sub = connect({ host, port: Number(port), tls: { ca: fixture('ca.pem') } }).subscribe({ next: resolve, error: reject });
      });
      const meta = await firstValueFrom(c.request(Metadata, { topics: null }));
      expect(meta.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2]);
    } finally {
      sub?.unsubscribe();
    }
  });
});

describeInterop('kcat over TLS against MockCluster', ['kcat'], () => {
  it('produces and consumes back with ssl.ca.location', async () => {
    const extra = kcatTlsArgs(fixturePath('ca.pem'));
    await cluster.createTopic('kcat-tls', { partitions: 1 });
    const messages = Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `tls value ${i}` }));
    await kcatProduce({ brokers: cluster.bootstrap, topic: 'kcat-tls', partition: 0, messages, extra });
    expect(cluster.records('kcat-tls', 0).map((r) => r.value?.toString())).toEqual(messages.map((m) => m.value));
    const back = await kcatConsume({ brokers: cluster.bootstrap, topic: 'kcat-tls', partition: 0, count: 5, extra });
    expect(back.map((r) => [r.key?.toString(), r.value?.toString()])).toEqual(messages.map((m) => [m.key, m.value]));
  });

  it('SASL_SSL with SCRAM-SHA-256 lists metadata', async () => {
    const extra = [
      ...kcatSaslArgs({ mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'secret', tls: true }),
      '-X', `ssl.ca.location=${fixturePath('ca.pem')}`,
    ];
    const meta = await kcatMetadata({ brokers: tlsSasl.bootstrap, extra });
    expect(meta.brokers.map((b) => b.id)).toEqual([1]);
  });
});
