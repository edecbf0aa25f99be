import { Observable, type OperatorFunction } from 'rxjs';
import { DeliveryError } from './errors.js';
import type { ProducerRecord, RecordMetadata, RecordSink } from './record.js';

/** What produce() needs of the producer: taking records in, and closing held batches. */
export interface RecordIntake {
  accept(record: ProducerRecord, sink: RecordSink, index: number): void;
  flush(): void;
}

/**
 * The producer as an operator: records in, their metadata out in input order, each record's
 * outcome reported through one sink for the whole stream. A failed record ends the stream with
 * a DeliveryError naming it, after the metadata of every record before it; completion of the
 * input closes held batches at once rather than waiting out lingerMs.
 */
export function produceThrough<C>(intake: RecordIntake): OperatorFunction<ProducerRecord<C>, RecordMetadata<C>> {
  return (source) =>
    new Observable<RecordMetadata<C>>((subscriber) => {
      // Outcomes by input position; emitted from `head` on as soon as they are contiguous.
      const errors: Array<Error | null> = [];
      const metas: Array<RecordMetadata<C> | null | undefined> = [];
      const records: Array<ProducerRecord<C>> = [];
      let base = 0;
      let head = 0;
      let pending = 0;
      let sourceDone = false;
      const emit = () => {
        while (head < metas.length && metas[head] !== undefined) {
          const error = errors[head];
          if (error) {
            subscriber.error(new DeliveryError(records[head], error));
            return;
          }
          const meta = metas[head] as RecordMetadata<C>;
          metas[head] = null;
          head++;
          subscriber.next(meta);
        }
        if (head > 4096 && head * 2 > metas.length) {
          errors.splice(0, head);
          metas.splice(0, head);
          records.splice(0, head);
          base += head;
          head = 0;
        }
        if (sourceDone && pending === 0) subscriber.complete();
      };
      const settle = (index: number, error: Error | null, meta: RecordMetadata<C> | null): void => {
        pending--;
        const at = index - base;
        errors[at] = error;
        metas[at] = meta;
        if (at === head || (sourceDone && pending === 0)) emit();
      };
      const sink: RecordSink = {
        failed: (index, _source, error) => settle(index, error, null),
        delivered: (index, _source, topic, partition, offset, timestamp) =>
          settle(index, null, { topic, partition, offset, timestamp, context: records[index - base].context }),
      };
      const sub = source.subscribe({
        next: (record) => {
          const index = base + metas.length;
          metas.push(undefined);
          errors.push(null);
          records.push(record);
          pending++;
          intake.accept(record, sink, index);
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          sourceDone = true;
          intake.flush();
          emit();
        },
      });
      return () => sub.unsubscribe();
    });
}
