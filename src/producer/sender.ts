import type { SchedulerLike, Subscription } from 'rxjs';
import type { ClusterClient } from '../cluster/index.js';
import { asKafkaError, KafkaError } from '../errors.js';
import { isRetriableError } from '../operators/retriable.js';
import { backoffDelay } from '../operators/retry-backoff.js';
import { kafkaErrorFromCode } from '../protocol/error-codes.js';
import { Produce, type ProduceResponse } from '../protocol/messages/index.js';
import type { ResolvedProducerConfig } from './config.js';
import { DeliveryTimeoutError, ProducerFencedError } from './errors.js';
import { classifyProduceAnswer } from './produce-answer.js';
import type { ProducerBatch } from './producer-batch.js';
import { partitionKey } from '../topic-partition.js';
import type { TopicRegistry } from './topics.js';

/** Between sends of a failed batch: the Java client's retry.backoff.ms and retry.backoff.max.ms. */
const RETRY_BACKOFF = { initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2, jitter: 0.2 } as const;

/** The batches of one partition not yet acknowledged, in send order. */
class PartitionQueue {
  readonly batches: ProducerBatch[] = [];
  inFlight = 0;
  /**
   * The producer id and epoch of the last batch the broker took. A batch of another stamp (the
   * first of a producer id, or of an epoch) goes alone: a broker without state for it takes only
   * sequence 0, and one that wrote a later sequence first would break the order.
   */
  acceptedId = -1n;
  acceptedEpoch = -1;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}
}

export interface SenderCounters {
  requests: number;
  retries: number;
  errors: number;
}

/**
 * Gate for a partition's sends: a transaction's partition must be in the transaction, and a
 * partition whose sequences have a gap must move to a new epoch, before its batches go.
 */
export interface PartitionGate {
  /** True when the partition may be written now; otherwise arranges for it and calls wake() later. */
  ready(topic: string, partition: number): boolean;
}

/**
 * Moves closed batches to their partition leaders, at most maxInFlight Produce requests per
 * broker, each carrying at most one batch per partition (the broker takes one per partition).
 *
 * With idempotence a partition pipelines: up to maxInFlight of its batches are in flight at
 * once, in sequence order, and the broker's sequence checks keep them in order and free of
 * duplicates. A batch that comes back to be sent again goes alone, once nothing before it is
 * in flight, and nothing after it goes until it is answered: so resends go in sequence order,
 * and the batches behind a failed one (refused as out of order) follow it one by one.
 * Without idempotence nothing would stop a resend from landing behind a later batch, so each
 * partition has one batch in flight at a time: order holds, throughput comes from batch size.
 *
 * Retriable failures go back with backoff until deliveryTimeoutMs; leadership errors refresh
 * metadata first.
 */
export class Sender {
  private readonly queues = new Map<string, PartitionQueue>();
  private readonly brokerInFlight = new Map<number, number>();
  private wake: Subscription | null = null;
  private wakeAt = Infinity;
  private draining = false;
  private again = false;
  private held = 0;
  private fatal: Error | null = null;
  /** Batches of one partition in flight at once. */
  private readonly window: number;
  readonly counters: SenderCounters = { requests: 0, retries: 0, errors: 0 };

  constructor(
    private readonly client: ClusterClient,
    private readonly config: ResolvedProducerConfig,
    private readonly scheduler: SchedulerLike,
    private readonly topics: TopicRegistry,
    private readonly changed: () => void,
    private readonly gate: PartitionGate,
    /**
     * Told when a batch of a non-transactional idempotent producer fails for good: its sequences
     * are then missing from the log, so every later batch of its partition would be out of order.
     */
    private readonly sequenceGap: ((batch: ProducerBatch) => void) | null = null,
    /** Splits a batch the broker refused as too large into two, in order, encoded and ready. */
    private readonly split: ((batch: ProducerBatch) => Promise<ProducerBatch[]>) | null = null,
    /** Told when a partition's last batch is done: nothing of it is in flight or waiting any more. */
    private readonly idle: ((topic: string, partition: number) => void) | null = null,
  ) {
    // maxInFlight is at most 5 with idempotence (config.ts): what brokers keep for dedupe
    this.window = config.idempotent ? config.maxInFlight : 1;
  }

  get inFlightRequests(): number {
    let n = 0;
    for (const v of this.brokerInFlight.values()) n += v;
    return n;
  }

  get pendingBatches(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.batches.length;
    return n;
  }

  /** The error that stopped this producer for good (fencing), if any. */
  get fatalError(): Error | null {
    return this.fatal;
  }

