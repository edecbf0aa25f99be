// The module binding, not the global: on Node the global Buffer is an accessor, called on every use.
import { Buffer } from 'node:buffer';
import { messageOf } from '../errors.js';
import type { BatchAck } from './batch-ack.js';
import { InvalidRecordError } from './errors.js';

export type RecordData = Buffer | string | null;

export type HeadersInput = Record<string, Buffer | string> | ReadonlyArray<readonly [string, Buffer | string | null]>;

/** A record to produce. Strings are UTF-8. `context` passes through to the record's metadata. */
export interface ProducerRecord<C = unknown> {
  topic: string;
  key?: RecordData;
  value: RecordData;
  headers?: HeadersInput;
  partition?: number;
  timestamp?: number;
  context?: C;
}

/** Where a record landed. */
export interface RecordMetadata<C = unknown> {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: number;
  /** The `context` the record carried, untouched. */
  context?: C;
}

/**
 * The metadata of a record of type `R`: its `context` is required when `R`'s is, so a stream of
 * records that all carry one (`{ ..., context: msg }`) gets metadata whose `m.context` is there.
 */
export type MetadataFor<R> = R extends { context: infer C }
  ? RecordMetadata<C> & { context: C }
  : RecordMetadata<R extends { context?: infer C } ? C : unknown>;

/** send(), typed by what it is given: one record, or an array of them. */
export interface SendRecords {
  <C = unknown, R extends ProducerRecord<C> = ProducerRecord<C>>(record: R): Promise<MetadataFor<R>>;
  <C = unknown, R extends ProducerRecord<C> = ProducerRecord<C>>(records: readonly R[]): Promise<Array<MetadataFor<R>>>;
}

/** Where a record's outcome goes: one object per send() call or produce() stream, not per record. */
export interface RecordSink {
  /**
   * True when the sink needs the record itself (to name it in an error). Otherwise the producer
   * lets go of records once they are encoded, unless they carry a `context`: a record kept
   * alive until its acknowledgement is copied by every young-generation GC it lives through.
   */
  readonly wantsRecord?: boolean;
  /**
   * The record at `index` (its position in the sink's input) failed. `source` is the record as
   * given, or null when the sink does not want it and it was let go.
   */
  failed(index: number, source: ProducerRecord | null, error: Error): void;
  /**
   * The record at `index` is stored at `offset` (-1n when the broker does not say, as with
   * acks 0). Absent on a sink that only cares about failures (the Observer side): successes
   * then cost nothing per record.
   */
  delivered?(index: number, source: ProducerRecord | null, topic: string, partition: number, offset: bigint, timestamp: number): void;
  /**
   * The batch's records `from`..`to`-1 (positions in `ack.receipts`), all this sink's, are
   * stored. When present it is called instead of delivered() for each: the sink makes their
   * metadata from `ack` when it hands it on, so none is made for a record whose metadata must
   * wait (a produce() stream emits in input order), where it would outlive young collections.
   */
  acknowledged?(ack: BatchAck, from: number, to: number): void;
}

/**
 * A record checked and in bytes, on its way into its partition's open batch, where it is
 * encoded at once: it lives only while it waits for buffer room or for its topic's metadata.
 * A class, so every pending record has one shape.
 */
export class PendingRecord {
  constructor(
    /** The record as given, for error reports; its `context` passes through to the metadata. */
    readonly source: ProducerRecord,
    readonly topic: string,
    readonly key: Buffer | null,
    readonly value: Buffer | null,
    /** Undefined when the record has none. */
    readonly headers: Array<[string, Buffer | null]> | undefined,
    readonly timestamp: number,
    /** When send() took it: maxBlockMs and deliveryTimeoutMs count from here. */
    readonly acceptedAt: number,
    /** Explicit partition from the caller; -1 for the partitioner to choose. */
    readonly partition: number,
    /** Bytes this record holds in the buffer (its share of bufferMemory). */
    readonly size: number,
    /** Hears the outcome, once; `index` tells it which of its records this is. */
    readonly sink: RecordSink,
    readonly index: number,
    /** Flush epoch the record was accepted in. */
    readonly epoch: number,
    /** Whether it carries a `context` (read once, here: a getter is the user's code). */
    readonly hasContext: boolean,
  ) {}
}

const toBytes = (v: RecordData | undefined, field: string): Buffer | null => {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (Buffer.isBuffer(v)) return v;
  const u: unknown = v;
  if (u instanceof Uint8Array) return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  throw new InvalidRecordError(field, `must be a Buffer, a string or null, got ${typeof u}`);
};

function headerList(headers: HeadersInput): Array<[string, Buffer | null]> {
  const pairs = Array.isArray(headers) ? headers : Object.entries(headers as Record<string, Buffer | string>);
  return pairs.map(([k, v]: readonly [string, Buffer | string | null]) => {
    if (typeof k !== 'string') throw new InvalidRecordError('headers', 'keys must be strings');
    return [k, toBytes(v, `headers.${k}`)] as [string, Buffer | null];
  });
}

/** What a record whose `context` getter threw fails with (the user's code, read at send and at its metadata). */
export const contextUnreadable = (e: unknown): InvalidRecordError => new InvalidRecordError('context', `could not be read: ${messageOf(e)}`, e);

/** Per-record overhead in a v2 batch (length, attributes, deltas, lengths), upper bound. */
const RECORD_OVERHEAD = 21;

/** Checks a record and turns it into bytes; throws InvalidRecordError naming the field. */
export function toPending(record: ProducerRecord, now: number, sink: RecordSink, index: number, epoch: number): PendingRecord {
  if (typeof record !== 'object' || record === null) throw new InvalidRecordError('record', 'must be an object');
  const topic = record.topic;
  if (typeof topic !== 'string' || topic === '') throw new InvalidRecordError('topic', 'must be a non-empty string');
  const rawValue = record.value;
  if (rawValue === undefined && !('value' in record)) throw new InvalidRecordError('value', 'is required (null for a tombstone)');
  const partition = record.partition;
  if (partition !== undefined && !(Number.isInteger(partition) && partition >= 0)) {
    throw new InvalidRecordError('partition', 'must be an integer >= 0');
  }
  const timestamp = record.timestamp;
  if (timestamp !== undefined && !Number.isSafeInteger(timestamp)) {
    throw new InvalidRecordError('timestamp', 'must be an integer (ms since epoch)');
  }
  const rawKey = record.key;
  const key = rawKey === undefined || rawKey === null ? null : toBytes(rawKey, 'key');
  const value = rawValue instanceof Buffer ? rawValue : toBytes(rawValue, 'value');
  const headers = record.headers === undefined ? undefined : headerList(record.headers);
  let hasContext: boolean;
  try {
    hasContext = record.context !== undefined;
  } catch (e) {
    throw contextUnreadable(e);
  }
  let size = RECORD_OVERHEAD + (key === null ? 0 : key.length) + (value === null ? 0 : value.length);
  if (headers !== undefined) for (const [k, v] of headers) size += k.length * 3 + (v?.length ?? 0) + 10;
  return new PendingRecord(record, topic, key, value, headers, timestamp ?? now, now, partition ?? -1, size, sink, index, epoch, hasContext);
}
