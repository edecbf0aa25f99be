import { KafkaError, KafkaProtocolError, messageOf } from '../../errors.js';

/** Compression names as the client's options spell them. */
export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Codec ids as the attributes' low 3 bits carry them. */
export const CompressionId = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const satisfies Record<
  CompressionName,
  number
>;

export interface Codec {
  readonly id: number;
  readonly name: CompressionName;
  compress(data: Buffer): Promise<Buffer>;
  /**
   * Decompress, never producing (nor, where the format tells in advance, allocating) more
   * than `maxBytes`. Throws KafkaProtocolError on corrupt input or when the limit is passed;
   * `at` is the input offset reported in errors.
   */
  decompress(data: Buffer, maxBytes: number, at: number): Promise<Buffer>;
  /** Synchronous variant where the library has one. */
  decompressSync?(data: Buffer, maxBytes: number, at: number): Buffer;
}

export function tooLarge(name: string, size: number, maxBytes: number, at: number): KafkaProtocolError {
  return new KafkaProtocolError(`${name} data decompresses to ${size} bytes, above the limit of ${maxBytes}`, at);
}

/** Library failures on bad input become protocol errors; our own typed errors pass through. */
export function asProtocolError(name: string, err: unknown, at: number): KafkaProtocolError {
  if (err instanceof KafkaProtocolError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new KafkaProtocolError(`corrupt ${name} data: ${detail}`, at, { cause: err });
}

/** A codec failed to compress (the library threw): the batch cannot be sent as asked. */
export class CompressionError extends KafkaError {
  override readonly name = 'CompressionError' as const;
  readonly codec: CompressionName;

  constructor(codec: CompressionName, cause: unknown) {
    super(`${codec} compression failed: ${messageOf(cause)}`, { cause });
    this.codec = codec;
  }
}

/** `codec.compress(data)`, its failures as CompressionError with the library's error as cause. */
export async function compressWith(codec: Codec, data: Buffer): Promise<Buffer> {
  try {
    return await codec.compress(data);
  } catch (e) {
    throw e instanceof CompressionError ? e : new CompressionError(codec.name, e);
  }
}

export function checkOutput(name: string, out: Buffer, maxBytes: number, at: number): Buffer {
  if (out.length > maxBytes) throw tooLarge(name, out.length, maxBytes, at);
  return out;
}
