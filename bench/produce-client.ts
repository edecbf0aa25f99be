/**
 * One producer run in its own process, so its peak RSS is its own:
 *   node <bundle of this file> <rxkafka|kafkajs|input> --bootstrap=h:p --topic=t
 *        --records=N --codec=none|lz4 [--api=send|produce|sink] [--chunk=10000] [--inflight=4] [--profile]
 * Prints one JSON line: { ms, readyMs, cpuMs, maxRssKb } — ms from the first send until every
 * record is acknowledged; readyMs from process start (node, modules, connect) to the first send;
 * cpuMs the process's CPU time over that window.
 */
import { Subject } from 'rxjs';
import { createClient, type Producer, type ProducerRecord } from '../src/index.js';
import { childOption, connectKafkaJs, lanes, timed, type ClientResult } from './produce-child.js';
import { VALUE_BYTES, valueChunk } from './produce-payload.js';

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
  const result = await timed(args.profile, () =>
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
  const { producer, compression } = await connectKafkaJs(args.bootstrap, args.codec);
  const result = await timed(args.profile, () =>
    lanes(args, (values) =>
      producer.send({ topic: args.topic, acks: 1, compression, messages: values.map((value) => ({ value })) }),
    ),
  );
  await producer.disconnect();
  return result;
}

/**
 * The bench's input alone: the same lanes making the same chunks of values and record objects,
 * with no producer, so a reader can see how much of a node client's window is the input's.
 */
function inputOnly(args: ClientArgs): Promise<ClientResult> {
  return timed(args.profile, () => lanes(args, (values) => Promise.resolve(values.map((value) => ({ topic: args.topic, value })))));
}

function parse(argv: string[]): { client: string; args: ClientArgs } {
  const [client, ...rest] = argv;
  const opt = childOption(rest, 'produce-client');
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
const runner = client === 'rxkafka' ? rxkafka : client === 'kafkajs' ? kafkaJs : client === 'input' ? inputOnly : undefined;
if (runner === undefined) throw new Error(`produce-client: unknown client ${client}`);
const result = await runner(args);
process.stdout.write(`${JSON.stringify(result)}\n`);
