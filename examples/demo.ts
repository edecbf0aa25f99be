/**
 * The demo: a shop produces 30,000 orders into `orders` (6 partitions) on a 3-broker MockCluster
 * in this process, while a group of three enrichers consumes them and produces the enriched
 * orders to `orders-enriched`, at least once:
 *
 *   consumer.records$.pipe(map(toOutput), producer.produce(), map((m) => m.context), acknowledge())
 *
 * With `ack: 'manual'` a record counts as processed only once its output is written, so the
 * group's commits follow the pipeline. Partway through one enricher leaves (`close()`) and the
 * others take over its partitions. The summary reads `orders-enriched` back and checks every
 * order was enriched exactly once, the lag is 0, and the committed offsets are the log ends.
 * Exits 1, naming what failed, if any of that does not hold (`DEMO_FAULT=duplicate` writes one
 * enriched order twice, to see it).
 *
 * First, the shop's history: 200,000 orders into `orders-history` as fast as a producer on
 * defaults goes (lz4, acks all, idempotent, keyed), `from(orders).pipe(producer.produce())`,
 * with the records/s it reached. That figure includes the three MockCluster brokers, which run
 * in this process too (receiving, checking and storing every batch).
 * Run: npm run demo
 */
import { count, firstValueFrom, from, interval, lastValueFrom, map, take, tap, timeout, toArray, type Subscription } from 'rxjs';
import { acknowledge, api, createClient, type Consumer, type ConsumerRecord, type ConsumerStats, type KafkaClient, type RebalanceEvent } from 'rxkafka';
import { MockCluster } from 'rxkafka/testing';

const ORDERS = 30_000;
const HISTORY = 200_000; // orders of the past, loaded first as fast as the producer goes
const RATE = 5_000; // orders per second: the shop produces for 6 s
const PARTITIONS = 6;
const GROUP = 'enricher';
const CUSTOMERS = 5_000;
const SKUS = ['KB-101', 'MS-220', 'HD-3TB', 'USB-C-2M', 'MON-27Q', 'CAM-4K', 'SSD-1TB', 'DOCK-12'];
const REGIONS = ['eu-west', 'eu-north', 'us-east', 'us-west', 'ap-south'];

const began = performance.now();
const elapsed = () => `${((performance.now() - began) / 1000).toFixed(1).padStart(4)} s`;
const n = (v: number | bigint) => v.toLocaleString('en-US');
const partitionList = (parts: ReadonlyArray<{ partition: number }>) => `[${parts.map((p) => p.partition).sort((a, b) => a - b).join(',')}]`;

// ---- the orders: deterministic, so every run produces the same ones ---------------------------

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const random = lcg(42);

interface Order {
  orderId: string;
  customer: string;
  items: Array<{ sku: string; qty: number; price: number }>;
  total: number;
}

function order(i: number): Order {
  const customer = `cust-${String(Math.floor(random() * CUSTOMERS)).padStart(5, '0')}`;
  const items = Array.from({ length: 1 + Math.floor(random() * 2) }, () => ({
    sku: SKUS[Math.floor(random() * SKUS.length)],
    qty: 1 + Math.floor(random() * 4),
    price: Math.round(500 + random() * 49_500) / 100,
  }));
  const total = Math.round(items.reduce((sum, it) => sum + it.qty * it.price, 0) * 100) / 100;
  return { orderId: `ord-${String(i).padStart(7, '0')}`, customer, items, total };
}

// ---- the enrichment: what each member does to a record ----------------------------------------

/** The output record for an input record; `context: record` comes back with produce()'s metadata, to be acked. */
function toOutput(record: ConsumerRecord) {
  const o = JSON.parse((record.value as Buffer).toString()) as Order;
  const c = Number(o.customer.slice(5));
  const enriched = {
    ...o,
    region: REGIONS[c % REGIONS.length],
    tier: c % 10 === 0 ? 'gold' : c % 3 === 0 ? 'silver' : 'standard',
    units: o.items.reduce((sum, it) => sum + it.qty, 0),
    totalWithVat: Math.round(o.total * 120) / 100,
    source: { partition: record.partition, offset: record.offset.toString() },
  };
  return { topic: 'orders-enriched', key: o.orderId, value: JSON.stringify(enriched), context: record };
}

