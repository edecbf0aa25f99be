import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KafkaProtocolError } from '../../src/errors.js';
import { FrameTooLargeError } from '../../src/network/errors.js';
import { FrameReader } from '../../src/network/frame-reader.js';

const frame = (payload: Buffer) => {
  const b = Buffer.alloc(4 + payload.length);
  b.writeInt32BE(payload.length, 0);
  payload.copy(b, 4);
  return b;
};

describe('FrameReader', () => {
  it('returns every frame whole, however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 40 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p) => frame(Buffer.from(p))));
          const reader = new FrameReader(1 << 20);
          const out: Buffer[] = [];
          let pos = 0;
          let i = 0;
          while (pos < stream.length) {
            const n = cuts[i++ % cuts.length];
            out.push(...reader.push(stream.subarray(pos, pos + n)).map((f) => Buffer.from(f)));
            pos += n;
          }
          expect(out.map((b) => b.toString('hex'))).toEqual(payloads.map((p) => Buffer.from(p).toString('hex')));
        },
      ),
    );
  });

  it('refuses a frame above the limit from its size prefix alone', () => {
    const reader = new FrameReader(1000);
    const head = Buffer.alloc(4);
    head.writeInt32BE(1001, 0);
    expect(() => reader.push(head)).toThrow(FrameTooLargeError);
  });

  it('refuses a negative size', () => {
    const reader = new FrameReader(1000);
    expect(() => reader.push(Buffer.from([0xff, 0xff, 0xff, 0xfe]))).toThrow(KafkaProtocolError);
  });

  it('refuses an oversized frame whose prefix arrives split across chunks', () => {
    const reader = new FrameReader(1000);
    expect(reader.push(Buffer.from([0x00, 0x01]))).toEqual([]);
    expect(() => reader.push(Buffer.from([0x00, 0x00]))).toThrow(FrameTooLargeError);
  });
});