  /** Queues a batch (still encoding); `ready()` is called by the owner when its bytes exist. */
  add(batch: ProducerBatch): void {
    if (this.fatal) {
      batch.complete(this.fatal, -1n, -1);
      return;
    }
    const key = partitionKey(batch.topic, batch.partition);
    let q = this.queues.get(key);
    if (q === undefined) {
      q = new PartitionQueue(batch.topic, batch.partition);
      this.queues.set(key, q);
    }
    q.batches.push(batch);
  }

  /** Fails every batch not yet acknowledged, and refuses new ones. */
  stop(error: Error): void {
    this.fatal ??= error;
    for (const q of this.queues.values()) {
      for (const b of q.batches) if (b.state !== 'in-flight') b.complete(error, -1n, -1);
      q.batches.splice(0, q.batches.length, ...q.batches.filter((b) => b.state === 'in-flight'));
    }
    this.changed();
  }

  /** Whether a batch of the partition is in flight or still encoding. */
  busy(topic: string, partition: number): boolean {
    const q = this.queues.get(partitionKey(topic, partition));
    return q !== undefined && (q.inFlight > 0 || q.batches.some((b) => b.state === 'encoding'));
  }

  /** Whether one more batch of the partition would go at once: its batches in flight and waiting leave a place in its window. */
  hasRoom(topic: string, partition: number): boolean {
    return this.queued(topic, partition) < this.window;
  }

  /** Whether nothing of the partition is in flight or waiting to be sent. */
  isIdle(topic: string, partition: number): boolean {
    return this.queued(topic, partition) === 0;
  }

  /** The partition's batches not yet done: in flight, waiting, or encoding. */
  private queued(topic: string, partition: number): number {
    return this.queues.get(partitionKey(topic, partition))?.batches.length ?? 0;
  }

  /** The partition's batches waiting to be sent (not in flight, not done), in send order. */
  queuedOf(topic: string, partition: number): ProducerBatch[] {
    return this.queues.get(partitionKey(topic, partition))?.batches.filter((b) => b.state === 'ready' || b.state === 'encoding') ?? [];
  }

  /** Defers drains until release(): batches closing together then share requests. */
  hold(): void {
    this.held++;
  }

  release(): void {
    if (--this.held === 0) this.drain();
  }

  /** Sends what can be sent now. Re-entrant calls are folded into one more pass. */
  drain(): void {
    if (this.held > 0) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = true;
    try {
      do {
        this.again = false;
        this.pass();
      } while (this.again);
    } finally {
      this.draining = false;
    }
  }

  private pass(): void {
    const now = this.scheduler.now();
    /** Per broker, per partition: the batches that may go now, in sequence order. */
    const perBroker = new Map<number, ProducerBatch[][]>();
    let nextWake = Infinity;
    for (const q of this.queues.values()) {
      // a partition's queue stays when empty: it remembers the stamp the broker took last
      if (q.batches.length === 0) continue;
      nextWake = Math.min(nextWake, this.expire(q, now));
      if (q.inFlight >= this.window) continue;
      const first = this.nextToSend(q);
      if (first === undefined) continue;
      if (first.retryAt > now) {
        nextWake = Math.min(nextWake, first.retryAt);
        continue;
      }
      const leader = this.topics.leader(q.topic, q.partition);
      if (leader < 0) {
        this.topics.refresh(q.topic);
        nextWake = Math.min(nextWake, now + this.config.lingerMs + 50);
        continue;
      }
      if (!this.gate.ready(q.topic, q.partition)) continue;
      const ready = this.sendable(q, now);
      if (ready.length === 0) continue;
      let lists = perBroker.get(leader);
      if (lists === undefined) {
        lists = [];
        perBroker.set(leader, lists);
      }
      lists.push(ready);
    }
    for (const [broker, lists] of perBroker) {
      // one request takes the next batch of each partition, the next request the one after
      let round = 0;
      let at = 0;
      while ((this.brokerInFlight.get(broker) ?? 0) < this.config.maxInFlight) {
        const batches: ProducerBatch[] = [];
        let bytes = 0;
        for (; at < lists.length; at++) {
          const b = lists[at][round];
          if (b === undefined) continue;
          const size = b.encoded?.length ?? 0;
          if (batches.length > 0 && bytes + size > this.config.maxRequestBytes) break;
          batches.push(b);
          bytes += size;
        }
        if (at === lists.length) {
          at = 0;
          round++;
        }
        if (batches.length > 0) this.send(broker, batches);
        else if (lists.every((l) => l.length <= round)) break;
      }
    }
    this.scheduleWake(nextWake);
  }

  /** The partition's first batch not in flight, if it is ready to go (in order: one still encoding holds the rest). */
  private nextToSend(q: PartitionQueue): ProducerBatch | undefined {
    for (const b of q.batches) {
      if (b.state === 'in-flight') continue;
      return b.state === 'ready' ? b : undefined;
    }
    return undefined;
  }

