import { Observable, type OperatorFunction } from 'rxjs';
import { DeliveryError } from './errors.js';
import type { ProducerRecord, RecordMetadata, RecordSink } from './record.js';
import { Segmented } from './segmented.js';

/** What produce() needs of the producer: taking records in, and closing held batches. */
export interface RecordIntake {
  accept(record: ProducerRecord, sink: RecordSink, index: number): void;
  flush(): void;
}

/** A record's failure, as kept among the metadata of the others. */
class Failed {
  constructor(readonly error: Error) {}
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
      const outcomes = new Segmented<RecordMetadata<C> | Failed>();
      const records = new Segmented<ProducerRecord<C>>();
      let head = 0;
      let pending = 0;
      let sourceDone = false;
      const emit = () => {
        for (let o = outcomes.get(head); o !== undefined; o = outcomes.get(head)) {
          if (o instanceof Failed) {
            subscriber.error(new DeliveryError(records.get(head) as ProducerRecord<C>, o.error));
            return;
          }
          outcomes.set(head, undefined);
          head++;
          subscriber.next(o);
        }
        outcomes.dropBefore(head);
        records.dropBefore(head);
        if (sourceDone && pending === 0) subscriber.complete();
      };
      const settle = (index: number, outcome: RecordMetadata<C> | Failed): void => {
        pending--;
        outcomes.set(index, outcome);
        if (index === head || (sourceDone && pending === 0)) emit();
      };
      const sink: RecordSink = {
        failed: (index, _source, error) => settle(index, new Failed(error)),
        delivered: (index, _source, topic, partition, offset, timestamp) =>
          settle(index, { topic, partition, offset, timestamp, context: records.get(index)?.context }),
      };
      const sub = source.subscribe({
        next: (record) => {
          const index = records.length;
          records.push(record);
          outcomes.push(undefined);
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
