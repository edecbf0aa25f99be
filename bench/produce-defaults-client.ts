/**
 * One run of the produce bench's --defaults mode (bench/produce-defaults.ts) in its own process:
 *   node <bundle of this file> <rxkafka|kafkajs> --bootstrap=h:p --topic=t --records=N
 *        --codec=none|lz4 --pattern=produce|sink|send-1k|send-10k-x4|array-1k
 * Prints one JSON line, a ClientResult (bench/produce-child.ts); a run that did not deliver
 * every record says why in its `error` field.
 *
 * Each pattern is the code a user would write, on default producer settings but acks 1 and no
 * idempotence (matched to kcat's) and the cell's compression:
 *   produce      rxkafka  from(records).pipe(producer.produce()) over an array of every record
 *                         (made before the window), subscribed, done at complete
 *   sink         rxkafka  from(records).subscribe(producer), then await producer.flush();
 *                         failures counted from errors$
 *   send-1k      rxkafka  await producer.send(chunk of 1,000), one after another
 *                KafkaJS  await producer.send({ topic, acks: 1, compression, messages: chunk of 1,000 }), the same
 *   send-10k-x4  both     send(chunk of 10,000) on 4 lanes, each awaiting its chunk before the next
 *   array-1k     KafkaJS  the same array of every record as produce and sink (made before the
 *                         window, as { value } messages), sent 1,000 at a time:
 *                         await producer.send({ topic, acks: 1, compression, messages: slice }),
 *                         one after another (KafkaJS's equivalent of the stream patterns: see
 *                         bench/produce-defaults.ts)
 * The send patterns make their chunks as the tuned mode does (bench/produce-child.ts lanes()).
 */
import { from } from 'rxjs';
import { createClient, type DeliveryError, type Producer, type ProducerRecord } from '../src/index.js';
import { childOption, connectKafkaJs, describeError, lanes, timed, type ClientResult } from './produce-child.js';
import { valueChunk } from './produce-payload.js';

const PATTERNS = ['produce', 'sink', 'send-1k', 'send-10k-x4', 'array-1k'] as const;
export type Pattern = (typeof PATTERNS)[number];

interface Args {
  bootstrap: string[];
  topic: string;
  records: number;
  codec: 'none' | 'lz4';
  pattern: Pattern;
}

/** Chunk size and lanes of the send patterns. */
const SEND_SHAPE = { 'send-1k': { chunk: 1_000, inflight: 1 }, 'send-10k-x4': { chunk: 10_000, inflight: 4 } } as const;

/** Runs `body` in the window; an error it throws is the result's `error`, not the process's. */
async function attempt(body: () => Promise<void>): Promise<ClientResult> {
  let error: string | undefined;
  const result = await timed(false, () => body().catch((e: unknown) => (error = describeError(e))));
  return error === undefined ? result : { ...result, error };
}

/** The stream patterns' input: every record, made before the window opens. */
const allRecords = (args: Args): ProducerRecord[] => valueChunk(0, args.records).map((value) => ({ topic: args.topic, value }));

function throughProduce(producer: Producer, records: ProducerRecord[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let acked = 0;
    from(records).pipe(producer.produce()).subscribe({
      next: () => void acked++,
      error: reject,
      complete: () => (acked === records.length ? resolve() : reject(new Error(`produce() completed after ${acked} of ${records.length}`))),
    });
  });
}

async function intoSink(producer: Producer, records: ProducerRecord[]): Promise<void> {
  let failed = 0;
  let first: DeliveryError | undefined;
  const failures = producer.errors$.subscribe((e) => {
    failed++;
    first ??= e;
  });
  from(records).subscribe(producer);
  await producer.flush();
  failures.unsubscribe();
  if (first !== undefined) throw new Error(`${failed} of ${records.length} records failed, first: ${describeError(first.cause ?? first)}`);
}

async function rxkafka(args: Args): Promise<ClientResult> {
  if (args.pattern === 'array-1k') throw new Error('produce-defaults-client: array-1k is a KafkaJS pattern');
  const client = createClient({ brokers: args.bootstrap, clientId: 'bench-rxkafka' });
  const producer = client.producer({ acks: 1, idempotent: false, compression: args.codec });
  await client.metadata([args.topic]);
  const send = (values: Buffer[]) => producer.send(values.map((value) => ({ topic: args.topic, value })));
  let result: ClientResult;
  if (args.pattern === 'produce' || args.pattern === 'sink') {
    const records = allRecords(args);
    result = await attempt(() => (args.pattern === 'produce' ? throughProduce(producer, records) : intoSink(producer, records)));
  } else {
    const shape = SEND_SHAPE[args.pattern];
    result = await attempt(() => lanes({ records: args.records, ...shape }, send));
  }
  // A failed run may leave records the producer would still wait on: report without closing.
  if (result.error !== undefined) return result;
  await producer.close();
  await client.close();
  return result;
}

async function kafkaJs(args: Args): Promise<ClientResult> {
  const { pattern } = args;
  if (pattern === 'produce' || pattern === 'sink') throw new Error(`produce-defaults-client: KafkaJS has no ${pattern} pattern`);
  const { producer, compression } = await connectKafkaJs(args.bootstrap, args.codec);
  const send = (messages: Array<{ value: Buffer }>) => producer.send({ topic: args.topic, acks: 1, compression, messages });
  let result: ClientResult;
  if (pattern === 'array-1k') {
    const messages = allRecords(args).map((r) => ({ value: r.value as Buffer }));
    result = await attempt(async () => {
      for (let i = 0; i < messages.length; i += 1_000) await send(messages.slice(i, i + 1_000));
    });
  } else {
    result = await attempt(() => lanes({ records: args.records, ...SEND_SHAPE[pattern] }, (values) => send(values.map((value) => ({ value })))));
  }
  if (result.error === undefined) await producer.disconnect();
  return result;
}

function parse(argv: string[]): { client: string; args: Args } {
  const [client, ...rest] = argv;
  const opt = childOption(rest, 'produce-defaults-client');
  const codec = opt('codec');
  const pattern = opt('pattern') as Pattern;
  if (codec !== 'none' && codec !== 'lz4') throw new Error(`produce-defaults-client: codec ${codec}`);
  if (!PATTERNS.includes(pattern)) throw new Error(`produce-defaults-client: pattern ${pattern} (${PATTERNS.join('|')})`);
  return { client, args: { bootstrap: opt('bootstrap').split(','), topic: opt('topic'), records: Number(opt('records')), codec, pattern } };
}

const { client, args } = parse(process.argv.slice(2));
const runner = client === 'rxkafka' ? rxkafka : client === 'kafkajs' ? kafkaJs : undefined;
if (runner === undefined) throw new Error(`produce-defaults-client: unknown client ${client}`);
const result = await runner(args);
process.stdout.write(`${JSON.stringify(result)}\n`);
// A failed run may hold timers (linger, retries, maxBlockMs): its result is all that matters.
if (result.error !== undefined) process.exit(0);