  /**
   * The partition's batches that may go now, in order, within its window: a resend, or the
   * first batch of a stamp, only once nothing of the partition is in flight, and then alone.
   */
  private sendable(q: PartitionQueue, now: number): ProducerBatch[] {
    const out: ProducerBatch[] = [];
    let inFlight = q.inFlight;
    for (const b of q.batches) {
      if (inFlight >= this.window) break;
      if (b.state === 'in-flight') continue;
      if (b.state !== 'ready' || b.retryAt > now) break;
      const alone = b.isResend || (this.config.idempotent && (b.producerId !== q.acceptedId || b.producerEpoch !== q.acceptedEpoch));
      if (alone && inFlight > 0) break;
      out.push(b);
      inFlight++;
      if (alone) break;
    }
    return out;
  }

  /**
   * Fails batches past their delivery deadline; returns the earliest deadline still ahead.
   * Without idempotence a batch in flight is abandoned at its deadline too (its answer, when it
   * comes, is dropped; the records may have been written, as after any timeout). With
   * idempotence its answer is waited for, at most the request's own timeout: reporting it
   * failed while it may still be written would break exactly-once.
   *
   * A partition's batches are in the order their first records came, so the scan stops at the
   * first one that may expire and is not due: the rest are due later. (A pass runs for every
   * answer; scanning thousands of queued batches each time cost more than sending them.)
   */
  private expire(q: PartitionQueue, now: number): number {
    let next = Infinity;
    let expired: ProducerBatch[] | null = null;
    for (const b of q.batches) {
      if (b.state !== 'ready' && b.state !== 'encoding' && (b.state !== 'in-flight' || this.config.idempotent)) continue;
      const deadline = b.createdAt + this.config.deliveryTimeoutMs;
      if (now < deadline) {
        next = deadline;
        break;
      }
      (expired ??= []).push(b);
    }
    // finished after the scan: finishing takes a batch out of the queue being scanned
    if (expired !== null) for (const b of expired) this.finish(q, b, new DeliveryTimeoutError(this.config.deliveryTimeoutMs), -1n, -1);
    return next;
  }

  private scheduleWake(at: number): void {
    if (at === Infinity || at >= this.wakeAt) return;
    this.wake?.unsubscribe();
    this.wakeAt = at;
    this.wake = this.scheduler.schedule(() => {
      this.wake = null;
      this.wakeAt = Infinity;
      this.drain();
    }, Math.max(0, at - this.scheduler.now()));
  }

  private queueOf(b: ProducerBatch): PartitionQueue | undefined {
    return this.queues.get(partitionKey(b.topic, b.partition));
  }

  private send(broker: number, batches: ProducerBatch[]): void {
    const byTopic = new Map<string, Array<{ index: number; records: Buffer | null }>>();
    for (const b of batches) {
      b.sent();
      const q = this.queueOf(b);
      if (q) q.inFlight++;
      let list = byTopic.get(b.topic);
      if (list === undefined) {
        list = [];
        byTopic.set(b.topic, list);
      }
      list.push({ index: b.partition, records: b.encoded });
    }
    this.brokerInFlight.set(broker, (this.brokerInFlight.get(broker) ?? 0) + 1);
    this.counters.requests++;
    this.changed();
    const acks = this.config.acks;
    let answered = false;
    this.client
      .request(
        { nodeId: broker },
        Produce,
        {
          transactionalId: this.config.transactionalId,
          acks,
          timeoutMs: this.config.requestTimeoutMs,
          topicData: [...byTopic].map(([name, partitionData]) => ({ name, partitionData })),
        },
        { expectResponse: acks !== 0, retry: false, timeoutMs: this.config.requestTimeoutMs + 5000 },
      )
      .subscribe({
        next: (res) => {
          answered = true;
          this.settle(broker, batches, res);
        },
        error: (e: unknown) => {
          answered = true;
          this.settleFailure(broker, batches, e);
        },
        complete: () => {
          if (!answered) this.settle(broker, batches, null);
        },
      });
  }

  private requestDone(broker: number, batches: readonly ProducerBatch[]): void {
    this.brokerInFlight.set(broker, (this.brokerInFlight.get(broker) ?? 1) - 1);
    for (const b of batches) {
      const q = this.queueOf(b);
      if (q) q.inFlight--;
    }
  }

