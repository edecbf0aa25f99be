/**
 * One KafkaJS consumer run in its own process, on KafkaJS's default consumer settings:
 *
 *   const consumer = kafka.consumer({ groupId });
 *   await consumer.connect();
 *   await consumer.subscribe({ topics: [topic], fromBeginning: true });
 *   await consumer.run({ eachBatch: async ({ batch }) => { count += batch.messages.length; ... } });
 *
 * KafkaJS has no group-less (assign) consumer, so this is group mode only. lz4 is registered
 * from lz4-napi, as in the produce bench (KafkaJS ships no lz4 codec).
 */
import { randomUUID } from 'node:crypto';
import { parseChildArgs, runChild, Tally } from './consume-child.js';

const args = parseChildArgs(process.argv.slice(2));
const tally = new Tally(args);

const { default: kafkajs } = await import('kafkajs');
const { compressFrame, decompressFrame } = await import('lz4-napi');
const { Kafka, CompressionTypes, CompressionCodecs, logLevel } = kafkajs;
CompressionCodecs[CompressionTypes.LZ4] = () => ({
  compress: (encoder: { buffer: Buffer }) => compressFrame(encoder.buffer),
  decompress: (buffer: Buffer) => decompressFrame(buffer),
});

const kafka = new Kafka({ brokers: args.bootstrap, clientId: 'bench-kafkajs', logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: `bench-kafkajs-${randomUUID()}` });

await runChild(
  args,
  tally,
  async () => {
    let crashed!: (error: Error) => void;
    const failed = new Promise<never>((_, reject) => (crashed = reject));
    // KafkaJS reports a consumer that gave up (after its own retries) through this event.
    consumer.on(consumer.events.CRASH, (event: { payload: { error: Error } }) => crashed(event.payload.error));
    await consumer.connect();
    await consumer.subscribe({ topics: [args.topic], fromBeginning: true });
    await consumer.run({
      eachBatch: ({ batch }) => {
        for (const m of batch.messages) tally.add(batch.partition, Number(m.offset));
        return Promise.resolve();
      },
    });
    return failed;
  },
  () => consumer.disconnect(),
);
