import { timer, type Subscription } from 'rxjs';
import { ErrorCode } from '../../protocol/error-codes.js';
import { controlRecord, encodeRecordBatchSync, recordBatchInfo } from '../../protocol/records/index.js';
import type { CommittedOffset } from './offset-store.js';
import type { ClusterState, PartitionState } from './state.js';

/** Kafka's transaction.max.timeout.ms default. */
export const MAX_TRANSACTION_TIMEOUT_MS = 900_000;
/** Past this epoch a producer gets a new id instead of a bump (Kafka: Short.MAX_VALUE - 1). */
const LAST_EPOCH = 32766;
const NO_PRODUCER_ID = -1n;
const NO_EPOCH = -1;

/**
 * Markers are written synchronously here, so Kafka's PrepareCommit/PrepareAbort states never
 * outlive a request and are not modelled.
 */
export type TransactionState = 'Empty' | 'Ongoing' | 'CompleteCommit' | 'CompleteAbort';

export interface TransactionPartition {
  readonly topic: string;
  readonly partition: number;
  readonly state: PartitionState;
}

interface PendingOffset {
  readonly topic: string;
  readonly partition: number;
  readonly value: CommittedOffset;
}

export interface Transaction {
  readonly transactionalId: string;
  producerId: bigint;
  epoch: number;
  /** The epoch before the coordinator last bumped it on its own (timeout, fencing abort). */
  lastEpoch: number;
  timeoutMs: number;
  state: TransactionState;
  /** Keyed by the partition's state object, so the produce path checks membership in O(1). */
  readonly partitions: Map<PartitionState, TransactionPartition>;
  /** Consumer groups added by AddOffsetsToTxn. */
  readonly groups: Set<string>;
  /** TxnOffsetCommit offsets per group, per "topic:partition": visible only on commit. */
  readonly pendingOffsets: Map<string, Map<string, PendingOffset>>;
  timer: Subscription | null;
}

/** What a transactional request's (id, producer id, epoch) resolved to. */
export type Validated = { txn: Transaction; errorCode?: undefined } | { txn?: undefined; errorCode: number };

/**
 * The cluster's transaction coordinator and producer-id allocator: transactional ids with
 * their producer id and epoch, the partitions and groups of the open transaction, and the
 * transaction timeouts (on the cluster's scheduler, cancelled when the cluster stops).
 */
export class TransactionCoordinator {
  private readonly byId = new Map<string, Transaction>();
  private readonly byProducer = new Map<bigint, Transaction>();
  private nextProducerId = 1000n;

  constructor(private readonly cluster: ClusterState) {
    cluster.onStop(() => {
      for (const t of this.byId.values()) this.cancelTimer(t);
    });
  }

  allocateProducerId(): bigint {
    return this.nextProducerId++;
  }

  get(transactionalId: string): Transaction | undefined {
    return this.byId.get(transactionalId);
  }

  /** True when a transactional batch of (producerId, epoch) may go to `partition`. */
  inTransaction(producerId: bigint, epoch: number, partition: PartitionState): boolean {
    const t = this.byProducer.get(producerId);
    return t !== undefined && t.state === 'Ongoing' && t.epoch === epoch && t.partitions.has(partition);
  }