  /** `res` null: acks=0, no answer comes; the records count as sent. */
  private settle(broker: number, batches: readonly ProducerBatch[], res: ProduceResponse | null): void {
    this.requestDone(broker, batches);
    for (const b of batches) {
      const q = this.queueOf(b);
      // abandoned at its deadline while in flight: its outcome was told already
      if (q === undefined || b.state === 'done') continue;
      if (res === null) {
        this.finish(q, b, null, -1n, -1);
        continue;
      }
      const pr = res.responses.find((t) => t.name === b.topic)?.partitionResponses.find((p) => p.index === b.partition);
      if (pr === undefined) {
        this.retryOrFail(q, b, kafkaErrorFromCode(-1, `${b.topic}[${b.partition}]: no answer for this partition`));
        continue;
      }
      const code = pr.errorCode;
      const { action, refreshMetadata, immediate } = classifyProduceAnswer(code, {
        count: b.count,
        idempotent: this.config.idempotent,
        transactional: this.config.transactionalId !== null,
        canSplit: this.split !== null,
      });
      if (refreshMetadata) this.topics.refresh(b.topic, code);
      if (action === 'done') {
        q.acceptedId = b.producerId;
        q.acceptedEpoch = b.producerEpoch;
        this.finish(q, b, null, code === 0 ? pr.baseOffset : -1n, Number(pr.logAppendTimeMs));
        continue;
      }
      const error = kafkaErrorFromCode(code, `${b.topic}[${b.partition}]${pr.errorMessage ? `: ${pr.errorMessage}` : ''}`);
      if (action === 'split' && this.split !== null) this.splitInPlace(q, b, error, this.split);
      else if (action === 'fenced') {
        this.finish(q, b, new ProducerFencedError(error.message), -1n, -1);
        this.stop(new ProducerFencedError(error.message));
      } else if (action === 'retry') this.retryOrFail(q, b, error, immediate);
      else this.finish(q, b, error, -1n, -1);
    }
    this.drain();
  }

  private settleFailure(broker: number, batches: readonly ProducerBatch[], e: unknown): void {
    this.requestDone(broker, batches);
    for (const b of batches) {
      const q = this.queueOf(b);
      if (q === undefined || b.state === 'done') continue;
      if (isRetriableError(e)) this.retryOrFail(q, b, e);
      else this.finish(q, b, asKafkaError(e), -1n, -1);
    }
    this.drain();
  }

  /**
   * A batch above the broker's max.message.bytes goes again as two halves, in its place (as
   * the Java client does): it was not written, so the halves keep its sequences. Each half
   * that is still too large is split again; a single record that is too large fails. While
   * splitting, the batch is 'encoding', which holds its partition back and keeps its deadline.
   */
  private splitInPlace(q: PartitionQueue, b: ProducerBatch, cause: Error, split: (batch: ProducerBatch) => Promise<ProducerBatch[]>): void {
    b.splitting();
    this.counters.retries++;
    this.changed();
    split(b).then(
      (parts) => {
        const at = q.batches.indexOf(b);
        // ended meanwhile (deadline, a fatal error): its records have their outcome already
        if (at < 0 || b.state === 'done') return;
        q.batches.splice(at, 1, ...parts);
        this.drain();
      },
      (e: unknown) => {
        if (b.state === 'done') return;
        this.finish(q, b, new KafkaError(`${cause.message}; splitting the batch failed`, { cause: e }), -1n, -1);
        this.drain();
      },
    );
  }

  private retryOrFail(q: PartitionQueue, b: ProducerBatch, cause: unknown, immediate = false): void {
    const now = this.scheduler.now();
    const delay = immediate ? 0 : backoffDelay(b.attempts, RETRY_BACKOFF, this.config.random);
    if (now + delay - b.createdAt >= this.config.deliveryTimeoutMs) {
      this.finish(q, b, new DeliveryTimeoutError(this.config.deliveryTimeoutMs, cause), -1n, -1);
      return;
    }
    this.counters.retries++;
    b.retryFrom(now + delay);
    this.changed();
  }

  /** A batch that cannot be sent at all (its encoding failed): it fails and leaves its queue. */
  fail(b: ProducerBatch, error: Error): void {
    const q = this.queueOf(b);
    if (q === undefined) b.complete(error, -1n, -1);
    else this.finish(q, b, error, -1n, -1);
    this.drain();
  }

  private finish(q: PartitionQueue, b: ProducerBatch, error: Error | null, baseOffset: bigint, appendTime: number): void {
    const at = q.batches.indexOf(b);
    if (at >= 0) q.batches.splice(at, 1);
    if (error !== null) this.counters.errors++;
    if (error !== null && b.baseSequence >= 0 && this.config.transactionalId === null) this.sequenceGap?.(b);
    b.complete(error, baseOffset, appendTime);
    this.changed();
    if (q.batches.length === 0) this.idle?.(q.topic, q.partition);
  }

  close(): void {
    this.wake?.unsubscribe();
    this.wake = null;
  }
}
