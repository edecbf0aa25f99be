/**
 * The README's TypeScript samples as files a project can type-check: each ```ts block becomes
 * a module of its own (so blocks may reuse names), and the names the samples take as given
 * (a client, an order stream, a key) are declared once in a globals file.
 */
export function readmeSamples(readme: string): Map<string, string> {
  const files = new Map<string, string>();
  const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  blocks.forEach((code, i) => files.set(`readme-${String(i + 1).padStart(2, '0')}.ts`, `${code}\nexport {};\n`));
  files.set('readme-globals.d.ts', GLOBALS);
  return files;
}

/** What the samples refer to without making it themselves. */
const GLOBALS = `import type { KafkaClient, ProducerRecord, RecordHeader } from 'rxkafka';
import type { Observable, SchedulerLike } from 'rxjs';

declare global {
  interface Order {
    customerId: string;
    ackHandle: { ack(): void };
  }
  const client: KafkaClient;
  const order: Order;
  const orders$: Observable<Order>;
  function toRecord(order: Order): ProducerRecord;
  const r1: ProducerRecord;
  const r2: ProducerRecord;
  const r3: ProducerRecord;
  const outputRecords: ProducerRecord[];
  const key: string;
  const cert: string;
  const scheduler: SchedulerLike;
  function handle(topic: string, partition: number, offset: bigint, key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[]): void;
  function enrich(value: Buffer | null): string;
}
export {};
`;
