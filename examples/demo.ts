/**
 * The producer demo: a 3-broker MockCluster, a topic `orders` of 6 partitions, and 100,000
 * generated orders (keyed by customer) pushed through `producer.produce()` with lz4 and
 * idempotence (acks 'all'). Progress is shown while it runs; the summary reads the partition
 * logs back from the cluster. Exits 1 if anything was lost, duplicated or failed.
 * Run: npm run demo
 */
import { catchError, EMPTY, from, interval, switchMap, take, tap, type Subscription } from 'rxjs';
import { createClient, type ProducerRecord } from 'rxkafka';
import { MockCluster } from 'rxkafka/testing';

const TOTAL = 100_000;
const TOPIC = 'orders';
const PARTITIONS = 6;
const CUSTOMERS = 5_000;
const SKUS = ['KB-101', 'MS-220', 'HD-3TB', 'USB-C-2M', 'MON-27Q', 'CAM-4K', 'SSD-1TB', 'DOCK-12'];

/** A small deterministic generator, so every run produces the same orders. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function* orders(count: number): Generator<ProducerRecord<number>> {
  const random = lcg(42);
  const start = Date.UTC(2026, 0, 1);
  for (let i = 0; i < count; i++) {
    const customer = `cust-${String(Math.floor(random() * CUSTOMERS)).padStart(5, '0')}`;
    const items = Array.from({ length: 1 + Math.floor(random() * 2) }, () => ({
      sku: SKUS[Math.floor(random() * SKUS.length)],
      qty: 1 + Math.floor(random() * 4),
      price: Math.round(500 + random() * 49_500) / 100,
    }));
    const total = Math.round(items.reduce((sum, it) => sum + it.qty * it.price, 0) * 100) / 100;
    const order = {
      orderId: `ord-${String(i).padStart(7, '0')}`,
      customer,
      items,
      total,
      createdAt: new Date(start + i * 250).toISOString(),
    };
    yield { topic: TOPIC, key: customer, value: JSON.stringify(order), context: i };
  }
}

const tty = process.stdout.isTTY === true;
const clock = () => performance.now();

const cluster = await MockCluster.start({ brokers: 3 });
await cluster.createTopic(TOPIC, { partitions: PARTITIONS, replicationFactor: 3 });
const client = createClient({ brokers: cluster.bootstrap });
const producer = client.producer({ acks: 'all', idempotent: true, compression: 'lz4', lingerMs: 5 });

let delivered = 0;
let valueBytes = 0;
const failures: string[] = [];
let progress: Subscription | undefined;

const line = (text: string) => {
  if (tty) process.stdout.write(`\r\x1b[2K${text}`);
  else console.log(text);
};
const bar = (done: number) => {
  const width = 30;
  const filled = Math.round((done / TOTAL) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
};

console.log(`producing ${TOTAL} orders to ${TOPIC} (${PARTITIONS} partitions, 3 brokers), lz4, acks=all, idempotent`);
const began = clock();
try {
  // Progress: the producer's stats, sampled on the default scheduler.
  progress = interval(tty ? 100 : 1000)
    .pipe(switchMap(() => producer.stats$.pipe(take(1))))
    .subscribe((s) => {
      const pct = ((delivered / TOTAL) * 100).toFixed(1).padStart(5);
      line(`${bar(delivered)} ${pct}%  delivered ${delivered}  queued ${s.queuedRecords} (${(s.queuedBytes / 1024).toFixed(0)} KiB)  in flight ${s.inFlight}  requests ${s.requests}  retries ${s.retries}`);
    });

  await new Promise<void>((resolve) => {
    from(orders(TOTAL))
      .pipe(
        tap((r) => (valueBytes += Buffer.byteLength(r.value as string))),
        producer.produce(),
        tap((meta) => {
          if (meta.context !== delivered) failures.push(`order ${delivered} came back as ${String(meta.context)}: out of order`);
          delivered++;
        }),
        catchError((e: unknown) => {
          failures.push(e instanceof Error ? e.message : String(e));
          return EMPTY;
        }),
      )
      .subscribe({ complete: resolve });
  });
  await producer.close();
  progress.unsubscribe();
  const seconds = (clock() - began) / 1000;
  if (tty) process.stdout.write('\n');
  line(`${bar(delivered)} 100.0%  delivered ${delivered}`);
  if (tty) process.stdout.write('\n');

  console.log(
    `\ndelivered ${delivered} records in ${seconds.toFixed(2)} s: ${Math.round(delivered / seconds)} records/s, ` +
      `${(valueBytes / seconds / 1e6).toFixed(1)} MB/s of values (lz4, acks=all, idempotent)`,
  );
  console.log('  partition   leader  log end offset   records');
  let offsets = 0n;
  let records = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    const info = cluster.partitionInfo(TOPIC, p);
    const end = info?.logEndOffset ?? -1n;
    const count = cluster.records(TOPIC, p).length;
    offsets += end;
    records += count;
    console.log(`  ${`${TOPIC}[${p}]`.padEnd(10)} ${String(info?.leader ?? -1).padStart(7)} ${String(end).padStart(15)} ${String(count).padStart(9)}`);
  }
  console.log(`  ${'total'.padEnd(10)} ${''.padStart(7)} ${String(offsets).padStart(15)} ${String(records).padStart(9)}`);
  if (records !== TOTAL) failures.push(`the cluster holds ${records} records, expected ${TOTAL}`);
  if (delivered !== TOTAL) failures.push(`${delivered} deliveries reported, expected ${TOTAL}`);
  console.log(`${failures.length} failures`);
  for (const f of failures) console.log(`  ${f}`);
  process.exitCode = failures.length === 0 ? 0 : 1;
} finally {
  progress?.unsubscribe();
  await client.close();
  await cluster.stop();
}
