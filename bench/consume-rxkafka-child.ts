/**
 * One rxkafka consumer run in its own process (so its peak RSS is its own), on default
 * consumer settings, written as the obvious user code:
 *
 *   const consumer = client.consumer({ groupId, topics: [topic], autoOffsetReset: 'earliest' });
 *   // or client.consumer({ assign: [{ topic, partition, offset: 0n }, ...] })
 *   consumer.records$.subscribe((r) => { count++; if (count === total) done(); });
 *   // or consumer.batches$.subscribe((b) => { count += b.records.length; ... });
 *   await consumer.close(); await client.close();
 *
 * Acks are the default ('auto'). Besides counting, each record's partition and offset go to
 * the tally that lets the parent check the run read exactly the preloaded records.
 *
 * Written against the agreed consumer contract and typed by the library's own ConsumerConfig and
 * Consumer, so a change of that API fails to compile here. If `client.consumer` is missing at
 * run time (a build of src/ without the consumer), this prints a result with available: false,
 * which the parent reports as "rxkafka consumer: not available".
 */
import { randomUUID } from 'node:crypto';
import type { Subscription } from 'rxjs';
import { createClient, type Consumer, type ConsumerConfig } from '../src/index.js';
import { parseChildArgs, runChild, Tally } from './consume-child.js';

const args = parseChildArgs(process.argv.slice(2));
const tally = new Tally(args);
const client = createClient({ brokers: args.bootstrap, clientId: 'bench-rxkafka' });

// Read as a plain property: a build of src/ from before the consumer has none.
if (typeof (client as { consumer?: unknown }).consumer !== 'function') {
  await client.close();
  process.stdout.write(`${JSON.stringify(tally.result({ available: false, reason: 'rxkafka consumer: not available' }))}\n`);
} else {
  let consumer: Consumer | undefined;
  let subscription: Subscription | undefined;
  await runChild(
    args,
    tally,
    () =>
      new Promise<never>((_, reject) => {
        const config: ConsumerConfig = args.mode.endsWith('-group')
          ? { groupId: `bench-${args.mode}-${randomUUID()}`, topics: [args.topic], autoOffsetReset: 'earliest' }
          : { assign: Array.from({ length: args.partitions }, (_, partition) => ({ topic: args.topic, partition, offset: 0n })) };
        consumer = client.consumer(config);
        const stream = args.mode.startsWith('records') ? 'records$' : 'batches$';
        const observer = {
          error: (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))),
          complete: () => reject(new Error(`${stream} completed after ${tally.count} records`)),
        };
        subscription = args.mode.startsWith('records')
          ? consumer.records$.subscribe({ next: (r) => tally.add(r.partition, Number(r.offset)), ...observer })
          : consumer.batches$.subscribe({
              next: (b) => {
                for (const r of b.records) tally.add(b.partition, Number(r.offset));
              },
              ...observer,
            });
      }),
    async () => {
      subscription?.unsubscribe();
      await consumer?.close();
      await client.close();
    },
  );
}
