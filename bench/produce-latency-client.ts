/**
 * One latency run of the produce bench (bench/produce-latency.ts) in its own process:
 *   node <bundle of this file> <rxkafka|kafkajs> --bootstrap=h:p --topic=t --settings=acks1|defaults
 *        --rate=1000 --seconds=5
 * Sends one record at a time, rate records/s for seconds, paced by a 1 ms timer (each tick sends
 * the records due by then, so the rate holds when a tick is late), and times each from its
 * send() call to its acknowledgement. One awaited record before the window warms the
 * connection (and, idempotent, the producer id) up; it is not counted.
 *   rxkafka  producer.send(record); settings acks1: producer({ acks: 1, idempotent: false }),
 *            defaults: producer({}) (acks all, idempotent)
 *   KafkaJS  producer.send({ topic, acks: 1, messages: [record] }); defaults: no acks (KafkaJS's -1)
 * Prints one JSON line, a LatencyResult.
 */
import { performance } from 'node:perf_hooks';
import { createClient } from '../src/index.js';
import { childOption, connectKafkaJs, describeError } from './produce-child.js';
import { valueChunk } from './produce-payload.js';

export interface LatencyResult {
  /** Records sent in the window (the warm-up record not counted). */
  records: number;
  failed: number;
  error?: string;
  /** send() to acknowledgement, over the acknowledged records. */
  medianMs: number;
  p99Ms: number;
  maxMs: number;
  /** Records sent per second over the paced span (first to last send). */
  sentPerSecond: number;
  /** First send to last acknowledgement. */
  ms: number;
  /** CPU time of the process over the window. */
  cpuMs: number;
  maxRssKb: number;
}

interface Args {
  bootstrap: string[];
  topic: string;
  settings: 'acks1' | 'defaults';
  rate: number;
  seconds: number;
}

/** The p-quantile (0..1) of ascending `sorted`, nearest rank. */
const quantile = (sorted: number[], p: number): number => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;

async function paced(args: Args, send: (value: Buffer) => Promise<unknown>): Promise<LatencyResult> {
  const total = Math.round(args.rate * args.seconds);
  const values = valueChunk(1, total);
  const latencies: number[] = [];
  const outcomes: Array<Promise<void>> = [];
  let failed = 0;
  let error: string | undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let lastSend = t0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) * args.rate) / 1000) + 1);
      while (outcomes.length < due) {
        const at = performance.now();
        lastSend = at;
        outcomes.push(send(values[outcomes.length]).then(
          () => void latencies.push(performance.now() - at),
          (e: unknown) => {
            failed++;
            error ??= describeError(e);
          },
        ));
      }
      if (outcomes.length >= total) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, 1);
    tick();
  });
  await Promise.all(outcomes);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  return {
    records: total,
    failed,
    ...(error === undefined ? {} : { error }),
    medianMs: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    maxMs: latencies[latencies.length - 1] ?? Number.NaN,
    sentPerSecond: (total - 1) / ((lastSend - t0) / 1000),
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssKb: process.resourceUsage().maxRSS,
  };
}

async function rxkafka(args: Args): Promise<LatencyResult> {
  const client = createClient({ brokers: args.bootstrap, clientId: 'bench-rxkafka' });
  const producer = client.producer(args.settings === 'acks1' ? { acks: 1, idempotent: false } : {});
  const send = (value: Buffer) => producer.send({ topic: args.topic, value });
  await send(valueChunk(0, 1)[0]);
  const result = await paced(args, send);
  await producer.close();
  await client.close();
  return result;
}

async function kafkaJs(args: Args): Promise<LatencyResult> {
  const { producer } = await connectKafkaJs(args.bootstrap, 'none');
  const acks = args.settings === 'acks1' ? { acks: 1 } : {};
  const send = (value: Buffer) => producer.send({ topic: args.topic, ...acks, messages: [{ value }] });
  await send(valueChunk(0, 1)[0]);
  const result = await paced(args, send);
  await producer.disconnect();
  return result;
}

function parse(argv: string[]): { client: string; args: Args } {
  const [client, ...rest] = argv;
  const opt = childOption(rest, 'produce-latency-client');
  const settings = opt('settings');
  if (settings !== 'acks1' && settings !== 'defaults') throw new Error(`produce-latency-client: settings ${settings} (acks1|defaults)`);
  return {
    client,
    args: { bootstrap: opt('bootstrap').split(','), topic: opt('topic'), settings, rate: Number(opt('rate')), seconds: Number(opt('seconds')) },
  };
}

const { client, args } = parse(process.argv.slice(2));
const runner = client === 'rxkafka' ? rxkafka : client === 'kafkajs' ? kafkaJs : undefined;
if (runner === undefined) throw new Error(`produce-latency-client: unknown client ${client}`);
process.stdout.write(`${JSON.stringify(await runner(args))}\n`);
