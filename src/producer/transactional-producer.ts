import { firstValueFrom, type SchedulerLike } from 'rxjs';
import type { ClusterClient, RequestTarget } from '../cluster/index.js';
import { asKafkaError, KafkaError } from '../errors.js';
import { ErrorCode, kafkaErrorFromCode } from '../protocol/error-codes.js';
import { AddOffsetsToTxn, AddPartitionsToTxn, EndTxn, TxnOffsetCommit } from '../protocol/messages/index.js';
import type { ProducerConfig } from './config.js';
import { ProducerFencedError } from './errors.js';
import { initProducerId, type ProducerIdentity } from './identity.js';
import { Producer } from './producer.js';
import type { MetadataFor, ProducerRecord, SendRecords } from './record.js';
import type { PartitionGate } from './sender.js';

/** Newer AddPartitionsToTxn versions are for brokers verifying, not for producers. */
const ADD_PARTITIONS_CLIENT_MAX_VERSION = 3;
/** EndTxn v5 (KIP-890) bumps the epoch on every end; this producer keeps one epoch per id. */
const END_TXN_MAX_VERSION = 4;

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
    const key = `${topic}\u0000${partition}`;
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
 */
export class TransactionalProducer extends Producer {
  private readonly transactionalId: string;
  /** The transaction coordinator, as a target the client follows when it moves. */
  private readonly txnCoordinator: RequestTarget;
  private readonly gate: TransactionGate;
  private current: ProducerIdentity | null = null;
  private open = false;
  private txnFailures: Error[] = [];

  constructor(client: ClusterClient, config: ProducerConfig & { transactionalId?: string }, scheduler: SchedulerLike) {
    const gate = new TransactionGate(
      (parts) => this.addPartitions(parts),
      () => this.sender.drain(),
    );
    super(client, config, scheduler, gate);
    this.gate = gate;
    this.transactionalId = this.resolvedConfig.transactionalId as string;
    this.txnCoordinator = { coordinator: { type: 'transaction', key: this.transactionalId } };
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
        if (!this.fenced(e)) await this.endTransaction(false);
        throw this.fenced(e) ? e : new TransactionAbortedError(e);
      }
      await this.endTransaction(true);
      return result;
    } finally {
      this.open = false;
    }
  }

  /** Outside transaction(): a transactional producer sends nothing. */
  override send<C = unknown, R extends ProducerRecord<C> = ProducerRecord<C>>(record: R): Promise<MetadataFor<R>>;
  override send<C = unknown, R extends ProducerRecord<C> = ProducerRecord<C>>(records: readonly R[]): Promise<Array<MetadataFor<R>>>;
  override send(): Promise<never> {
    return Promise.reject(new KafkaError('a transactional producer sends inside producer.transaction(...) only'));
  }

  private sendInTransaction(records: ProducerRecord | readonly ProducerRecord[]): Promise<unknown> {
    const sent = super.send(records as ProducerRecord);
    sent.catch((e: unknown) => this.txnFailures.push(asKafkaError(e)));
    return sent;
  }

  protected override async obtainIdentity(): Promise<ProducerIdentity> {
    return this.ensureReady();
  }

  private async ensureReady(): Promise<ProducerIdentity> {
    if (this.current) return this.current;
    try {
      this.current = await initProducerId(this.client, this.txnCoordinator, this.transactionalId, this.resolvedConfig.transactionTimeoutMs);
    } catch (e) {
      throw this.fencingOf(e);
    }
    return this.current;
  }


  private async addPartitions(parts: Array<{ topic: string; partition: number }>): Promise<void> {
    const id = await this.ensureReady();
    const byTopic = new Map<string, number[]>();
    for (const p of parts) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
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
  }

  private async sendOffsets(groupId: string, offsets: readonly TransactionOffset[]): Promise<void> {
    if (!this.open) throw new KafkaError('sendOffsets outside a transaction');
    const id = await this.ensureReady();
    const added = await firstValueFrom(
      this.client.request(this.txnCoordinator, AddOffsetsToTxn, {
        transactionalId: this.transactionalId,
        producerId: id.producerId,
        producerEpoch: id.producerEpoch,
        groupId,
      }),
    );
    if (added.errorCode !== 0) throw this.fencingOf(kafkaErrorFromCode(added.errorCode, 'AddOffsetsToTxn'));
    const byTopic = new Map<string, TransactionOffset[]>();
    for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
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
  }

  private async endTransaction(commit: boolean): Promise<void> {
    const id = await this.ensureReady();
    if (this.gate.added.size === 0 && !commit) return; // nothing reached the coordinator
    const res = await firstValueFrom(
      this.client.request(this.txnCoordinator, EndTxn, {
        transactionalId: this.transactionalId,
        producerId: id.producerId,
        producerEpoch: id.producerEpoch,
        committed: commit,
      }, { maxVersion: END_TXN_MAX_VERSION }),
    );
    if (res.errorCode !== 0) throw this.fencingOf(kafkaErrorFromCode(res.errorCode, commit ? 'EndTxn commit' : 'EndTxn abort'));
  }

  private fenced(e: unknown): boolean {
    return e instanceof ProducerFencedError;
  }

  /** Fencing codes end this producer for good; other errors pass through. */
  private fencingOf(e: unknown): Error {
    const code = e instanceof KafkaError ? e.code : -1;
    if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) {
      const fenced = new ProducerFencedError(`${this.transactionalId}: ${(e as Error).message}`);
      this.sender.stop(fenced);
      return fenced;
    }
    return asKafkaError(e);
  }
}