// ---- the cluster, and the shop that produces the orders ---------------------------------------

const cluster = await MockCluster.start({ brokers: 3 });
await cluster.createTopic('orders', { partitions: PARTITIONS, replicationFactor: 3 });
await cluster.createTopic('orders-enriched', { partitions: PARTITIONS, replicationFactor: 3 });
const shop = createClient({ brokers: cluster.bootstrap, clientId: 'shop' });
const clients: KafkaClient[] = [shop];

// ---- the history: as fast as the defaults go ---------------------------------------------------

console.log('rxkafka demo, on a 3-broker MockCluster in this process:');
await cluster.createTopic('orders-history', { partitions: PARTITIONS, replicationFactor: 3 });
{
  const history = Array.from({ length: HISTORY }, (_, i) => {
    const o = order(i);
    return { topic: 'orders-history', key: o.customer, value: JSON.stringify(o) };
  });
  const loader = shop.producer({ compression: 'lz4' }); // acks 'all' and idempotent: the defaults
  await shop.metadata(['orders-history']);
  const started = performance.now();
  const written = await lastValueFrom(from(history).pipe(loader.produce(), count()));
  const seconds = (performance.now() - started) / 1000;
  await loader.close();
  console.log(`${elapsed()}  history: ${n(written)} orders into orders-history (${PARTITIONS} partitions) with from(orders).pipe(producer.produce())`);
  console.log(`        ${n(Math.round(written / seconds))} records/s on defaults (lz4, acks all, idempotent, keyed), the brokers in this process too`);
}
const failures: string[] = [];
const fail = (what: string) => (e: unknown) => failures.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);

// ---- the group: three members, each with its own client, as three processes would be ---------

interface Member {
  name: string;
  consumer: Consumer;
  /** Records whose output this member wrote (and acked). */
  enriched: number;
  left: boolean;
}

const processed = new Set<string>(); // input records whose output was written: `partition:offset`
const pipelines: Subscription[] = [];
let live = false; // rebalance events are shown once the group first settled
const members: Member[] = ['a', 'b', 'c'].map((name) => {
  const client = createClient({ brokers: cluster.bootstrap, clientId: `enricher-${name}` });
  clients.push(client);
  const consumer = client.consumer({
    groupId: GROUP,
    topics: ['orders'],
    autoOffsetReset: 'earliest',
    ack: 'manual', // a record is acked by the pipeline, once its output is written: commits follow
    assignors: ['cooperative-sticky'], // incremental: a rebalance moves only the partitions that change hands
    heartbeatIntervalMs: 500, // learn of a rebalance within half a second (default 3 s)
    autoCommitIntervalMs: 1000,
  });
  const producer = client.producer({ compression: 'lz4' }); // acks 'all' and idempotent: the defaults
  const member: Member = { name, consumer, enriched: 0, left: false };

  // the at-least-once pipeline: a record is acked only after its output is written
  pipelines.push(
    consumer.records$
      .pipe(
        map(toOutput),
        producer.produce(),
        map((m) => m.context),
        acknowledge(),
        tap((r) => {
          member.enriched++;
          processed.add(`${r.partition}:${r.offset}`);
        }),
      )
      .subscribe({ error: fail(`member ${name}'s pipeline`) }),
  );
  consumer.rebalances$.subscribe({
    next: (e: RebalanceEvent) => {
      if (live && e.partitions.length > 0) console.log(`${elapsed()}  ${name} ${e.type.padEnd(8)} orders${partitionList(e.partitions)}  (generation ${e.generationId})`);
    },
    error: fail(`member ${name}'s rebalances`),
  });
  return member;
});

