import { describe, expect, it } from 'vitest';
import { PartitionAcks, TrackedBatch } from '../../src/consumer/partition-acks.js';
import type { KafkaRecord } from '../../src/protocol/records/index.js';

const record = (offset: bigint): KafkaRecord => ({ offset, timestamp: 0, key: null, value: Buffer.from(String(offset)), headers: [] });

/** The next batch handed out whole, as to a subscriber that takes every record. */
function handWhole(acks: PartitionAcks): void {
  const b = acks.nextToHand();
  if (b !== undefined) b.given = b.records.length;
}

/** A tracker, and a batch of records at `offsets`, ending before `next`, of `bytes`. */
function setup() {
  const deltas: number[] = [];
  const acks = new PartitionAcks('t', 0, (d) => deltas.push(d));
  const batch = (offsets: number[], next: number, bytes = 100) =>
    new TrackedBatch(acks, 't', 0, { records: offsets.map((o) => record(BigInt(o))), nextOffset: BigInt(next) }, bytes, BigInt(next));
  return { acks, batch, deltas };
}

describe('PartitionAcks: commits follow contiguous acks', () => {
  it('moves over a contiguous run only, whatever order the acks come in', () => {
    const { acks, batch } = setup();
    acks.startAt(0n);
    const b = batch([0, 1, 2, 3], 4);
    acks.add(b);
    handWhole(acks);
    expect(acks.pending).toBeNull();
    b.records[2].ack();
    expect(acks.pending).toBeNull(); // 0 and 1 not acked: nothing to commit
    b.records[0].ack();
    expect(acks.pending).toBe(1n);
    b.records[1].ack();
    expect(acks.pending).toBe(3n); // 0..2 acked
    b.records[3].ack();
    expect(acks.pending).toBe(4n);
    acks.committedAt(4n);
    expect(acks.pending).toBeNull();
  });

  it('a gap in one batch holds back the commit of later, fully acked batches; offsets past compaction gaps and control records come from the batch', () => {
    const { acks, batch } = setup();
    acks.startAt(10n);
    const first = batch([10, 12], 14); // 11 compacted, 13 a control record
    const second = batch([14, 15], 16);
    acks.add(first);
    acks.add(second);
    handWhole(acks);
    handWhole(acks);
    second.records[0].ack();
    second.records[1].ack();
    expect(acks.pending).toBeNull();
    first.records[1].ack();
    expect(acks.pending).toBeNull();
    first.records[0].ack();
    expect(acks.pending).toBe(16n);
  });

  it('counts fetched bytes until the batch is acked, and releases them once', () => {
    const { acks, batch, deltas } = setup();
    acks.startAt(0n);
    const b = batch([0, 1], 2, 300);
    acks.add(b);
    expect(acks.bufferedBytes).toBe(300);
    handWhole(acks);
    b.records[0].ack();
    expect(acks.bufferedBytes).toBe(300);
    b.records[1].ack();
    b.records[1].ack(); // a second ack of the same record changes nothing
    expect(acks.bufferedBytes).toBe(0);
    expect(deltas.reduce((a, d) => a + d, 0)).toBe(0);
  });

  it('drops acks once retired: nothing of a revoked or lost partition is committed', () => {
    const { acks, batch } = setup();
    acks.startAt(0n);
    const b = batch([0, 1], 2);
    acks.add(b);
    handWhole(acks);
    acks.retire();
    b.records[0].ack();
    b.records[1].ack();
    expect(acks.pending).toBeNull();
    expect(acks.bufferedBytes).toBe(0);
  });

  it('auto acks a batch handed in part (its subscriber left mid-batch): the rest waits, unacked, for the next', () => {
    const { acks, batch } = setup();
    acks.startAt(0n);
    const b = batch([0, 1, 2, 3], 4);
    acks.add(b);
    expect(acks.nextToHand()).toBe(b);
    b.given = 2;
    acks.ackRange(b, 0, 2);
    expect(acks.pending).toBe(2n);
    expect(acks.hasQueued).toBe(true);
    expect(acks.nextToHand()).toBe(b); // the same batch, from record 2
    b.given = 4;
    acks.ackRange(b, 2, 4);
    expect(acks.pending).toBe(4n);
    expect(acks.hasQueued).toBe(false);
  });

  it('an empty batch (control records only) moves the commit point once reached', () => {
    const { acks, batch } = setup();
    acks.startAt(5n);
    acks.add(batch([], 7));
    handWhole(acks);
    expect(acks.pending).toBe(7n);
  });

  it('a seek drops what was fetched and handed, and the next commit is the new position', () => {
    const { acks, batch } = setup();
    acks.startAt(0n);
    const b = batch([0, 1], 2);
    acks.add(b);
    handWhole(acks);
    acks.reposition(100n);
    b.records[0].ack();
    expect(acks.pending).toBe(100n);
    expect(acks.bufferedBytes).toBe(0);
  });
});
