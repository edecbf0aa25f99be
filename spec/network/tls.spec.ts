import { readFileSync } from 'node:fs';
import { firstValueFrom, map, switchMap } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, KafkaConnectionError } from '../../src/network/index.js';
import { Metadata } from '../../src/protocol/messages/index.js';
import { FakeBroker } from '../support/fake-broker.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));

let broker: FakeBroker | undefined;
afterEach(async () => {
  await broker?.stop();
  broker = undefined;
});

const start = () =>
  FakeBroker.start({
    tls: { key: fixture('broker.key'), cert: fixture('broker.pem') },
    handle: () => ({ body: { brokers: [], topics: [{ errorCode: 0, name: 'over-tls', partitions: [] }] } }),
  });

describe('TLS connections', () => {
  it('connects over TLS with a CA, handshakes and answers requests', async () => {
    broker = await start();
    const answer = await firstValueFrom(
      connect({ host: '127.0.0.1', port: broker.port, tls: { ca: fixture('ca.pem') } }).pipe(
        switchMap((c) => c.request(Metadata, { topics: null })),
        map((r) => r.topics[0].name),
      ),
    );
    expect(answer).toBe('over-tls');
  });

  it('refuses a broker whose certificate the CA did not sign', async () => {
    broker = await start();
    const error: unknown = await firstValueFrom(connect({ host: '127.0.0.1', port: broker.port, tls: true })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaConnectionError);
    expect((error as Error).message).toMatch(/certificate/);
  });
});
