import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { KafkaError, NotAssignedError } from '../../src/index.js';
import { groupCluster } from './support.js';

describe('commits follow acks', () => {
  it('manual acks out of order commit only the contiguous run', async () => {
    const { time, client, produce, committed, done } = await groupCluster(1);
    await produce(5);
    const consumer = client().consumer({ groupId: 'm', topics: ['orders'], autoOffsetReset: 'earliest', ack: 'manual', autoCommitIntervalMs: 0 });
    const records = await time.run(() => firstValueFrom(consumer.records$.pipe(take(5), toArray())));
    records[3].ack();
    records[1].ack();
    await time.run(() => consumer.commit());
    expect(committed('m', 0)).toBeNull(); // offset 0 not acked: nothing committed
    records[0].ack();
    await time.run(() => consumer.commit());
    expect(committed('m', 0)).toBe(2n); // 0 and 1 acked; 2 not
    records[2].ack();
    await time.run(() => consumer.commit());
    expect(committed('m', 0)).toBe(4n);
    records[4].ack();
    await time.run(() => consumer.close());
    expect(committed('m', 0)).toBe(5n); // close commits what is acked
    await done();
  });

  it('auto-commits acked offsets every autoCommitIntervalMs', async () => {
    const { time, client, produce, committed, done } = await groupCluster(1);
    await produce(3);
    const consumer = client().consumer({ groupId: 'a', topics: ['orders'], autoOffsetReset: 'earliest', autoCommitIntervalMs: 5000 });
    const records = await time.run(() => firstValueFrom(consumer.records$.pipe(take(3), toArray())));
    expect(records).toHaveLength(3);
    expect(committed('a', 0)).toBeNull();
    // auto acks as handed out; the interval commits them
    await time.advance(5000);
    await time.settle();
    expect(committed('a', 0)).toBe(3n);
    await time.run(() => consumer.close());
    await done();
  });

  it('commit() without a groupId, and seek or pause of a partition not owned, are typed errors', async () => {
    const { time, client, done } = await groupCluster(1);
    const consumer = client().consumer({ assign: [{ topic: 'orders', partition: 0, offset: 0n }] });
    const sub = consumer.records$.subscribe();
    await time.settle();
    await expect(consumer.commit()).rejects.toBeInstanceOf(KafkaError);
    expect(() => consumer.seek({ topic: 'orders', partition: 7, offset: 0n })).toThrow(NotAssignedError);
    expect(() => consumer.pause([{ topic: 'other', partition: 0 }])).toThrow(NotAssignedError);
    sub.unsubscribe();
    await time.run(() => consumer.close());
    await done();
  });
});
