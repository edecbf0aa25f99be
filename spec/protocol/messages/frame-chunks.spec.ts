import { describe, expect, it } from 'vitest';
import { encodeRequestFrameChunks } from '../../../src/protocol/messages/header.js';
import { encodeRequestFrame, Produce } from '../../../src/protocol/messages/index.js';

const produceBody = (sizes: number[]) => ({
  transactionalId: null,
  acks: 1,
  timeoutMs: 30000,
  topicData: [
    {
      name: 'orders',
      partitionData: sizes.map((n, index) => ({ index, records: Buffer.alloc(n, index + 1) })),
    },
  ],
});

describe('encodeRequestFrameChunks', () => {
  for (const version of [3, 7, 9]) {
    it(`gives the same bytes as encodeRequestFrame (Produce v${version}), large batches by reference`, () => {
      const body = produceBody([100, 70_000, 10, 200_000]);
      const chunks = encodeRequestFrameChunks(Produce, version, 42, 'client', body);
      expect(Buffer.concat(chunks)).toEqual(encodeRequestFrame(Produce, version, 42, 'client', body));
      const big = body.topicData[0].partitionData.filter((p) => p.records.length >= 65536).map((p) => p.records);
      for (const records of big) expect(chunks.some((c) => c === records)).toBe(true);
    });
  }

  it('is one chunk when nothing is large', () => {
    const body = produceBody([100, 200]);
    const chunks = encodeRequestFrameChunks(Produce, 9, 1, null, body);
    expect(chunks).toHaveLength(1);
    expect(Buffer.concat(chunks)).toEqual(encodeRequestFrame(Produce, 9, 1, null, body));
  });
});