  /**
   * InitProducerId for a transactional id: a first producer gets a new id at epoch 0; a later
   * one the same id with the epoch bumped, which fences the previous one and aborts its open
   * transaction. `expected` (v3+) is the id and epoch the caller already holds, or -1/-1.
   */
  initProducer(
    transactionalId: string,
    timeoutMs: number,
    expected: { producerId: bigint; epoch: number },
    fencedCode: number,
  ): { errorCode: number; producerId: bigint; producerEpoch: number } {
    const fail = (errorCode: number) => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_EPOCH });
    let t = this.byId.get(transactionalId);
    if (t === undefined) {
      if (expected.producerId !== NO_PRODUCER_ID) return fail(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
      t = {
        transactionalId,
        producerId: this.allocateProducerId(),
        epoch: 0,
        lastEpoch: NO_EPOCH,
        timeoutMs,
        state: 'Empty',
        partitions: new Map(),
        groups: new Set(),
        pendingOffsets: new Map(),
        timer: null,
      };
      this.byId.set(transactionalId, t);
      this.byProducer.set(t.producerId, t);
      return { errorCode: 0, producerId: t.producerId, producerEpoch: t.epoch };
    }
    if (expected.producerId !== NO_PRODUCER_ID) {
      if (expected.producerId !== t.producerId) return fail(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
      if (expected.epoch !== t.epoch && expected.epoch !== t.lastEpoch) return fail(fencedCode);
    }
    if (t.state === 'Ongoing') {
      // The new producer fences the old one: abort its transaction under a bumped epoch, so
      // the partitions refuse the old epoch from now on. (At most LAST_EPOCH + 1: the id
      // rolls over only below, once no marker of the old id is still to be written.)
      t.epoch++;
      this.complete(t, false);
    }
    this.bumpEpoch(t);
    t.lastEpoch = NO_EPOCH;
    t.timeoutMs = timeoutMs;
    t.state = 'Empty';
    return { errorCode: 0, producerId: t.producerId, producerEpoch: t.epoch };
  }

  /** Resolves a request's (transactional id, producer id, epoch) to its transaction or an error. */
  validate(transactionalId: string, producerId: bigint, epoch: number, fencedCode: number): Validated {
    const t = this.byId.get(transactionalId);
    if (t === undefined || t.producerId !== producerId) return { errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING };
    if (epoch !== t.epoch) return { errorCode: fencedCode };
    return { txn: t };
  }

  /** Adds partitions (AddPartitionsToTxn), starting the transaction and its timeout if needed. */
  addPartitions(t: Transaction, partitions: readonly TransactionPartition[]): void {
    this.begin(t);
    for (const p of partitions) t.partitions.set(p.state, p);
  }

  /** Adds a consumer group's offsets to the transaction (AddOffsetsToTxn). */
  addGroup(t: Transaction, groupId: string): void {
    this.begin(t);
    t.groups.add(groupId);
  }

  /** Stages an offset (TxnOffsetCommit); it reaches the group's committed offsets on commit. */
  stageOffset(t: Transaction, groupId: string, topic: string, partition: number, value: CommittedOffset): void {
    let group = t.pendingOffsets.get(groupId);
    if (group === undefined) {
      group = new Map();
      t.pendingOffsets.set(groupId, group);
    }
    group.set(`${topic}:${partition}`, { topic, partition, value });
  }

  /**
   * EndTxn: writes the markers and settles the offsets. A retried end of a transaction that
   * already ended the same way succeeds again; the other way is INVALID_TXN_STATE.
   * `bumpAfter` (EndTxn v5): the producer continues with the next epoch.
   */
  end(t: Transaction, commit: boolean, bumpAfter: boolean): number {
    if (t.state === 'Ongoing') {
      this.complete(t, commit);
    } else if (t.state !== (commit ? 'CompleteCommit' : 'CompleteAbort')) {
      return ErrorCode.INVALID_TXN_STATE;
    }
    if (bumpAfter) {
      const ended = t.epoch;
      this.bumpEpoch(t);
      t.lastEpoch = ended;
    }
    return 0;
  }

  /**
   * A retried EndTxn v5 carries the epoch its first attempt ended (and bumped): it succeeds
   * again when the transaction ended the same way, answering the current epoch.
   */
  isEndRetry(transactionalId: string, producerId: bigint, epoch: number, commit: boolean): Transaction | undefined {
    const t = this.byId.get(transactionalId);
    if (t === undefined || t.producerId !== producerId || epoch !== t.lastEpoch) return undefined;
    return t.state === (commit ? 'CompleteCommit' : 'CompleteAbort') ? t : undefined;
  }

  private begin(t: Transaction): void {
    if (t.state === 'Ongoing') return;
    t.state = 'Ongoing';
    t.timer = timer(t.timeoutMs, this.cluster.scheduler).subscribe(() => {
      t.timer = null;
      this.expire(t);
    });
  }

  /** The transaction outlived its timeout: the coordinator aborts it and fences its producer. */
  private expire(t: Transaction): void {
    if (t.state !== 'Ongoing') return;
    this.cluster.log(`transaction ${t.transactionalId} timed out after ${t.timeoutMs} ms: aborted`);
    t.lastEpoch = t.epoch;
    t.epoch++;
    this.complete(t, false);
  }

  private complete(t: Transaction, commit: boolean): void {
    this.cancelTimer(t);
    this.writeMarkers(t, commit);
    if (commit) {
      for (const [groupId, offsets] of t.pendingOffsets) {
        for (const o of offsets.values()) this.cluster.offsets.commit(groupId, o.topic, o.partition, o.value);
      }
    }
    t.pendingOffsets.clear();
    t.partitions.clear();
    t.groups.clear();
    t.state = commit ? 'CompleteCommit' : 'CompleteAbort';
  }

  private writeMarkers(t: Transaction, commit: boolean): void {
    if (t.partitions.size === 0) return;
    const now = this.cluster.now();
    const template = encodeRecordBatchSync([controlRecord({ type: commit ? 'commit' : 'abort', coordinatorEpoch: 0 }, now)], {
      control: true,
      transactional: true,
      producerId: t.producerId,
      producerEpoch: t.epoch,
      now,
    });
    const info = recordBatchInfo(template);
    for (const { state } of t.partitions.values()) {
      state.log.appendMarker(Buffer.from(template), info, state.leaderEpoch, now, commit);
    }
  }

  private bumpEpoch(t: Transaction): void {
    if (t.epoch < LAST_EPOCH) {
      t.epoch++;
      return;
    }
    this.byProducer.delete(t.producerId);
    t.producerId = this.allocateProducerId();
    t.epoch = 0;
    t.lastEpoch = NO_EPOCH;
    this.byProducer.set(t.producerId, t);
  }

  private cancelTimer(t: Transaction): void {
    t.timer?.unsubscribe();
    t.timer = null;
  }
}
