import { describe, expect, expectTypeOf, it } from 'vitest';
import { createClient, type TransactionalProducer } from '../../src/index.js';
import { MockCluster } from '../../src/testing/index.js';

/**
 * The transactional producer is composed over a producer, not a subclass of one: it has no
 * send(), produce() or Observer side to refuse, only transaction(). Checked by the type check
 * (`npm run typecheck`), and run here.
 */
describe('a transactional producer sends through transaction() only', () => {
  it('has no send, produce or next of its own; a transaction sends, typed as send() is', async () => {
    expectTypeOf<TransactionalProducer>().not.toHaveProperty('send');
    expectTypeOf<TransactionalProducer>().not.toHaveProperty('produce');
    expectTypeOf<TransactionalProducer>().not.toHaveProperty('next');

    const cluster = await MockCluster.start();
    const client = createClient({ brokers: cluster.bootstrap });
    try {
      const producer = client.producer({ transactionalId: 'types' });
      expectTypeOf(producer).toEqualTypeOf<TransactionalProducer>();
      const sent = await producer.transaction(async (tx) => {
        const one = await tx.send({ topic: 't', value: 'a', context: 7 });
        expectTypeOf(one.context).toEqualTypeOf<number>();
        return one;
      });
      expect(sent).toMatchObject({ topic: 't', offset: 0n, context: 7 });
      expect('send' in producer).toBe(false);
      await producer.close();
    } finally {
      await client.close();
      await cluster.stop();
    }
  });
});
