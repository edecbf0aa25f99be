import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ConsumerRecord } from '../../src/index.js';
import { memoryCluster } from '../support/memory-cluster.js';

const valuesOf = (records: readonly ConsumerRecord[]) => records.map((r) => `${r.partition}:${r.offset}:${r.value?.toString() ?? ''}`);

describe('a consumer of fixed partitions (assign)', () => {
  it('reads every record of the partitions it is given, in offset order per partition', async () => {
    const { time, client, done } = await memoryCluster(['t']);
    const producer = client.producer({});
    const sent = await time.run(() => producer.send(Array.from({ length: 30 }, (_, i) => ({ topic: 't', partition: i % 3, value: `v${i}` }))));
    const consumer = client.consumer({ assign: [0, 1, 2].map((partition) => ({ topic: 't', partition, offset: 0n })) });
    const records = await time.run(() => firstValueFrom(consumer.records$.pipe(take(30), toArray())));
    expect(records).toHaveLength(30);
    for (const p of [0, 1, 2]) {
      const mine = records.filter((r) => r.partition === p);
      expect(mine.map((r) => r.offset)).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i)));
      expect(mine.map((r) => r.value?.toString())).toEqual(sent.filter((m) => m.partition === p).map((_, i) => `v${p + 3 * i}`));
    }
    expect(valuesOf(records).length).toBe(30);
    await time.run(() => consumer.close());
    await done();
  });
});
