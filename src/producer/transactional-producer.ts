import { defer, firstValueFrom, type Observable, type SchedulerLike } from 'rxjs';
import type { ClusterClient, RequestTarget } from '../cluster/index.js';
import { asKafkaError, KafkaConfigError, KafkaError } from '../errors.js';
import { retryBackoff } from '../operators/retry-backoff.js';
import { isRetriableError } from '../operators/retriable.js';
import { ErrorCode, kafkaErrorFromCode } from '../protocol/error-codes.js';
import { AddOffsetsToTxn, AddPartitionsToTxn, EndTxn, TxnOffsetCommit } from '../protocol/messages/index.js';
import { resolveProducerConfig, type ProducerConfig, type ResolvedProducerConfig } from './config.js';
import { ProducerFencedError } from './errors.js';
import { initProducerId, type ProducerIdentity } from './identity.js';
import { Producer, type ProducerControl, type ProducerStats } from './producer.js';
import type { ProducerRecord, SendRecords } from './record.js';
import type { PartitionGate } from './sender.js';
import { partitionKey } from '../topic-partition.js';

/** Newer AddPartitionsToTxn versions are for brokers verifying, not for producers. */
const ADD_PARTITIONS_CLIENT_MAX_VERSION = 3;
/** EndTxn v5 (KIP-890) bumps the epoch on every end; this producer keeps one epoch per id. */
const END_TXN_MAX_VERSION = 4;

/**
 * Between tries to end a transaction, or to take over its id while the last one ends
 * (CONCURRENT_TRANSACTIONS): short, as the coordinator is usually a moment away from done.
 */
const PERSIST_BACKOFF = { initialDelayMs: 50, maxDelayMs: 1000, multiplier: 2, jitter: 0.2 } as const;

/** A consumer position to commit with the transaction (consume-transform-produce). */
export interface TransactionOffset {
  topic: string;
  partition: number;
  /** The next offset to consume (last processed + 1). */
  offset: bigint | number;
  metadata?: string | null;
}

/** What a transaction body gets: sends and offset commits that stand or fall together. */
export interface Transaction {
  send: SendRecords;
  sendOffsets(groupId: string, offsets: readonly TransactionOffset[]): Promise<void>;
}

