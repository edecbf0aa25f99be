import fc from 'fast-check';
import type { CompressionName, EncodeOptions, RecordInput } from '../../../src/protocol/records/index.js';

export const CODECS: CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

const bytesOrNull = fc.option(fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)), { nil: null });
const keyArb = fc.oneof(bytesOrNull, fc.string({ maxLength: 20 }), fc.constant(undefined));
const valueArb = fc.oneof(bytesOrNull, fc.string({ unit: 'grapheme', maxLength: 20 }));

const headersArb = fc.oneof(
  fc.constant(undefined),
  fc.array(fc.tuple(fc.string({ maxLength: 8 }), fc.option(fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a)), { nil: null })), {
    maxLength: 4,
  }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);

/** Timestamps around "now", plus the extremes a long-lived topic can hold. */
const timestampArb = fc.oneof(fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }), fc.integer({ min: 0, max: 2 ** 40 }));

export const recordArb: fc.Arbitrary<RecordInput> = fc.record(
  { key: keyArb, value: valueArb, headers: headersArb, timestamp: timestampArb },
  { requiredKeys: ['value'] },
);

export const optionsArb: fc.Arbitrary<EncodeOptions> = fc.record({
  baseOffset: fc.oneof(fc.bigInt({ min: 0n, max: (1n << 62n) - 1n }), fc.integer({ min: 0, max: 2 ** 40 })),
  producerId: fc.oneof(fc.constant(-1n), fc.bigInt({ min: 0n, max: (1n << 63n) - 1n })),
  producerEpoch: fc.integer({ min: -1, max: 32767 }),
  baseSequence: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
  transactional: fc.boolean(),
  partitionLeaderEpoch: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
  timestampType: fc.constantFrom('create' as const, 'log-append' as const),
  now: fc.integer({ min: 0, max: 2 ** 41 }),
});

export function toBuf(v: Buffer | Uint8Array | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v);
}

/** The header list a RecordInput's headers decode to. */
export function expectedHeaders(h: RecordInput['headers']): Array<{ key: string; value: Buffer | null }> {
  if (h === undefined) return [];
  const entries = Array.isArray(h) ? (h as Array<[string, Buffer | string | null]>) : Object.entries(h);
  return entries.map(([key, value]) => ({ key, value: toBuf(value) }));
}
