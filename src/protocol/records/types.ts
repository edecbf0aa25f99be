import type { CompressionName } from '../compression/codec.js';

export type TimestampType = 'create' | 'log-append';

export type HeaderValueInput = Buffer | Uint8Array | string | null;

export interface RecordInput {
  key?: Buffer | Uint8Array | string | null;
  value: Buffer | Uint8Array | string | null;
  /** An object (one value per key) or an ordered list that may repeat keys. */
  headers?: Readonly<Record<string, Buffer | Uint8Array | string>> | ReadonlyArray<readonly [string, HeaderValueInput]>;
  /** Milliseconds since the epoch; defaults to the encoder's `now`. */
  timestamp?: number;
  /** Defaults to the record's index in the batch. */
  offsetDelta?: number;
}

export interface RecordBatchInput {
  records: readonly RecordInput[];
  /** Defaults to the first record's timestamp. */
  baseTimestamp?: number;
  /** Defaults to the largest offset delta (0 for an empty batch). */
  lastOffsetDelta?: number;
}

export interface EncodeOptions {
  compression?: CompressionName;
  baseOffset?: bigint | number;
  producerId?: bigint | number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  partitionLeaderEpoch?: number;
  timestampType?: TimestampType;
  control?: boolean;
  /** Timestamp (ms) for records without one: required if any lacks one (the codecs read no clock). */
  now?: number;
}

/**
 * Makes the object for one decoded record (not for control records), so that a reader with its
 * own record type (the consumer's) gets it straight from the bytes, with no object in between.
 * `headers` is shared among records without headers: do not change it.
 */
export type RecordFactory = (offset: bigint, timestamp: number, key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[], leaderEpoch: number) => KafkaRecord;

export interface DecodeOptions {
  /** Makes each record's object; default a plain KafkaRecord. */
  newRecord?: RecordFactory;
  /** Ceiling on one batch's decompressed records; default 256 MiB. */
  maxDecompressedBytes?: number;
  /** Ceiling on one batch's declared length; a larger one is corrupt, not truncated. Default 1 GiB. */
  maxBatchBytes?: number;
}

export interface ControlMarker {
  type: 'abort' | 'commit';
  version: number;
  coordinatorEpoch: number;
}

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface KafkaRecord {
  offset: bigint;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: readonly RecordHeader[];
  /** Present on the commit/abort record of a control batch. */
  control?: ControlMarker;
}

export interface RecordBatch {
  baseOffset: bigint;
  lastOffsetDelta: number;
  partitionLeaderEpoch: number;
  /** 2 for RecordBatch; 0 or 1 for a legacy message (or compressed wrapper) as a pseudo-batch. */
  magic: number;
  compression: CompressionName;
  timestampType: TimestampType;
  isTransactional: boolean;
  isControl: boolean;
  hasDeleteHorizon: boolean;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  records: KafkaRecord[];
}

/** What a decode of a record set returns: the batches, and the bytes of a partial trailing batch. */
export interface DecodedRecordSet {
  batches: RecordBatch[];
  /** Bytes at the end that belong to a batch cut off by the broker's size limit (not an error). */
  truncatedBytes: number;
}
