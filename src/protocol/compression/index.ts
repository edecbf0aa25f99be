import { KafkaConfigError, KafkaProtocolError } from '../../errors.js';
import { CompressionId, compressWith, decompressWith, type Codec, type CompressionName } from './codec.js';
import { gzipCodec } from './gzip.js';
import { lz4Codec } from './lz4.js';
import { noneCodec } from './none.js';
import { snappyCodec } from './snappy.js';
import { zstdCodec } from './zstd.js';

export { codecsIdle, CompressionError, CompressionId, compressWith, decompressWith, type Codec, type CompressionName } from './codec.js';
export { isXerial } from './snappy.js';

/** Default ceiling on one batch's decompressed size. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

const BY_ID: readonly Codec[] = [noneCodec, gzipCodec, snappyCodec, lz4Codec, zstdCodec];

export const COMPRESSION_NAMES: readonly CompressionName[] = BY_ID.map((c) => c.name);

export function codecByName(name: CompressionName): Codec {
  const codec = BY_ID[CompressionId[name]] as Codec | undefined;
  if (codec === undefined) throw new KafkaConfigError('compression', `unknown codec "${String(name)}"`);
  return codec;
}

/** The codec for an attributes codec id; an unknown id is a protocol error at `at`. */
export function codecById(id: number, at: number): Codec {
  const codec = BY_ID[id];
  if (codec === undefined) throw new KafkaProtocolError(`unknown compression codec ${id}`, at);
  return codec;
}

export async function compress(name: CompressionName, data: Buffer): Promise<Buffer> {
  return compressWith(codecByName(name), data);
}

export async function decompress(
  id: number,
  data: Buffer,
  maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES,
  at = 0,
): Promise<Buffer> {
  return await decompressWith(codecById(id, at), data, maxBytes, at);
}
