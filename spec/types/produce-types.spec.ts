import { from, lastValueFrom, map, toArray } from 'rxjs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createClient, type MetadataFor, type ProducerRecord, type RecordMetadata } from '../../src/index.js';
import { MockCluster } from '../../src/testing/index.js';

interface Ack {
  ack(): void;
}

/**
 * The metadata's `context` is required when the input's is: `m.context.ack()` compiles under
 * strict. These are checked by the type check (`npm run typecheck`, and `.ci/run`), and run here.
 */
describe('produce() and send() types', () => {
  it('carry a required context through to the metadata, and an optional one as optional', async () => {
    expectTypeOf<MetadataFor<{ topic: string; value: string; context: Ack }>>().toEqualTypeOf<RecordMetadata<Ack> & { context: Ack }>();
    expectTypeOf<MetadataFor<ProducerRecord<Ack>>>().toEqualTypeOf<RecordMetadata<Ack>>();
    expectTypeOf<MetadataFor<{ topic: string; value: string }>>().toEqualTypeOf<RecordMetadata>();

    const cluster = await MockCluster.start();
    const client = createClient({ brokers: cluster.bootstrap });
    try {
      const producer = client.producer();
      let acked = 0;
      const handles: Ack[] = [1, 2, 3].map(() => ({ ack: () => acked++ }));
      const out = await lastValueFrom(
        from(handles).pipe(
          map((h, i) => ({ topic: 't', value: `v${i}`, context: h })),
          producer.produce(),
          map((m) => {
            expectTypeOf(m.context).toEqualTypeOf<Ack>();
            m.context.ack();
            return m;
          }),
          toArray(),
        ),
      );
      expect(acked).toBe(3);
      expect(out.map((m) => m.offset)).toEqual([0n, 1n, 2n]);

      const one = await producer.send({ topic: 't', value: 'x', context: 42 });
      expectTypeOf(one.context).toEqualTypeOf<number>();
      expect(one.context).toBe(42);
      const many = await producer.send([{ topic: 't', value: 'y', context: 'a' }]);
      expectTypeOf(many[0].context).toEqualTypeOf<string>();
      const plain = await producer.send({ topic: 't', value: 'z' });
      expectTypeOf(plain.context).toEqualTypeOf<unknown>();
      // the explicit form of before still works
      const explicit = await lastValueFrom(from([{ topic: 't', value: 'w', context: 1 }]).pipe(producer.produce<number>()));
      expectTypeOf(explicit.context).toEqualTypeOf<number | undefined>();
    } finally {
      await client.close();
      await cluster.stop();
    }
  });
});
