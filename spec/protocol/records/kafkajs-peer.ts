/**
 * KafkaJS's own record encoders/decoders, loaded from its internals, as an independent
 * implementation to check ours against. Its codec table only ships gzip; we register the
 * other codecs with the same libraries our codecs use, so both sides differ only in framing.
 */
import { createRequire } from 'node:module';
import { compressFrame, decompressFrame } from 'lz4-napi';
import * as snappy from 'snappy';
import * as zstd from '@mongodb-js/zstd';
import type { CompressionName } from '../../../src/protocol/records/index.js';

const require = createRequire(import.meta.url);

interface KjsEncoder {
  buffer: Buffer;
}
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (args: Record<string, unknown>) => Promise<KjsEncoder>;
};
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (args: object) => KjsEncoder;
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (d: unknown) => Promise<KjsBatch>;
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => unknown;
const MessageSet = require('kafkajs/src/protocol/messageSet/index.js') as (args: Record<string, unknown>) => KjsEncoder;
const compression = require('kafkajs/src/protocol/message/compression/index.js') as {
  Codecs: Record<number, () => unknown>;
  Types: Record<string, number>;
};

const { Codecs, Types } = compression;
Codecs[Types.Snappy] = () => ({
  compress: (e: KjsEncoder) => snappy.compress(e.buffer),
  decompress: async (b: Buffer) => (await snappy.uncompress(b, { asBuffer: true })) as Buffer,
});
Codecs[Types.LZ4] = () => ({
  compress: (e: KjsEncoder) => compressFrame(e.buffer),
  decompress: (b: Buffer) => decompressFrame(b),
});
Codecs[Types.ZSTD] = () => ({
  compress: (e: KjsEncoder) => zstd.compress(e.buffer),
  decompress: (b: Buffer) => zstd.decompress(b),
});

export const KJS_CODEC: Record<CompressionName, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

export interface KjsRecordIn {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
  timestampDelta: number;
  offsetDelta: number;
}

export interface KjsBatchIn {
  compression: CompressionName;
  firstOffset: string;
  firstTimestamp: number;
  maxTimestamp: number;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  transactional: boolean;
  partitionLeaderEpoch: number;
  records: KjsRecordIn[];
}

export interface KjsRecordOut {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null | Buffer[]>;
  isControlRecord: boolean;
}

export interface KjsBatch {
  firstOffset: string;
  firstTimestamp: string;
  maxTimestamp: string;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  lastOffsetDelta: number;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  records: KjsRecordOut[];
}

export async function kjsEncodeBatch(b: KjsBatchIn): Promise<Buffer> {
  const enc = await RecordBatch({
    ...b,
    compression: KJS_CODEC[b.compression],
    records: b.records.map((r) => Record(r)),
  });
  return enc.buffer;
}

export function kjsDecodeBatch(bytes: Buffer): Promise<KjsBatch> {
  return decodeBatch(new Decoder(bytes));
}

/** A legacy message set from KafkaJS's writer (uncompressed; offsets -1 as it writes them). */
export function kjsMessageSet(
  version: 0 | 1,
  entries: Array<{ key: Buffer | null; value: Buffer | null; timestamp?: number; compression?: number }>,
  compressed = false,
): Buffer {
  return MessageSet({ messageVersion: version, compression: compressed ? 1 : 0, entries }).buffer;
}
