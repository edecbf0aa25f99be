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
import type { TopicRegistry } from './topics.js';

/** Between sends of a failed batch: the Java client's retry.backoff.ms and retry.backoff.max.ms. */
const RETRY_BACKOFF = { initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2, jitter: 0.2 } as const;

/** The batches of one partition not yet acknowledged, in send order. */
class PartitionQueue {
  readonly batches: ProducerBatch[] = [];
  inFlight = 0;

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

/** Gate for transactional sends: a partition must be in the transaction before its batches go. */
export interface PartitionGate {
  /** True when the partition may be written now; otherwise arranges for it and calls wake() later. */
  ready(topic: string, partition: number): boolean;
}

/**
 * Moves closed batches to their partition leaders: the next batch of every partition led by
 * a broker goes in one Produce request, at most maxInFlight requests per broker. A partition
 * has one batch in flight at a time, so a retried batch can never land behind a later one,
 * whatever the broker checks: order holds with and without idempotence (and with
 * idempotence, the broker's sequence dedupe makes the retry exact). Throughput per partition
 * comes from batch size (batchBytes), not from pipelining. Retriable failures go back with
 * backoff until deliveryTimeoutMs; leadership errors refresh metadata first.
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
  private encodedWaiters: Array<() => void> = [];
  readonly counters: SenderCounters = { requests: 0, retries: 0, errors: 0 };

  constructor(
    private readonly client: ClusterClient,
    private readonly config: ResolvedProducerConfig,
    private readonly scheduler: SchedulerLike,
    private readonly topics: TopicRegistry,
    private readonly changed: () => void,
    private readonly gate: PartitionGate | null,
    /**
     * Told when a batch of a non-transactional idempotent producer fails for good: its sequences
     * are then missing from the log, so every later batch of its partition would be out of order.
     */
    private readonly sequenceGap: ((batch: ProducerBatch) => void) | null = null,
    /** Splits a batch the broker refused as too large into two, in order, encoded and ready. */
    private readonly split: ((batch: ProducerBatch) => Promise<ProducerBatch[]>) | null = null,
  ) {}

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
    const key = `${batch.topic}\u0000${batch.partition}`;
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

  /**
   * Calls `callback` once no queued batch is still encoding (requests in flight do not matter):
   * with the sender held, the batches not in flight then stay as they are until release().
   */
  whenEncoded(callback: () => void): void {
    this.encodedWaiters.push(callback);
    this.checkEncoded();
  }

  private checkEncoded(): void {
    if (this.encodedWaiters.length === 0) return;
    for (const q of this.queues.values()) if (q.batches.some((b) => b.state === 'encoding')) return;
    const waiters = this.encodedWaiters;
    this.encodedWaiters = [];
    for (const w of waiters) w();
  }

  /** The batches waiting to be sent (not in flight, not done), in send order per partition. */
  queued(): ProducerBatch[] {
    const out: ProducerBatch[] = [];
    for (const q of this.queues.values()) for (const b of q.batches) if (b.state === 'ready' || b.state === 'encoding') out.push(b);
    return out;
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
    // settled requests and finished encodings come through here: an idle waiter may be due
    this.checkEncoded();
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
    const perBroker = new Map<number, ProducerBatch[]>();
    let nextWake = Infinity;
    for (const [key, q] of this.queues) {
      // an expiry can hold the sender (sequence gap): then nothing more goes until release()
      if (this.held > 0) return;
      nextWake = Math.min(nextWake, this.expire(q, now));
      if (q.batches.length === 0) {
        if (q.inFlight === 0) this.queues.delete(key);
        continue;
      }
      if (q.inFlight > 0) continue;
      const candidate = q.batches[0];
      if (candidate.state !== 'ready') continue; // still encoding: it goes first once encoded
      if (candidate === undefined) continue;
      if (candidate.retryAt > now) {
        nextWake = Math.min(nextWake, candidate.retryAt);
        continue;
      }
      const leader = this.topics.leader(q.topic, q.partition);
      if (leader < 0) {
        this.topics.refresh(q.topic);
        nextWake = Math.min(nextWake, now + this.config.lingerMs + 50);
        continue;
      }
      if (this.gate !== null && !this.gate.ready(q.topic, q.partition)) continue;
      let list = perBroker.get(leader);
      if (list === undefined) {
        list = [];
        perBroker.set(leader, list);
      }
      list.push(candidate);
    }
    if (this.held > 0) return;
    for (const [broker, candidates] of perBroker) {
      let at = 0;
      while (at < candidates.length && (this.brokerInFlight.get(broker) ?? 0) < this.config.maxInFlight) {
        const batches: ProducerBatch[] = [];
        let bytes = 0;
        while (at < candidates.length) {
          const size = candidates[at].encoded?.length ?? 0;
          if (batches.length > 0 && bytes + size > this.config.maxRequestBytes) break;
          batches.push(candidates[at++]);
          bytes += size;
        }
        this.send(broker, batches);
      }
    }
    this.scheduleWake(nextWake);
  }

  /**
   * Fails batches past their delivery deadline; returns the earliest deadline still ahead.
   * Without idempotence a batch in flight is abandoned at its deadline too (its answer, when it
   * comes, is dropped; the records may have been written, as after any timeout). With
   * idempotence its answer is waited for, at most the request's own timeout: reporting it
   * failed while it may still be written would break exactly-once.
   */
  private expire(q: PartitionQueue, now: number): number {
    let next = Infinity;
    let expired: ProducerBatch[] | null = null;
    for (const b of q.batches) {
      if (b.state !== 'ready' && b.state !== 'encoding' && (b.state !== 'in-flight' || this.config.idempotent)) continue;
      const deadline = b.createdAt + this.config.deliveryTimeoutMs;
      if (now >= deadline) (expired ??= []).push(b);
      else next = Math.min(next, deadline);
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
    return this.queues.get(`${b.topic}\u0000${b.partition}`);
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
      const { action, refreshMetadata } = classifyProduceAnswer(code, {
        count: b.count,
        idempotent: this.config.idempotent,
        transactional: this.config.transactionalId !== null,
        canSplit: this.split !== null,
      });
      if (refreshMetadata) this.topics.refresh(b.topic, code);
      if (action === 'done') {
        this.finish(q, b, null, code === 0 ? pr.baseOffset : -1n, Number(pr.logAppendTimeMs));
        continue;
      }
      const error = kafkaErrorFromCode(code, `${b.topic}[${b.partition}]${pr.errorMessage ? `: ${pr.errorMessage}` : ''}`);
      if (action === 'split' && this.split !== null) this.splitInPlace(q, b, error, this.split);
      else if (action === 'fenced') {
        this.finish(q, b, new ProducerFencedError(error.message), -1n, -1);
        this.stop(new ProducerFencedError(error.message));
      } else if (action === 'retry') this.retryOrFail(q, b, error);
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

  private retryOrFail(q: PartitionQueue, b: ProducerBatch, cause: unknown): void {
    const now = this.scheduler.now();
    const delay = backoffDelay(b.attempts, RETRY_BACKOFF, this.config.random);
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
  }

  close(): void {
    this.wake?.unsubscribe();
    this.wake = null;
  }
}
