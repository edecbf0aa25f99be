import { Observable, Subject } from 'rxjs';
import type { ConsumerBatch, ConsumerRecord, PartitionStream } from './record.js';
import { partitionKey, type TopicPartition } from '../topic-partition.js';

/** A subject whose observers are counted: what is emitted when nobody observes is handed to no one. */
class Counted<T> {
  readonly subject = new Subject<T>();
  observers = 0;
  readonly observable: Observable<T>;

  constructor(onSubscribe: () => void) {
    this.observable = new Observable<T>((subscriber) => {
      this.observers++;
      const inner = this.subject.subscribe(subscriber);
      onSubscribe();
      return () => {
        this.observers--;
        inner.unsubscribe();
      };
    });
  }
}

/** One partition's own streams, completing when it is given up. */
class PartitionOutlet implements PartitionStream {
  readonly records: Counted<ConsumerRecord>;
  readonly batches: Counted<ConsumerBatch>;
  readonly records$: Observable<ConsumerRecord>;
  readonly batches$: Observable<ConsumerBatch>;

  constructor(
    readonly topic: string,
    readonly partition: number,
    onSubscribe: () => void,
  ) {
    this.records = new Counted(onSubscribe);
    this.batches = new Counted(onSubscribe);
    this.records$ = this.records.observable;
    this.batches$ = this.batches.observable;
  }

  get observed(): boolean {
    return this.records.observers > 0 || this.batches.observers > 0;
  }
}

/**
 * The consumer's hot streams, shared by every subscriber: records$, batches$, and partitions$
 * with each partition's own streams. The first subscription to any of them starts the
 * consumer; a batch is handed out only while someone observes it (else it waits, and its bytes
 * count against maxBufferedBytes).
 */
export class Outlets {
  private readonly records: Counted<ConsumerRecord>;
  private readonly batches: Counted<ConsumerBatch>;
  private readonly partitionStreams = new Subject<PartitionStream>();
  private readonly open = new Map<string, PartitionOutlet>();
  private ended = false;
  readonly records$: Observable<ConsumerRecord>;
  readonly batches$: Observable<ConsumerBatch>;
  readonly partitions$: Observable<PartitionStream>;

  /** `subscribed` runs on every new subscription (the consumer starts on the first, and hands out what waits). */
  constructor(private readonly subscribed: () => void) {
    this.records = new Counted(subscribed);
    this.batches = new Counted(subscribed);
    this.records$ = this.records.observable;
    this.batches$ = this.batches.observable;
    // a late subscriber gets the streams of the partitions assigned now, then each new one
    this.partitions$ = new Observable<PartitionStream>((subscriber) => {
      for (const s of this.open.values()) subscriber.next(s);
      const inner = this.partitionStreams.subscribe(subscriber);
      subscribed();
      return inner;
    });
  }

  /** A partition assigned: its streams, told to partitions$ subscribers. */
  openPartition(tp: TopicPartition): void {
    const key = partitionKey(tp.topic, tp.partition);
    if (this.ended || this.open.has(key)) return;
    const outlet = new PartitionOutlet(tp.topic, tp.partition, this.subscribed);
    this.open.set(key, outlet);
    this.partitionStreams.next(outlet);
  }

  /** A partition given up: its streams complete. */
  closePartition(tp: TopicPartition): void {
    const key = partitionKey(tp.topic, tp.partition);
    const outlet = this.open.get(key);
    if (outlet === undefined) return;
    this.open.delete(key);
    outlet.records.subject.complete();
    outlet.batches.subject.complete();
  }

  /** Whether a batch of this partition would reach anyone now. */
  observed(tp: TopicPartition): boolean {
    if (this.records.observers > 0 || this.batches.observers > 0) return true;
    return this.open.get(partitionKey(tp.topic, tp.partition))?.observed ?? false;
  }

  /**
   * Hands a batch to every subscriber, from record `from` on: the whole batch to batches$
   * subscribers (when it starts), then its records one by one, while anyone observes them.
   * Returns how far it got: the batch's length, or the first record nobody was left to take.
   */
  hand(batch: ConsumerBatch, from: number): number {
    const outlet = this.open.get(partitionKey(batch.topic, batch.partition));
    const records = batch.records;
    let whole = false;
    if (from === 0) {
      if (this.batches.observers > 0) {
        this.batches.subject.next(batch);
        whole = true;
      }
      if (outlet !== undefined && outlet.batches.observers > 0) {
        outlet.batches.subject.next(batch);
        whole = true;
      }
    }
    for (let i = from; i < records.length; i++) {
      const toAll = this.records.observers > 0;
      const toOwn = outlet !== undefined && outlet.records.observers > 0;
      if (!toAll && !toOwn) return whole ? records.length : i;
      const r = records[i];
      if (toAll) this.records.subject.next(r);
      if (toOwn) outlet.records.subject.next(r);
    }
    return records.length;
  }

  /** The consumer ended: every stream errors with `error`, or completes (close). */
  end(error: Error | null): void {
    if (this.ended) return;
    this.ended = true;
    const subjects: Array<Subject<never> | Subject<ConsumerRecord> | Subject<ConsumerBatch> | Subject<PartitionStream>> = [this.records.subject, this.batches.subject, this.partitionStreams];
    for (const o of this.open.values()) subjects.push(o.records.subject, o.batches.subject);
    this.open.clear();
    for (const s of subjects) {
      if (error === null) s.complete();
      else s.error(error);
    }
  }
}
