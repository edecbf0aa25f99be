/**
 * RecordBatch encode/decode throughput, rxkafka against KafkaJS's own record-batch code, in
 * one process and one run: 1,000 records with 100-byte values per batch, every codec.
 * `tsx bench/run.ts codec [--time=ms] [--codecs=none,gzip]`
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { compressFrame, decompressFrame } from 'lz4-napi';
import * as snappy from 'snappy';
import * as zstd from '@mongodb-js/zstd';
import {
  decodeRecordBatches,
  decodeRecordSetSync,
  encodeRecordBatch,
  encodeRecordBatchSync,
  type CompressionName,
  type RecordInput,
} from '../src/protocol/records/index.js';

const require = createRequire(import.meta.url);
interface KjsEncoder {
  buffer: Buffer;
}
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (args: object) => Promise<KjsEncoder>;
};
const KjsRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (args: object) => KjsEncoder;
const kjsDecode = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (d: unknown) => Promise<{ records: unknown[] }>;
const KjsDecoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => unknown;
const { Codecs } = require('kafkajs/src/protocol/message/compression/index.js') as { Codecs: Record<number, () => unknown> };

// KafkaJS ships gzip only; give it the same libraries our codecs use so only framing differs.
Codecs[2] = () => ({ compress: (e: KjsEncoder) => snappy.compress(e.buffer), decompress: (b: Buffer) => snappy.uncompress(b, { asBuffer: true }) });
Codecs[3] = () => ({ compress: (e: KjsEncoder) => compressFrame(e.buffer), decompress: (b: Buffer) => decompressFrame(b) });
Codecs[4] = () => ({ compress: (e: KjsEncoder) => zstd.compress(e.buffer), decompress: (b: Buffer) => zstd.decompress(b) });
const KJS_ID: Record<CompressionName, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

const RECORDS = 1000;
const VALUE_BYTES = 100;
const BASE_TS = 1_700_000_000_000;

function makeRecords(): RecordInput[] {
  // text-like values: compressible the way real payloads are, not all zeros
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
  let seed = 12345;
  const out: RecordInput[] = [];
  for (let i = 0; i < RECORDS; i++) {
    let s = '';
    while (s.length < VALUE_BYTES) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      s += words[seed % words.length] + ' ';
    }
    out.push({ key: Buffer.from(`key-${i}`), value: Buffer.from(s.slice(0, VALUE_BYTES)), timestamp: BASE_TS + i });
  }
  return out;
}

async function measure(fn: () => unknown, timeMs: number): Promise<number> {
  const warmEnd = performance.now() + Math.min(300, timeMs / 3);
  while (performance.now() < warmEnd) await fn();
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < timeMs) {
    for (let i = 0; i < 10; i++) await fn();
    n += 10;
    elapsed = performance.now() - start;
  }
  return n / (elapsed / 1000); // batches per second
}

interface Row {
  codec: string;
  op: string;
  ours: number;
  theirs: number;
}

function fmt(batchesPerSec: number): string {
  const recs = batchesPerSec * RECORDS;
  const mb = (recs * VALUE_BYTES) / 1e6;
  return `${(recs / 1e6).toFixed(2).padStart(6)} M rec/s ${mb.toFixed(0).padStart(5)} MB/s`;
}

export async function run(args: string[]): Promise<void> {
  const timeMs = Number(args.find((a) => a.startsWith('--time='))?.slice(7) ?? 1000);
  const only = args.find((a) => a.startsWith('--codecs='))?.slice(9).split(',');
  const codecs = (['none', 'gzip', 'snappy', 'lz4', 'zstd'] as CompressionName[]).filter((c) => !only || only.includes(c));
  const records = makeRecords();
  const kjsRecords = records.map((r, i) => ({
    key: r.key,
    value: r.value,
    headers: {},
    timestampDelta: (r.timestamp ?? BASE_TS) - BASE_TS,
    offsetDelta: i,
  }));
  const kjsEncode = (codec: CompressionName): Promise<KjsEncoder> =>
    RecordBatch({
      compression: KJS_ID[codec],
      firstTimestamp: BASE_TS,
      maxTimestamp: BASE_TS + RECORDS - 1,
      lastOffsetDelta: RECORDS - 1,
      records: kjsRecords.map((r) => KjsRecord(r)),
    });

  console.log(`RecordBatch codec bench: ${RECORDS} records x ${VALUE_BYTES}-byte values, ~${timeMs} ms per cell, node ${process.version}`);
  const rows: Row[] = [];
  for (const codec of codecs) {
    const ourBytes = await encodeRecordBatch(records, { now: Date.now(), compression: codec });
    const theirBytes = (await kjsEncode(codec)).buffer;
    // each side decodes the other's output too, as a sanity check that the bench is honest
    if ((await decodeRecordBatches(theirBytes))[0].records.length !== RECORDS) throw new Error('decode mismatch');
    if ((await kjsDecode(new KjsDecoder(ourBytes))).records.length !== RECORDS) throw new Error('kafkajs decode mismatch');

    rows.push({
      codec,
      op: 'encode',
      ours: await measure(() => encodeRecordBatch(records, { now: Date.now(), compression: codec }), timeMs),
      theirs: await measure(() => kjsEncode(codec), timeMs),
    });
    rows.push({
      codec,
      op: 'decode',
      ours: await measure(() => decodeRecordBatches(ourBytes), timeMs),
      theirs: await measure(() => kjsDecode(new KjsDecoder(theirBytes)), timeMs),
    });
    if (codec === 'none') {
      rows.push({ codec, op: 'encode (sync)', ours: await measure(() => encodeRecordBatchSync(records, { now: Date.now() }), timeMs), theirs: rows[rows.length - 2].theirs });
      rows.push({ codec, op: 'decode (sync)', ours: await measure(() => decodeRecordSetSync(ourBytes), timeMs), theirs: rows[rows.length - 2].theirs });
    }
    const r = rows.slice(codec === 'none' ? -4 : -2);
    for (const row of r) printRow(row);
  }
}

let headerPrinted = false;
function printRow(row: Row): void {
  if (!headerPrinted) {
    headerPrinted = true;
    console.log(`${'codec'.padEnd(7)} ${'op'.padEnd(14)} ${'rxkafka'.padEnd(28)} ${'kafkajs'.padEnd(28)} ratio`);
  }
  console.log(
    `${row.codec.padEnd(7)} ${row.op.padEnd(14)} ${fmt(row.ours).padEnd(28)} ${fmt(row.theirs).padEnd(28)} ${(row.ours / row.theirs).toFixed(2)}x`,
  );
}
