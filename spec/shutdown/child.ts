/**
 * Run as a child process by shutdown.spec.ts: a client and a producer against the broker at
 * argv[2], one scenario (argv[3]), then `client.close()` only. It prints one JSON line with
 * the outcomes and is expected to exit on its own: a watchdog that does not hold the process
 * open reports, after 1 s, what still does (and exits 3).
 */
import { createClient, KafkaError } from 'rxkafka';

const [address, scenario] = process.argv.slice(2);
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'delivered',
    (e: unknown) => (e instanceof KafkaError ? e.name : String(e)),
  );

const client = createClient({ brokers: [address], retry: { maxRetries: 2, initialDelayMs: 50, maxDelayMs: 100 } });
const producer = client.producer({ lingerMs: 50 });
const result: Record<string, unknown> = {};

if (scenario === 'too-large') {
  // the topic refuses batches above 200 bytes: one record is delivered, one fails
  result.small = await outcome(producer.send({ topic: 'small', value: 'x' }));
  result.large = await outcome(producer.send({ topic: 'small', value: 'y'.repeat(1000) }));
} else if (scenario === 'pending') {
  // not awaited: closing the client flushes it
  const pending = outcome(producer.send({ topic: 'small', value: 'z' }));
  await client.close();
  result.pending = await pending;
} else if (scenario === 'consume') {
  // a group member that read a record, mid-heartbeats and with a long poll under way; closing
  // the client closes it (commit, LeaveGroup) and lets go of every timer and socket
  const consumer = client.consumer({ groupId: 'shutdown', topics: ['small'], autoOffsetReset: 'earliest', heartbeatIntervalMs: 100, autoCommitIntervalMs: 100 });
  await producer.send({ topic: 'small', value: 'r' });
  result.consumed = await new Promise<string>((resolve, reject) => {
    consumer.records$.subscribe({ next: (r) => resolve(r.value?.toString() ?? ''), error: reject });
  });
} else if (scenario === 'unreachable' || scenario === 'reset') {
  result.metadata = await outcome(client.metadata());
  result.send = await outcome(producer.send({ topic: 'small', value: 'x' }));
}
await client.close();
try {
  client.producer();
  result.producerAfterClose = 'accepted';
} catch (e) {
  result.producerAfterClose = e instanceof KafkaError ? e.name : String(e);
}
// what still holds the event loop once the closing sockets have had their turn to close
// (stdout and stderr pipes are the process's own)
for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
result.holding = process.getActiveResourcesInfo().filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap');
console.log(JSON.stringify(result));

const watchdog = setTimeout(() => {
  console.log(JSON.stringify({ stillAlive: process.getActiveResourcesInfo().filter((r) => r !== 'Timeout') }));
  process.exit(3);
}, 1000);
watchdog.unref();