/** A transaction that did not commit: what failed inside it. It was aborted. */
export class TransactionAbortedError extends KafkaError {
  override readonly name = 'TransactionAbortedError' as const;
  constructor(cause: unknown) {
    super(`transaction aborted: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * A commit was asked for, and no answer said whether it happened before the transaction
 * timeout ran out (the coordinator unreachable all along). The coordinator decides it on its
 * own: committed if the commit reached it, aborted otherwise. The producer takes its
 * transactional id again before the next transaction, which waits for that decision.
 */
export class TransactionOutcomeUnknownError extends KafkaError {
  override readonly name = 'TransactionOutcomeUnknownError' as const;
  constructor(cause: unknown) {
    super(`transaction outcome unknown: the commit was sent and never answered: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * Partitions join the open transaction before their first batch goes out: the sender asks
 * this gate, which sends AddPartitionsToTxn for the partitions it has not seen yet.
 */
class TransactionGate implements PartitionGate {
  readonly added = new Set<string>();
  private readonly wanted = new Map<string, { topic: string; partition: number }>();
  private adding = false;
  failure: Error | null = null;

  constructor(private readonly add: (parts: Array<{ topic: string; partition: number }>) => Promise<void>, private readonly wake: () => void) {}

  ready(topic: string, partition: number): boolean {
    const key = partitionKey(topic, partition);
    if (this.added.has(key)) return true;
    this.wanted.set(key, { topic, partition });
    this.flush();
    return false;
  }

  private flush(): void {
    if (this.adding || this.wanted.size === 0) return;
    const parts = [...this.wanted.entries()];
    this.wanted.clear();
    this.adding = true;
    this.add(parts.map(([, p]) => p)).then(
      () => {
        for (const [key] of parts) this.added.add(key);
        this.adding = false;
        this.flush();
        this.wake();
      },
      (e: unknown) => {
        this.adding = false;
        this.failure = asKafkaError(e);
        this.wake();
      },
    );
  }

  reset(): void {
    this.added.clear();
    this.wanted.clear();
    this.failure = null;
  }
}

/**
 * A producer whose sends happen inside transactions: all or nothing, together with consumer
 * offsets, read_committed consumers seeing only committed ones. A second producer with the
 * same transactionalId fences this one: it then fails with ProducerFencedError and sends no more.
 *
 * Composed over a Producer, which does the sending: this one owns the transactional id, the
 * transaction's state and its coordinator, and gives the producer its identity and the gate
 * partitions pass to join the transaction. Sending happens only through `transaction()`.
 */
export class TransactionalProducer {
  private readonly config: ResolvedProducerConfig;
  private readonly producer: Producer;
  private readonly control: ProducerControl;
  private readonly transactionalId: string;
  /** The transaction coordinator, as a target the client follows when it moves. */
  private readonly txnCoordinator: RequestTarget;
  private readonly gate: TransactionGate;
  private current: ProducerIdentity | null = null;
  private open = false;
  private txnFailures: Error[] = [];
  /** Whether an identity was taken before: a later one replaces it (the id taken again). */
  private identityKnown = false;

  /** The sending producer's counters and queue depths; emits on change. */
  readonly stats$: Observable<ProducerStats>;

  constructor(
    private readonly client: ClusterClient,
    config: ProducerConfig & { transactionalId?: string },
    private readonly scheduler: SchedulerLike,
  ) {
    this.config = resolveProducerConfig(config);
    if (this.config.transactionalId === null) throw new KafkaConfigError('transactionalId', 'is required for a transactional producer');
    this.transactionalId = this.config.transactionalId;
    this.txnCoordinator = { coordinator: { type: 'transaction', key: this.transactionalId } };
    // the Producer calls attach() from its constructor, before anything can use the control
    let control!: ProducerControl;
    this.gate = new TransactionGate(
      (parts) => this.addPartitions(parts),
      () => control.wake(),
    );
    this.producer = new Producer(client, config, scheduler, {
      gate: this.gate,
      obtainIdentity: () => this.ensureReady(),
      attach: (c) => (control = c),
    });
    this.control = control;
    this.stats$ = this.producer.stats$;
  }

  /** Resolves once every record sent so far has its outcome. */
  flush(): Promise<void> {
    return this.producer.flush();
  }

  /** Flushes, then lets go of every timer and refuses more. Closing the client does this too. */
  close(): Promise<void> {
    return this.producer.close();
  }

  /**
   * Runs `body` in a transaction: commits when it resolves and every record was acknowledged;
   * otherwise aborts and rejects with what went wrong (ProducerFencedError when fenced).
   */
  async transaction<T>(body: (tx: Transaction) => Promise<T>): Promise<T> {
    if (this.open) throw new KafkaError('a transaction is already open on this producer');
    await this.ensureReady();
    this.open = true;
    this.txnFailures = [];
    this.gate.reset();
    const tx: Transaction = {
      send: ((records: ProducerRecord | readonly ProducerRecord[]) => this.sendInTransaction(records)) as Transaction['send'],
      sendOffsets: (groupId, offsets) => this.sendOffsets(groupId, offsets),
    };
    try {
      let result: T;
      try {
        result = await body(tx);
        await this.flush();
        const failed = this.gate.failure ?? this.txnFailures[0];
        if (failed) throw failed;
      } catch (e) {
        await this.flush();
        if (this.fenced(e)) throw e;
        await this.abort();
        throw new TransactionAbortedError(e);
      }
      await this.commit();
      return result;
    } finally {
      this.open = false;
    }
  }

  /**
   * EndTxn(commit), asked again through timeouts, lost connections, coordinator moves and
   * CONCURRENT_TRANSACTIONS until its outcome is known: resolves once committed; rejects with
   * TransactionAbortedError when the coordinator refused it (nothing of it commits),
   * ProducerFencedError when another producer took the id, or TransactionOutcomeUnknownError
   * when no answer came within the transaction timeout.
   */
  private async commit(): Promise<void> {
    try {
      await this.endTransaction(true);
    } catch (e) {
      if (this.fenced(e)) throw e;
      this.retakeId();
      throw isRetriableError(e) ? new TransactionOutcomeUnknownError(e) : new TransactionAbortedError(e);
    }
  }

  /**
   * EndTxn(abort), persisting as commit() does. No commit was sent, so the transaction never
   * commits whatever the answer: if none comes, the coordinator aborts it at its timeout, and
   * the producer takes its id again (which aborts it at once) before the next transaction.
   */
  private async abort(): Promise<void> {
    try {
      await this.endTransaction(false);
    } catch (e) {
      if (this.fenced(e)) throw e;
      this.retakeId();
    }
  }

  /** The next transaction begins with InitProducerId, which waits for or aborts the last one. */
  private retakeId(): void {
    this.current = null;
  }

  private sendInTransaction(records: ProducerRecord | readonly ProducerRecord[]): Promise<unknown> {
    const sent = this.producer.send(records as ProducerRecord);
    sent.catch((e: unknown) => this.txnFailures.push(asKafkaError(e)));
    return sent;
  }

  private async ensureReady(): Promise<ProducerIdentity> {
    if (this.current) return this.current;
    const first = this.identityKnown === false;
    try {
      // the id's last transaction may still be ending (CONCURRENT_TRANSACTIONS): wait for it
      this.current = await this.persist(() =>
        initProducerId(this.client, this.txnCoordinator, this.transactionalId, this.config.transactionTimeoutMs),
      );
    } catch (e) {
      throw this.fencingOf(e);
    }
    if (!first) this.control.replaceIdentity(this.current);
    this.identityKnown = true;
    return this.current;
  }

  /**
   * `ask` again after each retriable failure, with a short backoff, until it settles or the
   * transaction timeout has passed; then its last failure.
   */
  private persist<T>(ask: () => Promise<T>): Promise<T> {
    const deadline = this.scheduler.now() + this.config.transactionTimeoutMs;
    return firstValueFrom(
      defer(ask).pipe(
        retryBackoff({
          ...PERSIST_BACKOFF,
          maxRetries: Infinity,
          scheduler: this.scheduler,
          random: this.config.random,
          shouldRetry: (e) => isRetriableError(e) && this.scheduler.now() < deadline,
        }),
      ),
    );
  }


  /** Asked again through CONCURRENT_TRANSACTIONS (the last transaction's markers still being written). */
  private async addPartitions(parts: Array<{ topic: string; partition: number }>): Promise<void> {
    const id = await this.ensureReady();
    const byTopic = new Map<string, number[]>();
    for (const p of parts) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    await this.persist(async () => {
      const res = await firstValueFrom(
        this.client.request(
          this.txnCoordinator,
          AddPartitionsToTxn,
          {
            v3AndBelowTransactionalId: this.transactionalId,
            v3AndBelowProducerId: id.producerId,
            v3AndBelowProducerEpoch: id.producerEpoch,
            v3AndBelowTopics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
          },
          { maxVersion: ADD_PARTITIONS_CLIENT_MAX_VERSION },
        ),
      );
      if (res.errorCode !== 0) throw this.fencingOf(kafkaErrorFromCode(res.errorCode, 'AddPartitionsToTxn'));
      for (const t of res.resultsByTopicV3AndBelow) {
        for (const p of t.resultsByPartition) {
          if (p.partitionErrorCode !== 0) throw this.fencingOf(kafkaErrorFromCode(p.partitionErrorCode, `AddPartitionsToTxn ${t.name}[${p.partitionIndex}]`));
        }
      }
    });
  }

  private async sendOffsets(groupId: string, offsets: readonly TransactionOffset[]): Promise<void> {
    if (!this.open) throw new KafkaError('sendOffsets outside a transaction');
    const id = await this.ensureReady();
    await this.persist(async () => {
      const added = await firstValueFrom(
        this.client.request(this.txnCoordinator, AddOffsetsToTxn, {
          transactionalId: this.transactionalId,
          producerId: id.producerId,
          producerEpoch: id.producerEpoch,
          groupId,
        }),
      );
      if (added.errorCode !== 0) throw this.fencingOf(kafkaErrorFromCode(added.errorCode, 'AddOffsetsToTxn'));
    });
    const byTopic = new Map<string, TransactionOffset[]>();
    for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
    await this.persist(async () => {
      const res = await firstValueFrom(
        this.client.request({ coordinator: { type: 'group', key: groupId } }, TxnOffsetCommit, {
          transactionalId: this.transactionalId,
          groupId,
          producerId: id.producerId,
          producerEpoch: id.producerEpoch,
          generationId: -1,
          memberId: '',
          groupInstanceId: null,
          topics: [...byTopic].map(([name, list]) => ({
            name,
            partitions: list.map((o) => ({
              partitionIndex: o.partition,
              committedOffset: BigInt(o.offset),
              committedLeaderEpoch: -1,
              committedMetadata: o.metadata ?? null,
            })),
          })),
        }),
      );
      for (const t of res.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== 0) throw this.fencingOf(kafkaErrorFromCode(p.errorCode, `TxnOffsetCommit ${t.name}[${p.partitionIndex}]`));
        }
      }
    });
  }

  /**
   * EndTxn until answered. A retry of an end that reached the coordinator is answered as that
   * end was (success once complete, CONCURRENT_TRANSACTIONS while it completes), so asking again
   * never turns a commit into anything else.
   */
  private async endTransaction(commit: boolean): Promise<void> {
    const id = await this.ensureReady();
    if (this.gate.added.size === 0 && !commit) return; // nothing reached the coordinator
    const what = commit ? 'EndTxn commit' : 'EndTxn abort';
    await this.persist(async () => {
      const res = await firstValueFrom(
        this.client.request(
          this.txnCoordinator,
          EndTxn,
          { transactionalId: this.transactionalId, producerId: id.producerId, producerEpoch: id.producerEpoch, committed: commit },
          { maxVersion: END_TXN_MAX_VERSION },
        ),
      );
      if (res.errorCode !== 0) throw this.fencingOf(kafkaErrorFromCode(res.errorCode, what));
    });
  }

  private fenced(e: unknown): boolean {
    return e instanceof ProducerFencedError;
  }

  /** Fencing codes end this producer for good; other errors pass through. */
  private fencingOf(e: unknown): Error {
    const code = e instanceof KafkaError ? e.code : -1;
    if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) {
      const fenced = new ProducerFencedError(`${this.transactionalId}: ${(e as Error).message}`);
      this.control.stop(fenced);
      return fenced;
    }
    return asKafkaError(e);
  }
}
