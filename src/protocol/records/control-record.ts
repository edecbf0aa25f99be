import { KafkaProtocolError } from '../../errors.js';
import { ControlRecordType } from '../enums.js';
import type { ControlMarker, RecordInput } from './types.js';

/** Control record key: version int16, type int16. Value (abort/commit): version int16, coordinatorEpoch int32. */
const { ABORT, COMMIT } = ControlRecordType;

/**
 * Reads the marker of a control record. Types other than abort/commit (newer brokers use
 * more for their own log) give undefined: consumers skip every control record anyway.
 */
export function decodeControlMarker(key: Buffer | null, value: Buffer | null, at: number): ControlMarker | undefined {
  if (key === null || key.length < 4) throw new KafkaProtocolError('control record key shorter than 4 bytes', at);
  const type = key.readInt16BE(2);
  if (type !== ABORT && type !== COMMIT) return undefined;
  if (value === null || value.length < 6) throw new KafkaProtocolError('transaction marker value shorter than 6 bytes', at);
  return {
    type: type === COMMIT ? 'commit' : 'abort',
    version: value.readInt16BE(0),
    coordinatorEpoch: value.readInt32BE(2),
  };
}

/** The record a transaction coordinator writes to end a transaction (encode with `control: true`). */
export function controlRecord(marker: Omit<ControlMarker, 'version'> & { version?: number }, timestamp?: number): RecordInput {
  const key = Buffer.allocUnsafe(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(marker.type === 'commit' ? COMMIT : ABORT, 2);
  const value = Buffer.allocUnsafe(6);
  value.writeInt16BE(marker.version ?? 0, 0);
  value.writeInt32BE(marker.coordinatorEpoch, 2);
  return timestamp === undefined ? { key, value } : { key, value, timestamp };
}
