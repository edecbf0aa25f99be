/**
 * One producer run in its own process, so its peak RSS is its own:
 *   node <bundle of this file> <rxkafka|kafkajs> --bootstrap=h:p --topic=t
 *        --records=N --codec=none|lz4 [--api=send|produce|sink] [--chunk=10000] [--inflight=4] [--profile]
 * Prints one JSON line: { ms, readyMs, cpuMs, maxRssKb } — ms from the first send until every
 * record is acknowledged; readyMs from process start (node, modules, connect) to the first send;
 * cpuMs the process's CPU time over that window.
 */
import { performance } from 'node:perf_hooks';
import { Subject } from 'rxjs';
import { createClient, type Producer, type ProducerRecord } from '../src/index.js';
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
}

export interface ClientArgs {
  bootstrap: string[];
  topic: string;
  records: number;
  codec: 'none' | 'lz4';
  api: 'send' | 'produce' | 'sink';
  chunk: number;
  inflight: number;
  profile: boolean;
}

/** Times `body` (and profiles it when asked); the window is first send to last acknowledgement. */
async function timed(args: ClientArgs, body: () => Promise<unknown>): Promise<ClientResult> {
  const stop = args.profile ? await startProfile() : undefined;
  const readyMs = performance.now();
  const cpu0 = process.cpuUsage();
  await body();
  const ms = performance.now() - readyMs;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const maxRssKb = process.resourceUsage().maxRSS;
  const profile = stop ? await stop(25) : undefined;
  return { ms, readyMs, cpuMs, maxRssKb, ...(profile ? { profile } : {}) };
}

/**
 * Runs `worker` on `inflight` lanes that take chunk starts in order until none are left. Each
 * lane makes its values in a slab of its own, reused from chunk to chunk: the lane's previous
 * chunk is acknowledged before it makes the next, so nothing still in flight is overwritten,
 * and no client pays for page faults on a fresh 1 MB of input per chunk.
 */
async function lanes(args: ClientArgs, worker: (values: Buffer[]) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    const slab = Buffer.allocUnsafe(args.chunk * VALUE_BYTES);
    while (next < args.records) {
      const start = next;
      const count = Math.min(args.chunk, args.records - start);
      next += count;
      await worker(valueChunk(start, count, slab));
    }
  };
  await Promise.all(Array.from({ length: args.inflight }, lane));
}

async function rxkafka(args: ClientArgs): Promise<ClientResult> {
  const client = createClient({ brokers: args.bootstrap, clientId: 'bench-rxkafka' });
  // Settings matched to librdkafka's defaults where the two have the same knob (see produce.ts).
  const producer = client.producer({
    acks: 1,
    idempotent: false,
    compression: args.codec,
    lingerMs: 5,
    batchBytes: 1_000_000,
    maxRequestBytes: 1 << 21,
    bufferMemory: 64 << 20,
  });
  await client.metadata([args.topic]);
  const result = await timed(args, () =>
    args.api === 'send'
      ? lanes(args, (values) => producer.send(values.map((value) => ({ topic: args.topic, value }))))
      : args.api === 'sink'
        ? lanes(args, (values) => {
            // The producer as an Observer: no metadata per record; flush() bounds what is outstanding.
            for (const value of values) producer.next({ topic: args.topic, value });
            return producer.flush();
          })
        : produceOperator(args, producer),
  );
  await producer.close();
  await client.close();
  return result;
}

/**
 * produce() fed from a Subject that is topped up as metadata comes back, so at most
 * inflight x chunk records are outstanding, as with send(). Metadata comes in input order, so
 * when chunk k is made, every chunk before k - inflight is acknowledged: a ring of inflight + 1
 * slabs holds the values.
 */
function produceOperator(args: ClientArgs, producer: Producer): Promise<void> {
  const input = new Subject<ProducerRecord>();
  const slabs = Array.from({ length: args.inflight + 1 }, () => Buffer.allocUnsafe(args.chunk * VALUE_BYTES));
  let next = 0;
  const feed = (): void => {
    if (next >= args.records) {
      input.complete();
      return;
    }
    const count = Math.min(args.chunk, args.records - next);
    const values = valueChunk(next, count, slabs[Math.floor(next / args.chunk) % slabs.length]);
    next += count;
    for (const value of values) input.next({ topic: args.topic, value });
  };
  return new Promise<void>((resolve, reject) => {
    let acked = 0;
    input.pipe(producer.produce()).subscribe({
      next: () => {
        if (++acked % args.chunk === 0) feed();
      },
      error: reject,
      complete: () => (acked === args.records ? resolve() : reject(new Error(`produce() completed after ${acked} of ${args.records}`))),
    });
    for (let i = 0; i < args.inflight; i++) feed();
  });
}

async function kafkaJs(args: ClientArgs): Promise<ClientResult> {
  // Loaded here, not at the top, so the rxkafka process does not pay for loading KafkaJS.
  const { default: kafkajs } = await import('kafkajs');
  const { compressFrame, decompressFrame } = await import('lz4-napi');
  const { Kafka, CompressionTypes, CompressionCodecs, Partitioners, logLevel } = kafkajs;
  // KafkaJS ships no lz4 codec; this is the usual registration, on the same lz4-napi rxkafka uses.
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    compress: (encoder: { buffer: Buffer }) => compressFrame(encoder.buffer),
    decompress: (buffer: Buffer) => decompressFrame(buffer),
  });
  const kafka = new Kafka({ brokers: args.bootstrap, clientId: 'bench-kafkajs', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const compression = args.codec === 'lz4' ? CompressionTypes.LZ4 : CompressionTypes.None;
  const result = await timed(args, () =>
    lanes(args, (values) =>
      producer.send({ topic: args.topic, acks: 1, compression, messages: values.map((value) => ({ value })) }),
    ),
  );
  await producer.disconnect();
  return result;
}

function parse(argv: string[]): { client: string; args: ClientArgs } {
  const [client, ...rest] = argv;
  const opt = (name: string, fallback?: string): string => {
    const hit = rest.find((a) => a.startsWith(`--${name}=`));
    const value = hit?.slice(name.length + 3) ?? fallback;
    if (value === undefined) throw new Error(`produce-client: --${name}= is required`);
    return value;
  };
  const codec = opt('codec', 'none');
  const api = opt('api', 'send');
  if (codec !== 'none' && codec !== 'lz4') throw new Error(`produce-client: codec ${codec}`);
  if (api !== 'send' && api !== 'produce' && api !== 'sink') throw new Error(`produce-client: api ${api}`);
  return {
    client,
    args: {
      bootstrap: opt('bootstrap').split(','),
      topic: opt('topic'),
      records: Number(opt('records')),
      codec,
      api,
      chunk: Number(opt('chunk', '10000')),
      inflight: Number(opt('inflight', '4')),
      profile: rest.includes('--profile'),
    },
  };
}

const { client, args } = parse(process.argv.slice(2));
const runner = client === 'rxkafka' ? rxkafka : client === 'kafkajs' ? kafkaJs : undefined;
if (runner === undefined) throw new Error(`produce-client: unknown client ${client}`);
const result = await runner(args);
process.stdout.write(`${JSON.stringify(result)}\n`);
