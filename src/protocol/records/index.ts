export { crc32c } from './crc32c.js';
export { crc32 } from './crc32.js';
export { encodeRecordBatch, encodeRecordBatchSync } from './encode-record-batch.js';
export { RecordsWriter, sealRecordBatch, sealRecordBatchSync, type BufferSource, type EncodedRecords } from './records-writer.js';
export { decodeRecordBatches, decodeRecordSet, decodeRecordSetSync } from './decode.js';
export { recordBatchInfo, type RecordBatchInfo } from './record-batch-info.js';
export { restampRecordBatch } from './restamp-record-batch.js';
export { controlRecord } from './control-record.js';
export type {
  ControlMarker,
  DecodedRecordSet,
  DecodeOptions,
  EncodeOptions,
  HeaderValueInput,
  KafkaRecord,
  RecordBatch,
  RecordBatchInput,
  RecordFactory,
  RecordHeader,
  RecordInput,
  TimestampType,
} from './types.js';
export type { CompressionName } from '../compression/codec.js';
