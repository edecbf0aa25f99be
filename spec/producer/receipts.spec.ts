import { describe, expect, it } from 'vitest';
import { PendingRecord, type ProducerRecord, type RecordSink } from '../../src/producer/record.js';
import { ReceiptsWriter } from '../../src/producer/receipts.js';

const sink = (name: string, wantsRecord = false): RecordSink & { name: string } => ({ name, wantsRecord, failed: () => undefined });

function pending(source: ProducerRecord, s: RecordSink, index: number, epoch: number, at: number): PendingRecord {
  return new PendingRecord(source, 't', null, null, undefined, at + 1000, at, -1, 30, s, index, epoch, source.context !== undefined);
}

describe('Receipts', () => {
  const a = sink('a');
  const b = sink('b', true);
  const build = () => {
    const w = new ReceiptsWriter();
    const records = Array.from({ length: 10 }, (_, i) => ({ topic: 't', value: `v${i}`, ...(i === 2 ? { context: 'c2' } : {}) }));
    // runs: a/epoch 0 for 0..3, b/epoch 0 for 4..6, b/epoch 1 for 7..9
    records.forEach((r, i) => w.add(pending(r, i < 4 ? a : b, i, i < 7 ? 0 : 1, 50 + i)));
    return { receipts: w.finish(), records };
  };

  it('keeps runs of one sink and epoch, a record only where its sink wants it or it has a context', () => {
    const { receipts, records } = build();
    expect(receipts.count).toBe(10);
    expect([...receipts.runEnds]).toEqual([4, 7, 10]);
    expect(receipts.runSinks).toEqual([a, b, b]);
    expect([...receipts.runEpochs]).toEqual([0, 0, 1]);
    expect(receipts.sources).toEqual([null, null, records[2], null, ...records.slice(4)]);
    expect(receipts.createdAt).toBe(50);
    expect([...receipts.timestamps]).toEqual(records.map((_, i) => 1050 + i));
  });

  it('slices into the receipts of a part of the batch, runs cut and rebased', () => {
    const { receipts, records } = build();
    const second = receipts.slice(5, 10);
    expect([...second.indices]).toEqual([5, 6, 7, 8, 9]);
    expect([...second.runEnds]).toEqual([2, 5]);
    expect(second.runSinks).toEqual([b, b]);
    expect([...second.runEpochs]).toEqual([0, 1]);
    expect(second.sources).toEqual(records.slice(5));
    expect(second.createdAt).toBe(50);
    const first = receipts.slice(0, 5);
    expect([...first.runEnds]).toEqual([4, 5]);
    expect(first.runSinks).toEqual([a, b]);
    expect(first.count + second.count).toBe(receipts.count);
  });
});
