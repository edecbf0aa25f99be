import { tap, type MonoTypeOperatorFunction } from 'rxjs';
import { ConsumerRecord, type ConsumerBatch } from './record.js';

/** What acknowledge() acks: a record, a batch's records, a value carrying its record as `context`, or a list of these. */
export type Ackable = ConsumerRecord | ConsumerBatch | { readonly context: ConsumerRecord } | readonly Ackable[];

const isList = (value: Ackable): value is readonly Ackable[] => Array.isArray(value);

function ackOf(value: Ackable): void {
  if (value instanceof ConsumerRecord) value.ack();
  else if (isList(value)) for (const v of value) ackOf(v);
  else if ('records' in value) for (const r of value.records) r.ack();
  else value.context.ack();
}

/**
 * Acks each value flowing through, once it gets here: a ConsumerRecord, a ConsumerBatch (all
 * its records), a value whose `context` is the record it came from (produce()'s metadata), or an
 * array of these. At the end of a pipeline it marks records processed, so that commits
 * (manual ack mode) move over them: `records$.pipe(map(toOutput), producer.produce(),
 * map((m) => m.context), acknowledge())`.
 */
export function acknowledge<T extends Ackable>(): MonoTypeOperatorFunction<T> {
  return tap((value) => ackOf(value));
}