const snapshot = () => Promise.all(members.map((m) => firstValueFrom(m.consumer.stats$)));
const lagOf = (stats: ConsumerStats[]) => stats.reduce((sum, s) => s.assignment.reduce((acc, p) => acc + Number(p.lag ?? 0n), sum), 0);
const ownership = (stats: ConsumerStats[]) =>
  members.map((m, i) => (m.left ? `${m.name} left` : `${m.name} orders${partitionList(stats[i].assignment)}`)).join('  ');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds (asked every 50 ms), at most `ms`; false if it never did. */
async function until(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if (await check()) return true;
    await sleep(50);
  }
  return false;
}

let exitCode = 1;
let progress: Subscription | undefined;
try {
  console.log(`  orders (${PARTITIONS} partitions) -> group "${GROUP}" (members a, b, c) -> orders-enriched (${PARTITIONS} partitions)`);
  console.log('  each member: records$.pipe(map(toOutput), producer.produce(), map((m) => m.context), acknowledge())');
  // the group settles: each member owns two partitions
  const settled = await until(async () => (await snapshot()).every((s) => s.assignment.length === 2), 15_000);
  if (!settled) throw new Error(`the group did not settle: ${ownership(await snapshot())}`);
  const gen = (await snapshot())[0].generationId;
  console.log(`${elapsed()}  group ${GROUP} generation ${gen}: ${ownership(await snapshot())}`);
  live = true;

  // the shop: ORDERS orders, RATE a second, in 100 ms ticks
  const perTick = RATE / 10;
  const shopProducer = shop.producer({ compression: 'lz4' });
  let produced = 0;
  const shopDone = firstValueFrom(
    interval(100).pipe(
      take(ORDERS / perTick),
      tap(() => {
        const batch = Array.from({ length: perTick }, () => {
          const o = order(produced++);
          return { topic: 'orders', key: o.customer, value: JSON.stringify(o) };
        });
        shopProducer.send(batch).catch(fail('the shop'));
      }),
      toArray(),
    ),
  ).then(() => shopProducer.flush());
  console.log(`${elapsed()}  the shop produces ${n(ORDERS)} orders, ${n(RATE)} a second`);

  // progress: once a second, from each member's stats$
  progress = interval(1000).subscribe(() => {
    void snapshot().then((stats) => {
      const enriched = members.map((m) => `${m.name} ${n(m.enriched)}`).join(', ');
      console.log(`${elapsed()}  orders ${n(produced).padStart(6)}  enriched ${n(processed.size).padStart(6)} (${enriched})  lag ${n(lagOf(stats))}`);
    });
  });

  // halfway, member a leaves: close() waits for its acks, commits them and leaves the group
  await until(() => processed.size >= ORDERS / 2, 20_000);
  const a = members[0];
  console.log(`${elapsed()}  a leaves the group (close())`);
  await a.consumer.close();
  a.left = true;

  await shopDone;
  const drained = await until(async () => processed.size === ORDERS && lagOf(await snapshot()) === 0, 20_000);
  progress.unsubscribe();
  const stats = await snapshot();
  console.log(`${elapsed()}  orders ${n(produced).padStart(6)}  enriched ${n(processed.size).padStart(6)}  lag ${n(lagOf(stats))}  ${ownership(stats)}`);
  if (!drained) failures.push(`the group did not catch up: ${n(processed.size)} of ${n(ORDERS)} orders enriched, lag ${n(lagOf(stats))}`);
  live = false;

  // commit what is acked now (auto-commit would, within a second), then check the group's offsets
  await Promise.all(members.filter((m) => !m.left).map((m) => m.consumer.commit()));
  const committed = await committedOffsets(shop, GROUP, 'orders');

  if (process.env.DEMO_FAULT === 'duplicate') {
    // to see a check fail: one enriched order written a second time
    const [r] = cluster.records('orders-enriched', 0);
    await shop.producer().send({ topic: 'orders-enriched', key: r.key, value: r.value });
  }

  // read orders-enriched back, from offset 0, with a consumer of fixed partitions (no group)
  const outputEnd = Array.from({ length: PARTITIONS }, (_, p) => cluster.partitionInfo('orders-enriched', p)?.logEndOffset ?? 0n);
  const outputCount = Number(outputEnd.reduce((a, b) => a + b, 0n));
  const reader = shop.consumer({ assign: Array.from({ length: PARTITIONS }, (_, p) => ({ topic: 'orders-enriched', partition: p, offset: 0n })) });
  const output = await firstValueFrom(reader.records$.pipe(map((r) => (JSON.parse((r.value as Buffer).toString()) as Order).orderId), take(outputCount), toArray(), timeout(10_000)));
  await reader.close();

  // ---- the summary ----------------------------------------------------------------------------
  const seen = new Map<string, number>();
  for (const id of output) seen.set(id, (seen.get(id) ?? 0) + 1);
  const duplicates = [...seen.values()].filter((c) => c > 1).length;
  const missing = ORDERS - [...seen.keys()].filter((id) => Number(id.slice(4)) < ORDERS).length;
  console.log(`\nsummary (after ${elapsed().trim()})`);
  console.log('  partition   log end  committed   lag');
  let offsetsMatch = true;
  for (let p = 0; p < PARTITIONS; p++) {
    const end = cluster.partitionInfo('orders', p)?.logEndOffset ?? -1n;
    const c = committed.get(p) ?? null;
    const lag = stats.flatMap((s) => s.assignment).find((x) => x.partition === p)?.lag ?? null;
    if (c !== end) offsetsMatch = false;
    console.log(`  orders[${p}] ${n(end).padStart(9)} ${(c === null ? 'none' : n(c)).padStart(10)} ${(lag === null ? '?' : n(lag)).padStart(5)}`);
  }
  const lag = lagOf(stats);
  const ownedAll = stats.reduce((sum, s) => sum + s.assignment.length, 0) === PARTITIONS;
  const enrichedOnce = duplicates === 0 && missing === 0 && output.length === ORDERS;
  console.log(`  orders-enriched holds ${n(output.length)} records: ${n(seen.size)} distinct orders, ${n(duplicates)} duplicated, ${n(missing)} missing`);
  console.log(`  members enriched: ${members.map((m) => `${m.name} ${n(m.enriched)}`).join(', ')}`);
  if (!enrichedOnce) failures.push(`orders-enriched: ${n(output.length)} records for ${n(ORDERS)} orders (${n(duplicates)} duplicated, ${n(missing)} missing)`);
  if (lag !== 0 || !ownedAll) failures.push(`lag is ${n(lag)}${ownedAll ? '' : ', and not every partition is owned'}`);
  if (!offsetsMatch) failures.push('the committed offsets are not the log ends');
  if (failures.length === 0) {
    console.log(`OK: every order enriched exactly once (${n(ORDERS)}), lag 0, committed offsets = log ends`);
    exitCode = 0;
  } else {
    console.log(`FAILED (${failures.length}):`);
    for (const f of failures) console.log(`  ${f}`);
  }
} catch (e) {
  console.log(`FAILED: ${e instanceof Error ? e.message : String(e)}`);
  for (const f of failures) console.log(`  ${f}`);
} finally {
  progress?.unsubscribe();
  for (const p of pipelines) p.unsubscribe();
  await Promise.all(clients.map((c) => c.close())); // closes each client's consumers and producers
  await cluster.stop();
}
process.exitCode = exitCode;

/** The group's committed offset of each partition of a topic: an OffsetFetch, as any admin tool asks. */
async function committedOffsets(client: KafkaClient, groupId: string, topic: string): Promise<Map<number, bigint | null>> {
  const topics = [{ name: topic, partitionIndexes: Array.from({ length: PARTITIONS }, (_, p) => p) }];
  const res = await firstValueFrom(
    client.request({ coordinator: { type: 'group', key: groupId } }, api.OffsetFetch, {
      groupId,
      topics, // up to v7
      groups: [{ groupId, memberId: null, memberEpoch: -1, topics }], // v8+
      requireStable: true,
    }),
  );
  const answer = res.groups.length > 0 ? res.groups[0].topics : res.topics;
  const out = new Map<number, bigint | null>();
  for (const t of answer) for (const p of t.partitions) out.set(p.partitionIndex, p.errorCode === 0 && p.committedOffset >= 0n ? p.committedOffset : null);
  return out;
}
