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

/** Codec calls under way (their work runs on the thread pool), and who waits for none to be. */
let underWay = 0;
let idleWaiters: Array<() => void> = [];

/**
 * Resolves once no codec call is under way; null when none is now. Virtual time waits on it
 * before firing a timer: work on the thread pool takes real time, which a virtual clock would
 * otherwise run past, firing timeouts and polls that real time would not have reached.
 */
export function codecsIdle(): Promise<void> | null {
  return underWay === 0 ? null : new Promise<void>((resolve) => idleWaiters.push(resolve));
}

async function tracked<T>(work: () => Promise<T>): Promise<T> {
  underWay++;
  try {
    return await work();
  } finally {
    if (--underWay === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

/** `codec.compress(data)`, its failures as CompressionError with the library's error as cause. */
export async function compressWith(codec: Codec, data: Buffer): Promise<Buffer> {
  try {
    return await tracked(() => codec.compress(data));
  } catch (e) {
    throw e instanceof CompressionError ? e : new CompressionError(codec.name, e);
  }
}

/** `codec.decompress(...)`: every asynchronous decompression goes through here. */
export function decompressWith(codec: Codec, data: Buffer, maxBytes: number, at: number): Promise<Buffer> {
  return tracked(() => codec.decompress(data, maxBytes, at));
}

export function checkOutput(name: string, out: Buffer, maxBytes: number, at: number): Buffer {
  if (out.length > maxBytes) throw tooLarge(name, out.length, maxBytes, at);
  return out;
}
