import { distinctUntilChanged, map, startWith, Subject, type Observable, type Observer, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { ClusterClient } from '../cluster/index.js';
import { burstClock } from '../clock.js';
import { KafkaError } from '../errors.js';
import type { EncodedRecords } from '../protocol/records/index.js';
import { Accumulator } from './accumulator.js';
import { BatchBuffers } from './batch-buffers.js';
import { resolveProducerConfig, type ProducerConfig, type ResolvedProducerConfig } from './config.js';
import { BatchAck } from './batch-ack.js';
import { DeliveryError, ProducerClosedError, RecordTooLargeError } from './errors.js';
import { produceThrough } from './produce-operator.js';

export { DeliveryError } from './errors.js';
import { bumpEpoch } from './epoch-bump.js';
import { initProducerId, NO_IDENTITY, type ProducerIdentity } from './identity.js';
import { Burst } from './burst.js';
import { indexed, type Indexed } from './segmented.js';
import { Intake, type RecordRun } from './intake.js';
import { Placement } from './placement.js';
import { seal, splitBatch } from './sealing.js';
import { Sequencing } from './sequencing.js';
import { FlushEpochs } from './flush-epochs.js';
import { MemoryPool } from './memory.js';
import { createPartitioner, type RecordPartitioner } from './partitioners/index.js';
import { ProducerBatch } from './producer-batch.js';
import type { Receipts } from './receipts.js';
import { contextUnreadable, toPending, type MetadataFor, type PendingRecord, type ProducerRecord, type RecordMetadata, type RecordSink } from './record.js';
import { Sender, type PartitionGate } from './sender.js';
import { TopicRegistry, type TopicInfo } from './topics.js';

/** Batch buffers kept for reuse hold at most this share of bufferMemory (a quarter). */
const POOLED_SHARE = 4;

export interface ProducerStats {
  /** Records accepted and not yet acknowledged or failed. */
  queuedRecords: number;
  /** Their bytes, as counted against bufferMemory. */
  queuedBytes: number;
  /** Closed batches not yet acknowledged. */
  batches: number;
  inFlight: number;
  requests: number;
  retries: number;
  errors: number;
}

/** What a producer working for another (the transactional one) lets it do. */
export interface ProducerControl {
  /** Wakes the sender: a partition the gate held back may now be written. */
  wake(): void;
  /** Ends the producer for good (fenced): what is queued and what comes later fails with `error`. */
  stop(error: Error): void;
  /**
   * A new identity between transactions, with nothing queued or in flight: batches from now on
   * carry it, their sequences from 0.
   */
  replaceIdentity(identity: ProducerIdentity): void;
}

/**
 * What makes a producer transactional, given by the one composed over it: where its identity
 * comes from, and the gate partitions pass before their first batch of a transaction.
 */
export interface ProducerRole {
  readonly gate: PartitionGate;
  obtainIdentity(): Promise<ProducerIdentity>;
  /** Called once, as the producer is built, with the control the role's owner keeps. */
  attach(control: ProducerControl): void;
}

/**
 * The sink of one send([...]) call: metadata by input position, settled once all are in.
 * (Building the objects only at the end, from the batches' receipts, was tried twice and
 * gained nothing: most of them are promoted either way, since a resolved array waits in the
 * microtask queue while other callers' continuations run.) Built apart from send() so that it
 * does not hold the caller's array (and through it every record) until the last
 * acknowledgement.
 */
function arraySink<C>(count: number, resolve: (out: Array<RecordMetadata<C>>) => void, reject: (e: Error) => void): RecordSink {
  const out = new Array<RecordMetadata<C>>(count);
  let left = count;
  let failure: Error | null = null;
  const done = (): void => {
    if (--left > 0) return;
    if (failure) reject(failure);
    else resolve(out);
  };
  if (count === 0) resolve(out);
  return {
    failed: (_index, _source, error) => {
      failure ??= error;
      done();
    },
    delivered: (index, source, topic, partition, offset, timestamp) => {
      out[index] = { topic, partition, offset, timestamp, context: source?.context as C | undefined };
      done();
    },
  };
}

/**
 * The producer: a sink (Observer), an operator (records in, metadata out, in input order) and
 * a Promise API, over one pipeline: admission against bufferMemory, partitioning, per-partition
 * batching (operators/batch), and the Sender.
 */
export class Producer implements Observer<ProducerRecord> {
  private readonly config: ResolvedProducerConfig;
  private readonly memory: MemoryPool;
  private readonly intake: Intake;
  /** Single records of one sink arriving in one synchronous run, placed together. */
  private readonly burst: Burst;
  /** Index of the next record given through the Observer side (its sink names none). */
  private observed = 0;
  private readonly topics: TopicRegistry;
  private readonly partitioner: RecordPartitioner;
  private readonly accumulator: Accumulator;
  /** The batches' buffers, reused (see BatchBuffers for when one comes back). */
  private readonly buffers: BatchBuffers;
  private readonly sender: Sender;
  private readonly changes = new Subject<void>();
  private readonly failures = new Subject<DeliveryError>();
  /** Records waiting for their topic's metadata, per topic. */
  private readonly placement: Placement;
  /** Batches closed before the producer id was known (idempotence). */
  private readonly sequencing: Sequencing;
  /** Time of acceptance, read once per run of records (see burstClock). */
  private readonly clock: () => number;
  /** Outstanding records per flush epoch: flush() waits for its epoch and those before. */
  private readonly epochs = new FlushEpochs();
  private flushWaiters: Array<{ epoch: number; resolve: () => void }> = [];
  private closing: Promise<void> | null = null;
  /** Takes this producer out of its client's care once it has closed on its own. */
  private readonly release: () => void;

  /** Counters and queue depths; emits on change, at most once per scheduler tick. */
  readonly stats$: Observable<ProducerStats>;
  /** Failures of records given through the Observer side (`records$.subscribe(producer)`). */
  readonly errors$: Observable<DeliveryError>;

  constructor(
    private readonly client: ClusterClient,
    config: ProducerConfig,
    private readonly scheduler: SchedulerLike,
    role: ProducerRole | null = null,
  ) {
    this.config = resolveProducerConfig(config);
    this.clock = burstClock(scheduler);
    // Changes come per record (buffer memory) and per batch event; stats$ emits once per
    // scheduler tick at most, with the state at its end, so a burst of records costs one emission.
    let statsDue = false;
    const emitStats = () => {
      statsDue = false;
      this.changes.next();
    };
    const changed = () => {
      if (statsDue || !this.changes.observed) return;
      statsDue = true;
      scheduler.schedule(emitStats);
    };
    this.memory = new MemoryPool(this.config.bufferMemory, this.config.maxBlockMs, scheduler, changed);
    this.intake = new Intake(this.memory, this.config, scheduler, {
      admitted: (rs) => this.placement.route(rs),
      together: (run, place, arriving) => this.together(run, place, arriving),
      refused: (r, e) => this.fail(r, e),
      convert: (run, i) => this.convert(run, i),
      refusedFrom: (run, from, e) => this.refuseFrom(run, from, e),
      afterWait: () => this.flushIfAsked(),
    });
    this.burst = new Burst(scheduler, (records, sink, indexBase) => this.acceptRun(records, sink, indexBase, this.scheduler.now(), false));
    this.topics = new TopicRegistry(client, (topic, info, error) => this.onTopic(topic, info, error));
    this.partitioner = createPartitioner(this.config.partitioner, { random: this.config.random });
    this.buffers = new BatchBuffers(Math.floor(this.config.bufferMemory / POOLED_SHARE));
    this.accumulator = new Accumulator(this.config.batchBytes, this.config.lingerMs, scheduler, (t, p, r, receipts, b) => this.onBatch(t, p, r, receipts, b), this.buffers);
    this.placement = new Placement(this.topics, this.partitioner, this.accumulator, (r, e) => this.failHeld(r, e));
    // a partition goes once its sequences allow (a gap moves it to a new epoch first), and, in a
    // transaction, once it is in the transaction
    const gate = role?.gate;
    const ready = gate === undefined ? (t: string, p: number) => this.sequencing.mayWrite(t, p) : (t: string, p: number) => this.sequencing.mayWrite(t, p) && gate.ready(t, p);
    // sendWhenIdle: the records that filled behind a partition's last batch go once it is answered
    const onIdle = this.config.sendWhenIdle ? (t: string, p: number) => this.accumulator.closeHeld(t, p) : null;
    this.sender = new Sender(client, this.config, scheduler, this.topics, changed, { ready }, (b) => this.sequencing.sequenceGap(b), (b) => splitBatch(b, this.config.compression), onIdle);
    this.sequencing = new Sequencing(this.config.idempotent, {
      obtain: role ? () => role.obtainIdentity() : () => initProducerId(this.client, 'any', null, this.config.transactionTimeoutMs),
      bump: (current) => bumpEpoch(this.client, current, this.config.transactionTimeoutMs),
      dispatch: (batch) => this.dispatch(batch),
      sender: this.sender,
    });
    this.stats$ = this.changes.pipe(
      startWith(undefined),
      map(() => this.snapshot()),
      distinctUntilChanged((a, b) => (Object.keys(a) as Array<keyof ProducerStats>).every((k) => a[k] === b[k])),
    );
    this.errors$ = this.failures.asObservable();
    role?.attach({
      wake: () => this.sender.drain(),
      stop: (error) => this.sender.stop(error),
      replaceIdentity: (identity) => this.sequencing.replace(identity),
    });
    // last, once built: the client closes its producers with itself, and refuses new ones
    // once closing (this throws then)
    this.release = client.own(this);
  }

  private snapshot(): ProducerStats {
    const c = this.sender.counters;
    return {
      queuedRecords: this.epochs.total,
      queuedBytes: this.memory.usedBytes,
      batches: this.sender.pendingBatches,
      inFlight: this.sender.inFlightRequests,
      requests: c.requests,
      retries: c.retries,
      errors: c.errors,
    };
  }

  // ---- public API ---------------------------------------------------------------------------

  /**
   * One record, or many (cheaper per record). Resolves with where each landed; a record's
   * `context` comes back on its metadata (required there when the record's is).
   */
  send<C = unknown, R extends ProducerRecord<C> = ProducerRecord<C>>(record: R): Promise<MetadataFor<R>>;
  send<C = unknown, R extends ProducerRecord<C> = ProducerRecord<C>>(records: readonly R[]): Promise<Array<MetadataFor<R>>>;
  send<C>(input: ProducerRecord<C> | ReadonlyArray<ProducerRecord<C>>): Promise<RecordMetadata<C> | Array<RecordMetadata<C>>> {
    // records of a stream given before this call go first: call order is kept across the APIs
    this.burst.flush();
    if (!Array.isArray(input)) {
      return new Promise((resolve, reject) => {
        const sink: RecordSink = {
          failed: (_index, _source, error) => reject(error),
          delivered: (_index, source, topic, partition, offset, timestamp) =>
            resolve({ topic, partition, offset, timestamp, context: source?.context as C | undefined }),
        };
        this.accept(input as ProducerRecord<C>, sink, 0, this.clock());
      });
    }
    const records = input as ReadonlyArray<ProducerRecord<C>>;
    return new Promise((resolve, reject) => this.acceptRun(indexed(records), arraySink(records.length, resolve, reject), 0, this.scheduler.now(), true));
  }

  /**
   * Records handed over at once (one send([...]) call, `batched`, or a burst of next() calls),
   * counted for flush() at once, taken in as one run: those that fit the free room go in one
   * take and one pass through partitioner and batches, the rest as room frees.
   */
  private acceptRun(records: Indexed<ProducerRecord>, sink: RecordSink, indexBase: number, now: number, batched: boolean): void {
    const refusal = this.refusal();
    if (refusal !== null) {
      for (let i = 0; i < records.length; i++) sink.failed(indexBase + i, records.get(i) as ProducerRecord, refusal);
      return;
    }
    // counted up front, so that a flush() called back from a sink meanwhile waits for these
    const epoch = this.epochs.current;
    this.epochs.count(epoch, records.length);
    this.intake.addRun({ records, sink, indexBase, epoch, acceptedAt: now, batched, next: 0, head: null });
  }

  /** Record `i` of a run in bytes, or null once its sink was told why it cannot be taken. */
  private convert(run: RecordRun, i: number): PendingRecord | null {
    const r = this.check(run.records.get(i) as ProducerRecord, run.sink, run.indexBase + i, run.acceptedAt, null, run.epoch);
    if (r === null) {
      if (this.epochs.uncount(run.epoch, 1)) this.checkFlushes();
      return null;
    }
    return this.refusedAsTooLarge(r) ? null : r;
  }

  /** The records of a run from `from` on fail with `error`, unconverted. */
  private refuseFrom(run: RecordRun, from: number, error: Error): void {
    const n = run.records.length - from;
    if (n <= 0) return;
    const drained = this.epochs.uncount(run.epoch, n);
    try {
      for (let i = from; i < run.records.length; i++) run.sink.failed(run.indexBase + i, run.records.get(i) as ProducerRecord, error);
    } finally {
      if (drained) this.checkFlushes();
    }
  }

  /**
   * One placement of a run's records: batches closing in it go out together, sharing requests.
   * The batches a send([...]) call filled then close at once where they would go at once (their
   * partition has a place in its window): the caller batched the records already, so lingering
   * for more would only delay them. Other records arriving close their batch at once only where
   * its partition is idle (see `arriving`); records that waited for buffer room came under load,
   * and linger. Where they would wait anyway, the open batch goes on filling until lingerMs or
   * batchBytes.
   */
  private together<T>(run: RecordRun, place: () => T, arriving: boolean): T {
    this.sender.hold();
    try {
      if (run.batched) return this.accumulator.closingTouched(place, this.wouldGo);
      return arriving ? this.arriving(place) : place();
    } finally {
      this.sender.release();
    }
  }

  /**
   * Places records arriving now (`place`). With sendWhenIdle, the batches they reach close at
   * once where nothing of their partition is in flight or waiting to go: a record that finds it
   * so goes rather than linger for company, so a low rate pays a round trip, not lingerMs. Once
   * batches are out, the records behind them linger and fill (as Nagle's algorithm does).
   */
  private arriving<T>(place: () => T): T {
    return this.config.sendWhenIdle ? this.accumulator.closingTouched(place, this.idle) : place();
  }

  private readonly idle = (topic: string, partition: number): boolean => this.sender.isIdle(topic, partition);

  private readonly wouldGo = (topic: string, partition: number): boolean => this.sender.hasRoom(topic, partition);

  /**
   * Records in, their metadata out, in input order; a record's `context` comes back on its
   * metadata. A failed record ends the stream with a DeliveryError naming it, after the
   * metadata of every record before it.
   */
  produce<C = unknown, R extends ProducerRecord<C> = ProducerRecord<C>>(): OperatorFunction<R, MetadataFor<R>> {
    // the metadata carries each record's own context, so it is MetadataFor<R> by construction
    return produceThrough<C>({
      accept: (record, sink, index) => this.collect(record, sink, index),
      flush: () => this.flushBatches(),
    }) as unknown as OperatorFunction<R, MetadataFor<R>>;
  }

  /** Observer side: `records$.subscribe(producer)`. Failures go to errors$. */
  next(record: ProducerRecord): void {
    this.collect(record, this.observerSink, this.observed++);
  }

  /** A single record of a stream, into the burst it arrives in; refused at once while closing. */
  private collect(record: ProducerRecord, sink: RecordSink, index: number): void {
    const refusal = this.refusal();
    if (refusal !== null) sink.failed(index, record, refusal);
    else this.burst.add(record, sink, index);
  }

  private readonly observerSink: RecordSink = {
    wantsRecord: true,
    failed: (_index, source, error) => {
      this.failures.next(error instanceof DeliveryError ? error : new DeliveryError(source ?? { topic: '', value: null }, error));
    },
  };

  error(err: unknown): void {
    this.failures.next(new DeliveryError({ topic: '', value: null }, err));
  }

  complete(): void {
    void this.flush();
  }

  /** Resolves once every record accepted so far has its outcome. */
  flush(): Promise<void> {
    // the records of the burst under way were given before this call: counted in its epoch
    this.burst.flush();
    const epoch = this.epochs.advance();
    this.flushBatches();
    return new Promise((resolve) => {
      this.flushWaiters.push({ epoch, resolve });
      this.checkFlushes();
    });
  }

  /**
   * Flushes (every record accepted so far gets its outcome, within deliveryTimeoutMs), then
   * refuses new records and lets go of every timer. Closing the client does this too.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    await this.flush();
    this.release();
    this.accumulator.close();
    this.sender.close();
    this.topics.close();
    this.intake.close();
    this.changes.complete();
    this.failures.complete();
  }

  /** Closes every held batch, then drains once, so batches for one broker share a request. */
  private flushBatches(): void {
    this.burst.flush();
    this.sender.hold();
    try {
      this.accumulator.flush();
    } finally {
      this.sender.release();
    }
  }

  // ---- admission ----------------------------------------------------------------------------

  /** Takes one record in; its outcome goes to `sink` (synchronously for records refused at once). */
  private accept(record: ProducerRecord, sink: RecordSink, index: number, now: number): void {
    const epoch = this.epochs.current;
    const pending = this.check(record, sink, index, now, this.refusal(), epoch);
    if (pending === null) return;
    this.epochs.count(epoch, 1);
    this.admit(pending);
  }

  /** Why nothing is accepted now (closing or closed, or fenced for good), if that is so. */
  private refusal(): Error | null {
    // refused from the moment close() begins, so the flush it waits for covers every record taken
    return this.closing !== null ? new ProducerClosedError() : this.sender.fatalError;
  }

  /** The record in bytes, or null after telling its sink why it cannot be taken. */
  private check(
    record: ProducerRecord, sink: RecordSink, index: number, now: number, refusal: Error | null, epoch: number,
  ): PendingRecord | null {
    try {
      if (refusal) throw refusal;
      return toPending(record, now, sink, index, epoch);
    } catch (e) {
      sink.failed(index, record, e as Error);
      return null;
    }
  }

  /**
   * An accepted, counted record: refused if too large, else in line for buffer memory, within
   * maxWaitingBytes. Placed at once, it closes its batch where its partition is idle.
   */
  private admit(pending: PendingRecord): void {
    if (!this.refusedAsTooLarge(pending)) this.arriving(() => this.intake.add(pending));
  }

  /** A record too large for any request fails alone (true), before it takes buffer room. */
  private refusedAsTooLarge(r: PendingRecord): boolean {
    if (r.size <= this.config.maxRequestBytes) return false;
    this.fail(r, new RecordTooLargeError(r.size, this.config.maxRequestBytes));
    return true;
  }

  /** A record failed before reaching a batch: counted for flush(), then told to its sink. */
  private fail(r: PendingRecord, error: Error): void {
    const drained = this.epochs.uncount(r.epoch, 1);
    try {
      r.sink.failed(r.index, r.source, error);
    } finally {
      if (drained) this.checkFlushes();
    }
  }

  /**
   * Every record of a finished batch hears its outcome; the batch's memory is freed. The flush
   * accounting is done per run of records from one epoch (a batch is mostly one), not per record.
   */
  private readonly report = (batch: ProducerBatch, error: Error | null, baseOffset: bigint, logAppendTime: number): void => {
    const { sources, indices, runEnds, runSinks, runEpochs } = batch.receipts;
    let drained = false;
    for (let k = 0, from = 0; k < runEnds.length; from = runEnds[k++]) {
      drained = this.epochs.uncount(runEpochs[k], runEnds[k] - from) || drained;
    }
    const ack = new BatchAck(batch.topic, batch.partition, batch.receipts, baseOffset, logAppendTime);
    try {
      for (let k = 0, i = 0; k < runEnds.length; k++) {
        const sink = runSinks[k];
        const end = runEnds[k];
        if (error !== null) {
          for (; i < end; i++) sink.failed(indices[i], sources?.[i] ?? null, error);
        } else if (sink.acknowledged !== undefined) {
          sink.acknowledged(ack, i, end);
          i = end;
        } else if (sink.delivered === undefined) {
          i = end;
        } else {
          for (; i < end; i++) {
            const source = sources?.[i] ?? null;
            try {
              sink.delivered(indices[i], source, ack.topic, ack.partition, ack.offsetAt(i), ack.timestampAt(i));
            } catch (e) {
              // the user's code (a context getter) threw as the metadata was made: that record
              // fails alone; the others of the batch still hear their outcome
              sink.failed(indices[i], source, contextUnreadable(e));
            }
          }
        }
      }
    } finally {
      // acknowledged in answer to its only send: nothing reads its bytes any more
      if (error === null && batch.attempts === 1 && batch.encoded !== null) this.buffers.give(batch.encoded);
      this.memory.release(batch.bytes);
      if (drained) this.checkFlushes();
    }
  };

  /** A record that holds buffer memory but fails before reaching a batch gives it back. */
  private failHeld(r: PendingRecord, error: Error): void {
    this.memory.release(r.size);
    this.fail(r, error);
  }

  private onTopic(topic: string, info: TopicInfo | null, error: KafkaError | null): void {
    if (this.placement.topicKnown(topic, info, error) > 0 && info !== null) this.flushIfAsked();
    this.sender.drain();
  }

  /**
   * Records placed late (after their topic's metadata or buffer room came) while a flush() waits
   * go out at once, not after lingerMs: the flush covers them (as the Java client's flush does).
   */
  private flushIfAsked(): void {
    if (this.flushWaiters.length > 0) this.flushBatches();
  }

  // ---- batches ------------------------------------------------------------------------------

  private onBatch(topic: string, partition: number, records: EncodedRecords, receipts: Receipts, bytes: number): void {
    const info = this.topics.get(topic);
    if (info) this.partitioner.onNewBatch(topic, partition, info.partitions, info.available);
    const batch = new ProducerBatch(topic, partition, records, receipts, -1, NO_IDENTITY.producerId, NO_IDENTITY.producerEpoch, this.config.transactionalId !== null, bytes);
    batch.reporter = this.report;
    this.sequencing.add(batch);
  }

  /** Puts the header on a stamped batch and hands it to the sender. */
  private dispatch(batch: ProducerBatch): void {
    this.sender.add(batch);
    seal(
      batch,
      this.config.compression,
      this.buffers,
      () => this.sender.drain(),
      (e) => this.sender.fail(batch, e),
    );
  }

  private checkFlushes(): void {
    if (this.flushWaiters.length === 0) return;
    const oldest = this.epochs.oldest();
    const still: typeof this.flushWaiters = [];
    for (const w of this.flushWaiters) {
      if (oldest > w.epoch) w.resolve();
      else still.push(w);
    }
    this.flushWaiters = still;
  }
}
