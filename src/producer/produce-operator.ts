import { Observable, type OperatorFunction } from 'rxjs';
import { DeliveryError } from './errors.js';
import type { BatchAck } from './batch-ack.js';
import { contextUnreadable, type ProducerRecord, type RecordMetadata, type RecordSink } from './record.js';
import { Segmented } from './segmented.js';

/** What produce() needs of the producer: taking records in, and closing held batches. */
export interface RecordIntake {
  accept(record: ProducerRecord, sink: RecordSink, index: number): void;
  flush(): void;
}

/** A record's failure, as kept among the outcomes of the others. */
class Failed {
  constructor(readonly error: Error) {}
}

/**
 * Records of one acknowledged batch with consecutive input positions: position `firstIndex`
 * is the batch's record `from`, the next the one after, and so on. Kept for each of them until
 * it is emitted, in place of its metadata.
 */
class AckedSpan {
  constructor(
    readonly ack: BatchAck,
    readonly from: number,
    readonly firstIndex: number,
  ) {}
}

/**
 * The producer as an operator: records in, their metadata out in input order, each record's
 * outcome reported through one sink for the whole stream. A failed record ends the stream with
 * a DeliveryError naming it, after the metadata of every record before it; completion of the
 * input closes held batches at once rather than waiting out lingerMs.
 *
 * Metadata is made as it is emitted, from the batch's acknowledgement: batches are acknowledged
 * out of input order (partitions, compression finishing in any order), and objects made at the
 * acknowledgement would wait for those before them long enough to be promoted.
 */
export function produceThrough<C>(intake: RecordIntake): OperatorFunction<ProducerRecord<C>, RecordMetadata<C>> {
  return (source) =>
    new Observable<RecordMetadata<C>>((subscriber) => {
      // Outcomes by input position; emitted from `head` on as soon as they are contiguous.
      const outcomes = new Segmented<AckedSpan | Failed>();
      const records = new Segmented<ProducerRecord<C>>();
      let head = 0;
      let pending = 0;
      let sourceDone = false;
      const fail = (error: Error): void => subscriber.error(new DeliveryError(records.get(head) as ProducerRecord<C>, error));
      const emit = () => {
        for (let o = outcomes.get(head); o !== undefined; o = outcomes.get(head)) {
          if (o instanceof Failed) {
            fail(o.error);
            return;
          }
          const k = o.from + (head - o.firstIndex);
          let context: C | undefined;
          try {
            context = records.get(head)?.context;
          } catch (e) {
            fail(contextUnreadable(e));
            return;
          }
          const metadata: RecordMetadata<C> = { topic: o.ack.topic, partition: o.ack.partition, offset: o.ack.offsetAt(k), timestamp: o.ack.timestampAt(k), context };
          outcomes.set(head, undefined);
          head++;
          subscriber.next(metadata);
        }
        outcomes.dropBefore(head);
        records.dropBefore(head);
        if (sourceDone && pending === 0) subscriber.complete();
      };
      // `count` outcomes just came in: emit when the head's is among them (or all are in); once
      // the stream has ended (a failure), the records still in flight only settle
      const settled = (count: number): void => {
        pending -= count;
        if (!subscriber.closed && (outcomes.get(head) !== undefined || (sourceDone && pending === 0))) emit();
      };
      const sink: RecordSink = {
        failed: (index, _source, error) => {
          outcomes.set(index, new Failed(error));
          settled(1);
        },
        acknowledged: (ack, from, to) => {
          const { indices } = ack.receipts;
          let span = new AckedSpan(ack, from, indices[from]);
          for (let k = from; k < to; k++) {
            const index = indices[k];
            if (index !== span.firstIndex + (k - span.from)) span = new AckedSpan(ack, k, index);
            outcomes.set(index, span);
          }
          settled(to - from);
        },
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
