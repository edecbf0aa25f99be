/**
 * What the produce bench's child processes share (bench/produce-client.ts for the tuned mode,
 * bench/produce-defaults-client.ts for --defaults): the timed window and its result line, the
 * chunked lanes that feed send(), and KafkaJS set up the one way every KafkaJS row uses.
 */
import { performance } from 'node:perf_hooks';
import type { CompressionTypes, Producer as KafkaJsProducer } from 'kafkajs';
import { VALUE_BYTES, valueChunk } from './produce-payload.js';
import { startProfile, type ProfileSummary } from './produce-profile.js';

export interface ClientResult {
  /** First send to last acknowledgement. */
  ms: number;
  /** Process start to first send: runtime start-up, module loading, connection, metadata. */
  readyMs: number;
  /** CPU time of the process (every thread: main, GC helpers, libuv pool) over the window. */
  cpuMs: number;
  /** process.resourceUsage().maxRSS, in KiB. */
  maxRssKb: number;
  /** With --profile: where the timed window's CPU went. */
  profile?: ProfileSummary;
  /** The run did not deliver every record: what went wrong (the first error seen). */
  error?: string;
}

/** Times `body` (and profiles it when asked); the window is first send to last acknowledgement. */
export async function timed(profile: boolean, body: () => Promise<unknown>): Promise<ClientResult> {
  const stop = profile ? await startProfile() : undefined;
  const readyMs = performance.now();
  const cpu0 = process.cpuUsage();
  await body();
  const ms = performance.now() - readyMs;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const maxRssKb = process.resourceUsage().maxRSS;
  const summary = stop ? await stop(25) : undefined;
  return { ms, readyMs, cpuMs, maxRssKb, ...(summary ? { profile: summary } : {}) };
}

export interface LaneShape {
  records: number;
  /** Records per worker call. */
  chunk: number;
  /** Lanes, each awaiting its chunk before making the next. */
  inflight: number;
}

/**
 * Runs `worker` on `inflight` lanes that take chunk starts in order until none are left. Each
 * lane makes its values in a slab of its own, reused from chunk to chunk: the lane's previous
 * chunk is acknowledged before it makes the next, so nothing still in flight is overwritten,
 * and no client pays for page faults on a fresh 1 MB of input per chunk.
 */
export async function lanes(shape: LaneShape, worker: (values: Buffer[]) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    const slab = Buffer.allocUnsafe(shape.chunk * VALUE_BYTES);
    while (next < shape.records) {
      const start = next;
      const count = Math.min(shape.chunk, shape.records - start);
      next += count;
      await worker(valueChunk(start, count, slab));
    }
  };
  await Promise.all(Array.from({ length: shape.inflight }, lane));
}

/**
 * A connected KafkaJS producer on its defaults (DefaultPartitioner named, as KafkaJS 2 asks, to
 * silence its warning; no topic auto-creation), and the compression type for `codec`.
 * KafkaJS is loaded here, not at the top, so an rxkafka process does not pay for loading it.
 */
export async function connectKafkaJs(bootstrap: string[], codec: 'none' | 'lz4'): Promise<{ producer: KafkaJsProducer; compression: CompressionTypes }> {
  const { default: kafkajs } = await import('kafkajs');
  const { compressFrame, decompressFrame } = await import('lz4-napi');
  const { Kafka, CompressionTypes, CompressionCodecs, Partitioners, logLevel } = kafkajs;
  // KafkaJS ships no lz4 codec; this is the usual registration, on the same lz4-napi rxkafka uses.
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    compress: (encoder: { buffer: Buffer }) => compressFrame(encoder.buffer),
    decompress: (buffer: Buffer) => decompressFrame(buffer),
  });
  const kafka = new Kafka({ brokers: bootstrap, clientId: 'bench-kafkajs', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  return { producer, compression: codec === 'lz4' ? CompressionTypes.LZ4 : CompressionTypes.None };
}

/** A thrown value as one line for a result's error field. */
export const describeError = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).split('\n')[0];

/** Reads `--name=value` from a child's arguments: `fallback` when absent, else an error naming the child. */
export function childOption(argv: readonly string[], child: string): (name: string, fallback?: string) => string {
  return (name, fallback) => {
    const value = argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
    if (value === undefined) throw new Error(`${child}: --${name}= is required`);
    return value;
  };
}
